import type { Layer } from "../object-store/layer.js";
import type { ProgressEvent } from "../steps/progress-event.js";
import type {
  ApiKey,
  ApiKeyCheck,
  AuditEntry,
  AuditQuery,
  NewAuditEntry,
  CatalogObject,
  CatalogStats,
  Dataset,
  DatasetQuery,
  DatasetVersion,
  ExternalRunResult,
  NewDataset,
  NewExternalRun,
  NewObject,
  NewProvenanceEdge,
  NewRun,
  NewUpstreamFileRecord,
  ItemRunKey,
  ItemRunRecord,
  NewItemRunRecord,
  ObjectWrite,
  Page,
  Promotion,
  PromotionQuery,
  ProvenanceEdge,
  ProvenanceGraph,
  Run,
  RunFinish,
  RunListOptions,
  SchemaField,
  SchemaVersion,
  UpstreamFileRecord,
} from "./catalog-types.js";

/**
 * The versions of upstream files a source fetched into raw, as incremental ingest compares and records them.
 * Rows are only ever added.
 */
export interface UpstreamFiles {
  /** The latest recorded version of `url` in a dataset. */
  latest(datasetId: number, url: string): Promise<UpstreamFileRecord | undefined>;
  add(record: NewUpstreamFileRecord): Promise<UpstreamFileRecord>;
  /**
   * The latest version of every upstream file of a dataset, in name order: what processing should read.
   * @example for (const file of await lake.catalog.upstreamFiles.current(dataset.id)) …
   */
  current(datasetId: number): Promise<UpstreamFileRecord[]>;
  /** Every recorded version of a dataset's files, oldest first. */
  history(datasetId: number): Promise<UpstreamFileRecord[]>;
}

/**
 * The last successful run of each processing step on each item of a configured dataset (`omicslake
 * process`): what it read, as a fingerprint, and what it wrote.
 * @example const done = await lake.catalog.itemRuns.forStep("reads", "qc", "counts");
 */
export interface ItemRuns {
  /** Every item's record of one step of one dataset, by item key. */
  forStep(dataset: string, section: string, step: string): Promise<Map<string, ItemRunRecord>>;
  /** One item's record of one step, if it has one. */
  forItem(item: ItemRunKey): Promise<ItemRunRecord | undefined>;
  /** Replaces the item's record with this successful run's. */
  record(record: NewItemRunRecord): Promise<ItemRunRecord>;
  /**
   * Makes `runId` the one run processing the step on the item. Returns undefined when it now holds the
   * item, or the id of the running run that holds it (a claim of a run no longer running is taken over).
   */
  claim(item: ItemRunKey, runId: number): Promise<number | undefined>;
  /** Frees the item if `runId` holds it. */
  release(item: ItemRunKey, runId: number): Promise<void>;
}

/**
 * The audit log: every write from the CLI or the API, whatever its outcome. Entries are only ever added.
 * @example await lake.catalog.auditLog.list({ dataset: "raw:gse1", outcome: "failed" })
 */
export interface AuditLog {
  record(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first, filtered by every given field, in keyset pages. */
  list(query?: AuditQuery): Promise<Page<AuditEntry>>;
}

/**
 * The catalog's repository: every read and write of datasets, objects, provenance, runs, schema
 * versions and API keys goes through here, as SQL that runs unchanged on PGlite and PostgreSQL.
 * Errors are typed: NotFoundError, ConflictError (duplicate dataset name in a layer, duplicate key),
 * ValidationError (bad cursor, bad limit). It hands out no database handle.
 */
export interface Catalog {
  /** The database engine the catalog runs on, as the health check reports it. */
  readonly engine: "pglite" | "postgres";
  readonly upstreamFiles: UpstreamFiles;
  readonly auditLog: AuditLog;
  readonly itemRuns: ItemRuns;

  /** Resolves when the catalog's database answers a query; rejects with the engine's error when not. */
  ping(): Promise<void>;

  /** Applies pending migrations; safe to call on every open and from concurrent processes. */
  migrate(): Promise<{ applied: readonly string[] }>;

