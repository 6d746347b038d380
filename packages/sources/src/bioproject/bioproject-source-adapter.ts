import { singleFileSourceAdapter } from "../single-file-source-adapter.js";

/** BioProject's full dump, `bioproject.xml` (uncompressed upstream), republished under the same name. */
export const bioprojectSourceAdapter = singleFileSourceAdapter(
  "bioproject",
  "https://ftp.ncbi.nlm.nih.gov/bioproject/",
  "bioproject.xml",
);
