export * from "./errors/omicslake-error.js";
export { ERROR_CODES, type ErrorCode } from "./errors/error-codes.js";
export { composeErrorMessage, formatLocation, type ErrorLocation } from "./errors/error-location.js";
export {
  REDACTED,
  SECRET_PARAMETER_NAMES,
  redactSecrets,
  redactSecretsDeep,
  redactUrl,
} from "./errors/redact-secrets.js";
export * from "./object-store/layer.js";
export type * from "./object-store/object-store.js";
export type { QueryOptions, SqlClient } from "./catalog-db/sql-client.js";
export type { Catalog } from "./catalog/catalog.js";
export type * from "./catalog/catalog-types.js";
export * from "./config/index.js";
export {
  Lake,
  LAKE_VERSION,
  type AbandonedRun,
  type AddFilesOptions,
  type LocalFile,
  type DatasetRef,
  type LakeOptions,
  type ObjectSource,
  type RunOptions,
} from "./lake/lake.js";
export type { ExternalDatasetRef, ExternalStep } from "./lake/external-step.js";
export {
  externalStepFromRecord,
  externalStepRecordSchema,
  parseExternalStepRecord,
  type ExternalStepRecord,
} from "./lake/external-step-record.js";
export { DEFAULT_DEBRIS_AGE_MS, type FsckOptions } from "./lake/lake-fsck.js";
export { DEFAULT_RUN_LEASE_MS } from "./lake/run-lease.js";
export { faultPoint } from "./testing-hooks/fault-point.js";
export { RunContext } from "./lake/run-context.js";
export { directoryFiles } from "./lake/directory-files.js";
export * from "./steps/index.js";
export type { FsckProblem, FsckReport } from "./lake/fsck-report.js";
export { mediaTypeOf } from "./lake/media-type.js";
export { openLake, type OpenLakeOptions } from "./lake/open-lake.js";
export { publicPath, publicRunRecord } from "./catalog/public-run-record.js";
export { parseInstant, parseKeyExpiry } from "./catalog/api-key-expiry.js";
export {
  openBucketReader,
  openObjectStore,
  type StoreConfig,
  type StoreTuning,
} from "./object-store/open-object-store.js";
export type { BucketObject, BucketReader } from "./object-store/s3/s3-bucket-reader.js";
export { FsObjectStore } from "./object-store/fs/fs-object-store.js";
// Types only: openObjectStore imports the S3 store, and the AWS SDK with it, for an s3:// URL alone.
export type {
  S3ObjectStore,
  S3ObjectStoreOptions,
  ObjectLockPolicy,
} from "./object-store/s3/s3-object-store.js";
export {
  validateObjectKey,
  validateKeyPrefix,
  compareKeys,
  MAX_KEY_BYTES,
  MAX_KEY_SEGMENT_BYTES,
} from "./object-store/object-key.js";
export { DEFAULT_MEDIA_TYPE } from "./object-store/object-body.js";
export { openSqlClient, type SqlClientConfig } from "./catalog-db/open-sql-client.js";
// Types only: openSqlClient imports the engine it opens, so loading the package loads neither driver.
export type { PgliteSqlClient, PgliteSqlClientOptions } from "./catalog-db/pglite/pglite-sql-client.js";
export type {
  PostgresSqlClient,
  PostgresSqlClientOptions,
} from "./catalog-db/postgres/postgres-sql-client.js";
export { runMigrations } from "./catalog-db/migrations/migrator.js";
export { CATALOG_MIGRATIONS } from "./catalog-db/migrations/catalog-migrations.js";
export type { Migration } from "./catalog-db/migrations/migration.js";
export { SqlCatalog, openCatalog, type SqlCatalogOptions } from "./catalog/sql-catalog.js";
export { InvalidCursorError } from "./catalog/invalid-cursor-error.js";
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "./catalog/page-cursor.js";
export { diffSchemas, isEmptyDiff } from "./catalog/schema-diff.js";
export { readLakeGauges, type LakeGauges } from "./catalog/lake-gauges.js";
export {
  API_KEY_SCOPES,
  AUDIT_OUTCOMES,
  RUN_STATUSES,
  apiKeyRecord,
  auditEntryRecord,
  type ApiKeyRecord,
  type AuditEntryRecord,
} from "./catalog/wire-records.js";

export {
  SOURCE_OPTION_SPECS,
  DATASET_ACCESSIONS,
  SRA_STUDY_ACCESSION,
  optionValueProblem,
  type OptionSpec,
  type OptionValueSpec,
} from "./config/source-option-specs.js";
export { isPidAlive } from "./process/pid-alive.js";
export { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tightenTree } from "./lake/private-files.js";
export { openDuckDb, withDuckDb, type DuckDbOptions, type DuckDbSession } from "./duckdb/duckdb-session.js";
export { sqlIdentifier, sqlList, sqlString } from "./duckdb/sql-quote.js";
export * from "./backup/index.js";