  /**
   * With `pending`, the dataset is created hidden: no lookup, listing, search or statistic shows it until
   * publishDataset. It still holds its name, so nobody else can create it meanwhile.
   */
  createDataset(input: NewDataset, options?: { pending?: boolean }): Promise<Dataset>;
  getDataset(id: number): Promise<Dataset>;
  /** `id` when it names a published dataset or a tombstone; else NotFoundError. */
  requireLineageNode(id: number): Promise<number>;
  /** The dataset called `name` in `layer`, or, without a layer, in the lowest layer that has one. */
  findDataset(name: string, layer?: Layer): Promise<Dataset | undefined>;
  listDatasets(query?: DatasetQuery): Promise<Page<Dataset>>;
  updateDataset(
    id: number,
    patch: { description?: string | null; metadata?: Record<string, unknown>; tags?: readonly string[] },
  ): Promise<Dataset>;
  /**
   * Removes the dataset's object rows, returning the keys they had (the caller removes the stored
   * bytes, through releaseKeys). A published dataset stays as a tombstone (deleted, with when and the
   * deleting run) so lineage through it stays connected; a pending one goes entirely. Refused for raw.
   */
  deleteDataset(id: number, options?: { runId?: number | null }): Promise<readonly string[]>;
  /** A dataset's versions, newest first: one per run that changed its objects or a table's schema. */
  listDatasetVersions(
    datasetId: number,
    options?: { limit?: number; cursor?: string },
  ): Promise<Page<DatasetVersion>>;
  /**
   * Records a step run outside the lake as a finished run with its provenance edges, in one
   * transaction. A record whose externalKey was recorded before returns that run (replayed) when it is
   * the same record, and is refused with a ConflictError when it is not.
   */
  recordExternalRun(record: NewExternalRun): Promise<ExternalRunResult>;
  /**
   * The run recorded earlier under `externalKey` (replayed), or undefined when there is none; a
   * ConflictError when that record's sha256 differs (the key was reused for another record).
   */
  replayExternalRun(externalKey: string, requestSha256: string): Promise<ExternalRunResult | undefined>;
  /** The dataset called `name` in `layer` whether published or pending. */
  findDatasetInAnyState(
    name: string,
    layer: Layer,
  ): Promise<{ dataset: Dataset; pending: boolean } | undefined>;
  /** Datasets created pending and not yet published: promotions that did not finish. */
  listPendingDatasets(): Promise<readonly Dataset[]>;
  /**
   * Makes a pending dataset visible and records the edge that produced it, in one transaction. Throws
   * ConflictError when it is already published and NotFoundError when it or the edge's input is gone.
   */
  publishDataset(id: number, edge: NewProvenanceEdge): Promise<Dataset>;

  addObject(input: NewObject): Promise<CatalogObject>;
  /**
   * Records one object write as a single decision: holding the dataset's row lock and the key's lock
   * (both across processes), it reads the key's row, runs `decide` (which publishes the bytes), and
   * inserts or updates the row; if anything throws, no row changes. Writers of one key are therefore
   * ordered, and the bytes under a key are always those of the last recorded row. A row for a raw key
   * is never changed: a different content is refused with raw_immutable, the same content returns it.
   */
  writeObject(write: ObjectWrite): Promise<CatalogObject>;
  /**
   * For keys whose rows were removed: holding each key's lock, calls `remove` with those that still
   * have no row (a dataset recreated under the same name may have claimed one again meanwhile).
   */
  releaseKeys(
    keys: readonly string[],
    remove: (unreferenced: readonly string[]) => Promise<void>,
  ): Promise<void>;
  listObjects(datasetId: number, options?: { limit?: number; cursor?: string }): Promise<Page<CatalogObject>>;
  getObject(datasetId: number, name: string): Promise<CatalogObject>;
  findObjectByKey(key: string): Promise<CatalogObject | undefined>;
  /**
   * Removes an object's row (the caller deletes the bytes) and updates the dataset's counters;
   * undefined when there is none. Refused for raw.
   */
  removeObject(datasetId: number, name: string): Promise<CatalogObject | undefined>;
  /**
   * Points an existing object's row at new bytes (size, sha256, media type) and adjusts the dataset's
   * byte total, in one statement so readers see the old row or the new one. Refused for raw.
   */
  replaceObject(
    datasetId: number,
    name: string,
    content: { size: number; sha256: string; mediaType?: string | null },
  ): Promise<CatalogObject>;
  /** Every object of the lake in key order, streamed in pages (fsck). */
  allObjects(): AsyncIterable<CatalogObject>;

