export {
  ACCESSION_TYPE_NAMES,
  accessionType,
  isAccessionType,
  normalizeAccession,
  type AccessionType,
} from "./accession-types.js";
export { AccessionLinksError } from "./accession-links-error.js";
export {
  ACCESSION_LINKS_TABLE,
  buildAccessionLinks,
  type AccessionLinksBuild,
} from "./build-accession-links.js";
export { resolveCuratedLinks, type CuratedLinksOptions } from "./curated-links.js";
export { LINK_RULES, type LinkRule } from "./link-rules.js";
export type { LinkEdge, LinkReader } from "./link-reader.js";
export {
  loadAccessionLinks,
  type AccessionLinksLoad,
  type LoadAccessionLinksOptions,
} from "./load-accession-links.js";
export { ParquetLinkReader } from "./parquet-link-reader.js";
export {
  DEFAULT_LINK_DEPTH,
  DEFAULT_MAX_LINKED,
  MAX_LINK_BATCH,
  MAX_LINK_DEPTH,
  MAX_LINKED_PER_CALL,
  checkLinkRequest,
  resolveLinks,
  type AccessionLinks,
  type LinkedAccession,
  type ResolvedLinks,
  type ResolveLinksOptions,
} from "./resolve-links.js";
export { ServingLinkReader } from "./serving-link-reader.js";
