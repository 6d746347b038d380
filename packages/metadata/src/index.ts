export * from "./entities/index.js";
export { MetadataFlowError } from "./metadata-flow-error.js";
export {
  processDataset,
  PROCESSED_EXTRA_FIELDS,
  type ProcessOptions,
  type ProcessResult,
} from "./processing/process-dataset.js";
export { duckdbTypeOf, recordColumns, type RecordColumn } from "./processing/duckdb-column-types.js";
export { partitionOfRawObject, type RawObjectPartition } from "./processing/raw-object-partition.js";
export {
  readManifests,
  type ProcessedManifest,
  type ProcessedOutput,
} from "./processing/processed-manifest.js";
export {
  consolidateMetadata,
  defaultDuckLakeTarget,
  type ConsolidateOptions,
  type ConsolidateResult,
  type ConsolidatedEntity,
  type DuckLakeTarget,
} from "./consolidation/consolidate-metadata.js";
export { buildSnapshot, type SnapshotOptions, type SnapshotResult } from "./snapshot/build-snapshot.js";
export { queryCurated, type QueryCuratedOptions, type QueryCuratedResult } from "./query/query-curated.js";
export * from "./synthetic/synthetic-ncbi-files.js";
export {
  DEFAULT_MAX_SHRINK,
  ShrinkRefusedError,
  shrinkViolation,
  type ShrinkPolicy,
  type ShrinkViolation,
} from "./shrink-guard.js";
export { reprocessConfigured, type ConfiguredReprocess } from "./processing/reprocess-configured.js";
export {
  loadEntity,
  loadServing,
  servingStatus,
  type LoadEntityOptions,
  type LoadServingOptions,
  type ServingLoadResult,
  type ServingStatus,
  type ServingTarget,
} from "./serving/serving-loader.js";
export { ServingLoadError } from "./serving/serving-load-error.js";
export {
  encodeEntityCursor,
  getEntityRecord,
  getEntityRecords,
  listChildRecords,
  listEntityRecords,
  type EntityListQuery,
  type RawPage,
} from "./serving/serving-queries.js";
export { EntityCursorError } from "./serving/entity-cursor-error.js";
export { EntityNotLoadedError } from "./serving/entity-not-loaded-error.js";
export {
  consolidate,
  ingestAndProcess,
  loadCuratedIntoServing,
  shrinkPolicy,
  snapshot,
  type IngestSummary,
} from "./pipeline/metadata-pipeline.js";
export {
  defaultPublishDir,
  publishLake,
  type PublishOptions,
  type PublishResult,
} from "./publish/publish-lake.js";
export {
  MANIFEST_NAME,
  publishedPathProblem,
  type PublishedFile,
  type PublishManifest,
} from "./publish/publish-manifest.js";
export type { S3Connection } from "./publish/publish-target.js";
export { findPublishedFile, type LocalPublishedFile } from "./publish/published-tree.js";
export { PUBLISHED_DUCKLAKE_CATALOG, PUBLISHED_DUCKLAKE_DATA_PATH } from "./publish/published-ducklake.js";
export * from "./links/index.js";
