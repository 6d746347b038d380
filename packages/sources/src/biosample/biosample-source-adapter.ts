import { singleFileSourceAdapter } from "../single-file-source-adapter.js";

/** BioSample's full dump, `biosample_set.xml.gz`, republished daily under the same name. */
export const biosampleSourceAdapter = singleFileSourceAdapter(
  "biosample",
  "https://ftp.ncbi.nlm.nih.gov/biosample/",
  "biosample_set.xml.gz",
);
