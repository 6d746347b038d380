import { bioprojectSourceAdapter } from "./bioproject/bioproject-source-adapter.js";
import { biosampleSourceAdapter } from "./biosample/biosample-source-adapter.js";
import { geoSourceAdapter } from "./geo/geo-source-adapter.js";
import { pubmedSourceAdapter } from "./pubmed/pubmed-source-adapter.js";
import type { SourceAdapter } from "./source-adapter.js";
import { sraSourceAdapter } from "./sra/sra-source-adapter.js";
import { SourceConfigError } from "./upstream-error.js";
import { urlSourceAdapter } from "./kinds/url/url-source-kind.js";

/** The adapters of the sources ingest fetches into raw directly (public metadata, URL lists), by source kind. */
export const SOURCE_ADAPTERS: Readonly<Record<string, SourceAdapter>> = {
  sra: sraSourceAdapter,
  geo: geoSourceAdapter,
  biosample: biosampleSourceAdapter,
  bioproject: bioprojectSourceAdapter,
  pubmed: pubmedSourceAdapter,
  url: urlSourceAdapter,
};

/** The adapter for a source kind; other kinds (directories, genome trees) are not fetched by ingest. */
export function sourceAdapterFor(kind: string): SourceAdapter {
  const adapter = SOURCE_ADAPTERS[kind];
  if (!adapter) {
    throw new SourceConfigError(`no source adapter fetches "${kind}" sources`, {
      details: { kind },
      hint: `Ingest handles ${Object.keys(SOURCE_ADAPTERS).join(", ")}; add other files with "omicslake add"`,
    });
  }
  return adapter;
}
