export type { SourceAdapter, SourceListContext, UpstreamFile } from "./source-adapter.js";
export { SOURCE_ADAPTERS, sourceAdapterFor } from "./source-adapters.js";
export {
  SourceConfigError,
  UpstreamChecksumError,
  UpstreamError,
  UpstreamListingError,
} from "./upstream-error.js";
export { sraSourceAdapter, selectMirroringBatches, type MirroringBatch } from "./sra/sra-source-adapter.js";
export { geoSourceAdapter, geoAccessionOfUid } from "./geo/geo-source-adapter.js";
export { biosampleSourceAdapter } from "./biosample/biosample-source-adapter.js";
export { bioprojectSourceAdapter } from "./bioproject/bioproject-source-adapter.js";
export { pubmedSourceAdapter, parseMd5File } from "./pubmed/pubmed-source-adapter.js";
export { parseDirectoryListing, type DirectoryEntry } from "./html-directory-listing.js";
export {
  ingestDataset,
  type FetchedFile,
  type IngestOptions,
  type IngestResult,
  type IngestTarget,
  type SkippedFile,
  type SkipReason,
} from "./fetch/ingest-dataset.js";
export { ingestConfigured, type ConfiguredIngest } from "./fetch/ingest-configured.js";
export { HttpClient, type HttpClientOptions, type RetryEvent } from "./fetch/http-client.js";
export type { RetryPolicy } from "./fetch/retry-policy.js";
// Upstream file versions are a catalog repository (`catalog.upstreamFiles`); the record type stays importable here.
export type { UpstreamFileRecord } from "@omicslake/core";
export type { DataItem, ItemFile, ItemProblem } from "./items/data-item.js";
export type { ItemListing, SourceKind, SourceKindContext, SyncResult } from "./kinds/source-kind.js";
export { SOURCE_KINDS, addSourceKind, sourceKind } from "./kinds/source-kinds.js";
export {
  processDatasets,
  type ProcessHandlers,
  type ProcessOptions,
  type ProcessSummary,
  type StepOutcome,
} from "./processing/process-datasets.js";
export { ingestItems, ensureRawDataset, type ItemIngestResult } from "./processing/ingest-items.js";
export { checksumDataset, type ChecksumResult } from "./processing/checksum-dataset.js";
export { stepDatasetName } from "./processing/command-step.js";
export { ProcessingError, ItemsFailedError, type ItemFailure } from "./processing/processing-error.js";
export { shellQuote } from "./processing/shell-command.js";
