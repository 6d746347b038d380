import type { Layer } from "../object-store/layer.js";
import type { ProgressEvent } from "../steps/progress-event.js";
import type {
  ApiKey,
  CatalogObject,
  Dataset,
  DatasetMetadata,
  ProvenanceAction,
  ProvenanceEdge,
  Run,
  RunIo,
  RunStatus,
  SchemaDiff,
  SchemaField,
  SchemaVersion,
} from "./catalog-types.js";

// Column lists are spelled out (never `*`) so a column added by a later migration, or the internal
// `search` vector, never leaks into results.

export const DATASET_COLUMNS =
  "id, name, layer, source, external_id, description, metadata, tags, object_count, total_bytes, created_at, updated_at";
export const OBJECT_COLUMNS = "id, dataset_id, layer, key, name, size, sha256, media_type, created_at";
export const PROVENANCE_COLUMNS =
  "id, output_dataset_id, input_dataset_id, action, run_id, parameters, created_at";
export const RUN_COLUMNS =
  "id, step, status, started_at, finished_at, tool_versions, parameters, inputs, outputs, row_counts, log, error, owner_host, owner_pid, owner_token, lease_expires_at, progress, asset_key, partition_key";
export const SCHEMA_VERSION_COLUMNS = "id, dataset_id, table_name, version, fields, diff, run_id, created_at";
export const API_KEY_COLUMNS = "id, name, prefix, scopes, created_at, last_used_at, revoked_at, expires_at";

export interface DatasetRow extends Record<string, unknown> {
  id: number;
  name: string;
  layer: Layer;
  source: string;
  external_id: string | null;
  description: string | null;
  metadata: DatasetMetadata;
  tags: string[];
  object_count: number;
  total_bytes: number;
  created_at: Date;
  updated_at: Date;
}

export function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id,
    name: row.name,
    layer: row.layer,
    source: row.source,
    externalId: row.external_id,
    description: row.description,
    metadata: row.metadata,
    tags: row.tags,
    objectCount: row.object_count,
    totalBytes: row.total_bytes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface ObjectRow extends Record<string, unknown> {
  id: number;
  dataset_id: number;
  layer: Layer;
  key: string;
  name: string;
  size: number;
  sha256: string;
  media_type: string | null;
  created_at: Date;
}

export function toCatalogObject(row: ObjectRow): CatalogObject {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    layer: row.layer,
    key: row.key,
    name: row.name,
    size: row.size,
    sha256: row.sha256,
    mediaType: row.media_type,
    createdAt: row.created_at,
  };
}

export interface ProvenanceRow extends Record<string, unknown> {
  id: number;
  output_dataset_id: number;
  input_dataset_id: number | null;
  action: ProvenanceAction;
  run_id: number | null;
  parameters: Record<string, unknown>;
  created_at: Date;
}

export function toProvenanceEdge(row: ProvenanceRow): ProvenanceEdge {
  return {
    id: row.id,
    outputDatasetId: row.output_dataset_id,
    inputDatasetId: row.input_dataset_id,
    action: row.action,
    runId: row.run_id,
    parameters: row.parameters,
    createdAt: row.created_at,
  };
}

export interface RunRow extends Record<string, unknown> {
  id: number;
  step: string;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  tool_versions: Record<string, string>;
  parameters: Record<string, unknown>;
  inputs: RunIo[];
  outputs: RunIo[];
  row_counts: Record<string, number>;
  log: string;
  error: Run["error"];
  owner_host: string | null;
  owner_pid: number | null;
  owner_token: string | null;
  lease_expires_at: Date | null;
  progress: ProgressEvent | null;
  asset_key: string | null;
  partition_key: string | null;
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    step: row.step,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    toolVersions: row.tool_versions,
    parameters: row.parameters,
    inputs: row.inputs,
    outputs: row.outputs,
    rowCounts: row.row_counts,
    log: row.log,
    error: row.error,
    owner:
      row.owner_host !== null && row.owner_pid !== null && row.owner_token !== null
        ? { host: row.owner_host, pid: Number(row.owner_pid), token: row.owner_token }
        : null,
    leaseExpiresAt: row.lease_expires_at,
    progress: row.progress ?? null,
    ...(row.asset_key !== null && row.asset_key !== undefined
      ? { asset: { key: row.asset_key, partition: row.partition_key ?? null } }
      : {}),
  };
}

export interface SchemaVersionRow extends Record<string, unknown> {
  id: number;
  dataset_id: number;
  table_name: string;
  version: number;
  fields: SchemaField[];
  diff: SchemaDiff;
  run_id: number | null;
  created_at: Date;
}

export function toSchemaVersion(row: SchemaVersionRow): SchemaVersion {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    tableName: row.table_name,
    version: row.version,
    fields: row.fields,
    diff: row.diff,
    runId: row.run_id,
    createdAt: row.created_at,
  };
}

export interface ApiKeyRow extends Record<string, unknown> {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date | null;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
  };
}