  addProvenance(edge: NewProvenanceEdge): Promise<ProvenanceEdge>;
  /** Ancestors of a dataset, following edges from outputs to inputs. */
  lineage(datasetId: number): Promise<ProvenanceGraph>;
  /** Ancestors and descendants. */
  provenanceGraph(datasetId: number): Promise<ProvenanceGraph>;

  /**
   * Promotions (provenance edges of action `promotion`), newest first, with the promoted dataset's name
   * and both layers; `datasetId` keeps those into or out of one dataset.
   * @example const { items } = await lake.catalog.listPromotions({ datasetId: 4, limit: 20 });
   */
  listPromotions(query?: PromotionQuery): Promise<Page<Promotion>>;

  startRun(input: NewRun): Promise<Run>;
  finishRun(id: number, result: RunFinish): Promise<Run>;
  /** Extends a running run's lease; false when the run is no longer running or no longer this owner's. */
  renewRunLease(id: number, ownerToken: string, leaseExpiresAt: Date): Promise<boolean>;
  /** Stores a running run's latest progress event; false when the run is no longer running or no longer this owner's. */
  recordRunProgress(id: number, ownerToken: string, progress: ProgressEvent): Promise<boolean>;
  /**
   * Marks a running run `abandoned` with the reason as its error, only if its lease is still the one
   * the caller saw (an owner that renewed in between is alive). True when it was marked.
   */
  abandonRun(
    id: number,
    seenLeaseExpiresAt: Date | null,
    reason: { code: string; message: string; details?: Record<string, unknown> },
  ): Promise<boolean>;
  /**
   * Removes a raw dataset that holds no object and was created by a run that failed, was abandoned or cancelled,
   * while no run is running (one might be about to fill it). Never touches a dataset with objects.
   * True when it was removed.
   */
  removeDebrisDataset(id: number): Promise<boolean>;
  /** Raw datasets with no object whose creating run failed, was abandoned or cancelled (debris of a stopped add). */
  listDebrisDatasets(): Promise<readonly { dataset: Dataset; runId: number }[]>;
  getRun(id: number): Promise<Run>;
  /** Newest first; `asset` and `partition` narrow to the runs that materialized that asset (-partition). */
  listRuns(options?: RunListOptions): Promise<Page<Run>>;

  /**
   * Records `fields` as the schema of `tableName` in a dataset. When it equals the latest version
   * nothing is written and that version is returned; otherwise a new version with the diff.
   */
  recordSchema(
    datasetId: number,
    tableName: string,
    fields: readonly SchemaField[],
    runId?: number | null,
  ): Promise<SchemaVersion>;
  listSchemaVersions(datasetId: number, tableName?: string): Promise<readonly SchemaVersion[]>;

  /** Creates a key; the plain secret is returned once and only its hash is stored. */
  createApiKey(
    name: string,
    scopes: readonly string[],
    options?: { readonly expiresAt?: Date | null },
  ): Promise<{ key: ApiKey; secret: string }>;
  /** The key matching a presented secret, if valid (not revoked, not expired at `now`); updates last_used_at. */
  verifyApiKey(secret: string, now?: Date): Promise<ApiKey | undefined>;
  /** What a presented secret is at `now`: valid (last_used_at updated), revoked, expired or unknown. */
  checkApiKey(secret: string, now?: Date): Promise<ApiKeyCheck>;
  listApiKeys(): Promise<readonly ApiKey[]>;
  /** Revokes a key (idempotent) and returns it; NotFoundError when no key has that id. */
  revokeApiKey(id: number): Promise<ApiKey>;

  stats(): Promise<CatalogStats>;
  close(): Promise<void>;
}
