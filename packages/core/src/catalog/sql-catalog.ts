import type { SqlClientConfig } from "../catalog-db/open-sql-client.js";
import { openSqlClient } from "../catalog-db/open-sql-client.js";
import { runMigrations } from "../catalog-db/migrations/migrator.js";
import type { SqlClient } from "../catalog-db/sql-client.js";
import type { Layer } from "../object-store/layer.js";
import type { ProgressEvent } from "../steps/progress-event.js";
import type { Catalog } from "./catalog.js";
import { registerCatalogClient } from "./catalog-client.js";
import type {
  ApiKey,
  ApiKeyCheck,
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
} from "./catalog-types.js";
import { ApiKeyRepository } from "./repositories/api-key-repository.js";
import { AuditLogRepository } from "./repositories/audit-log-repository.js";
import { DatasetRepository } from "./repositories/dataset-repository.js";
import { DatasetVersionRepository } from "./repositories/dataset-version-repository.js";
import { ExternalRunRepository } from "./repositories/external-run-repository.js";
import { ObjectRepository } from "./repositories/object-repository.js";
import { ProvenanceRepository } from "./repositories/provenance-repository.js";
import { RunRepository } from "./repositories/run-repository.js";
import { SchemaVersionRepository } from "./repositories/schema-version-repository.js";
import { UpstreamFileRepository } from "./repositories/upstream-file-repository.js";
import { ItemRunRepository } from "./repositories/item-run-repository.js";

export interface SqlCatalogOptions {
  /** The clock for metadata's default `date`; tests pin it. */
  readonly now?: () => Date;
  /**
   * The lake's local root: run records store paths inside it lake-relative and other absolute paths
   * as base names (see publicRunRecord). Without it every absolute path is stored as its base name.
   */
  readonly localRoot?: string;
}

/**
 * The catalog on a PostgreSQL engine (PGlite or a server): one repository per aggregate (datasets,
 * objects, provenance, runs, schema versions, API keys, upstream files), all on one client that the
 * catalog owns and keeps to itself. close() closes it.
 * @example const catalog = await openCatalog({ pgliteDir: "memory://" });
 */
export class SqlCatalog implements Catalog {
  readonly engine: "pglite" | "postgres";
  readonly upstreamFiles: UpstreamFileRepository;
  readonly auditLog: AuditLogRepository;
  readonly itemRuns: ItemRunRepository;
  readonly #db: SqlClient;
  readonly #datasets: DatasetRepository;
  readonly #objects: ObjectRepository;
  readonly #provenance: ProvenanceRepository;
  readonly #runs: RunRepository;
  readonly #schemaVersions: SchemaVersionRepository;
  readonly #apiKeys: ApiKeyRepository;
  readonly #versions: DatasetVersionRepository;
  readonly #externalRuns: ExternalRunRepository;

  constructor(db: SqlClient, options: SqlCatalogOptions = {}) {
    this.#db = db;
    this.engine = db.kind;
    const now = options.now ?? (() => new Date());
    this.#datasets = new DatasetRepository(db, now);
    this.#objects = new ObjectRepository(db, this.#datasets, now);
    this.#provenance = new ProvenanceRepository(db);
    this.#runs = new RunRepository(db, options.localRoot);
    this.#schemaVersions = new SchemaVersionRepository(db, now);
    this.#versions = new DatasetVersionRepository(db);
    this.#externalRuns = new ExternalRunRepository(db, options.localRoot);
    this.#apiKeys = new ApiKeyRepository(db);
    this.upstreamFiles = new UpstreamFileRepository(db);
    this.auditLog = new AuditLogRepository(db);
    this.itemRuns = new ItemRunRepository(db);
    registerCatalogClient(this, db);
  }

  migrate(): Promise<{ applied: readonly string[] }> {
    return runMigrations(this.#db);
  }

  async ping(): Promise<void> {
    await this.#db.query("SELECT 1");
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  createDataset(input: NewDataset, options?: { pending?: boolean }): Promise<Dataset> {
    return this.#datasets.createDataset(input, options);
  }

  requireLineageNode(id: number): Promise<number> {
    return this.#datasets.requireLineageNode(id);
  }

  getDataset(id: number): Promise<Dataset> {
    return this.#datasets.getDataset(id);
  }

  findDataset(name: string, layer?: Layer): Promise<Dataset | undefined> {
    return this.#datasets.findDataset(name, layer);
  }

  listDatasets(query?: DatasetQuery): Promise<Page<Dataset>> {
    return this.#datasets.listDatasets(query);
  }

  updateDataset(
    id: number,
    patch: { description?: string | null; metadata?: Record<string, unknown>; tags?: readonly string[] },
  ): Promise<Dataset> {
    return this.#datasets.updateDataset(id, patch);
  }

  deleteDataset(id: number, options?: { runId?: number | null }): Promise<readonly string[]> {
    return this.#datasets.deleteDataset(id, options?.runId ?? null);
  }

  listDatasetVersions(
    datasetId: number,
    options?: { limit?: number; cursor?: string },
  ): Promise<Page<DatasetVersion>> {
    return this.#versions.listDatasetVersions(datasetId, options);
  }

  recordExternalRun(record: NewExternalRun): Promise<ExternalRunResult> {
    return this.#externalRuns.recordExternalRun(record);
  }

  replayExternalRun(externalKey: string, requestSha256: string): Promise<ExternalRunResult | undefined> {
    return this.#externalRuns.replayExternalRun(externalKey, requestSha256);
  }

  findDatasetInAnyState(
    name: string,
    layer: Layer,
  ): Promise<{ dataset: Dataset; pending: boolean } | undefined> {
    return this.#datasets.findDatasetInAnyState(name, layer);
  }

  listPendingDatasets(): Promise<readonly Dataset[]> {
    return this.#datasets.listPendingDatasets();
  }

  publishDataset(id: number, edge: NewProvenanceEdge): Promise<Dataset> {
    return this.#datasets.publishDataset(id, edge);
  }

  listDebrisDatasets(): Promise<readonly { dataset: Dataset; runId: number }[]> {
    return this.#datasets.listDebrisDatasets();
  }

  removeDebrisDataset(id: number): Promise<boolean> {
    return this.#datasets.removeDebrisDataset(id);
  }

  stats(): Promise<CatalogStats> {
    return this.#datasets.stats();
  }

  addObject(input: NewObject): Promise<CatalogObject> {
    return this.#objects.addObject(input);
  }

  writeObject(write: ObjectWrite): Promise<CatalogObject> {
    return this.#objects.writeObject(write);
  }

  releaseKeys(
    keys: readonly string[],
    remove: (unreferenced: readonly string[]) => Promise<void>,
  ): Promise<void> {
    return this.#objects.releaseKeys(keys, remove);
  }

  listObjects(
    datasetId: number,
    options?: { limit?: number; cursor?: string },
  ): Promise<Page<CatalogObject>> {
    return this.#objects.listObjects(datasetId, options);
  }

  getObject(datasetId: number, name: string): Promise<CatalogObject> {
    return this.#objects.getObject(datasetId, name);
  }

  removeObject(datasetId: number, name: string): Promise<CatalogObject | undefined> {
    return this.#objects.removeObject(datasetId, name);
  }

  replaceObject(
    datasetId: number,
    name: string,
    content: { size: number; sha256: string; mediaType?: string | null },
  ): Promise<CatalogObject> {
    return this.#objects.replaceObject(datasetId, name, content);
  }

  findObjectByKey(key: string): Promise<CatalogObject | undefined> {
    return this.#objects.findObjectByKey(key);
  }

  allObjects(): AsyncIterable<CatalogObject> {
    return this.#objects.allObjects();
  }

  listPromotions(query?: PromotionQuery): Promise<Page<Promotion>> {
    return this.#provenance.listPromotions(query);
  }

  addProvenance(edge: NewProvenanceEdge): Promise<ProvenanceEdge> {
    return this.#provenance.addProvenance(edge);
  }

  lineage(datasetId: number): Promise<ProvenanceGraph> {
    return this.#provenance.lineage(datasetId);
  }

  provenanceGraph(datasetId: number): Promise<ProvenanceGraph> {
    return this.#provenance.provenanceGraph(datasetId);
  }

  startRun(input: NewRun): Promise<Run> {
    return this.#runs.startRun(input);
  }

  renewRunLease(id: number, ownerToken: string, leaseExpiresAt: Date): Promise<boolean> {
    return this.#runs.renewRunLease(id, ownerToken, leaseExpiresAt);
  }

  recordRunProgress(id: number, ownerToken: string, progress: ProgressEvent): Promise<boolean> {
    return this.#runs.recordRunProgress(id, ownerToken, progress);
  }

  abandonRun(
    id: number,
    seenLeaseExpiresAt: Date | null,
    reason: { code: string; message: string; details?: Record<string, unknown> },
  ): Promise<boolean> {
    return this.#runs.abandonRun(id, seenLeaseExpiresAt, reason);
  }

  finishRun(id: number, result: RunFinish): Promise<Run> {
    return this.#runs.finishRun(id, result);
  }

  getRun(id: number): Promise<Run> {
    return this.#runs.getRun(id);
  }

  listRuns(options?: RunListOptions): Promise<Page<Run>> {
    return this.#runs.listRuns(options);
  }

  recordSchema(
    datasetId: number,
    tableName: string,
    fields: readonly SchemaField[],
    runId?: number | null,
  ): Promise<SchemaVersion> {
    return this.#schemaVersions.recordSchema(datasetId, tableName, fields, runId);
  }

  listSchemaVersions(datasetId: number, tableName?: string): Promise<readonly SchemaVersion[]> {
    return this.#schemaVersions.listSchemaVersions(datasetId, tableName);
  }

  createApiKey(
    name: string,
    scopes: readonly string[],
    options?: { readonly expiresAt?: Date | null },
  ): Promise<{ key: ApiKey; secret: string }> {
    return this.#apiKeys.createApiKey(name, scopes, options);
  }

  verifyApiKey(secret: string, now?: Date): Promise<ApiKey | undefined> {
    return this.#apiKeys.verifyApiKey(secret, now);
  }

  checkApiKey(secret: string, now?: Date): Promise<ApiKeyCheck> {
    return this.#apiKeys.checkApiKey(secret, now);
  }

  listApiKeys(): Promise<readonly ApiKey[]> {
    return this.#apiKeys.listApiKeys();
  }

  revokeApiKey(id: number): Promise<ApiKey> {
    return this.#apiKeys.revokeApiKey(id);
  }
}

/**
 * Opens the catalog database the configuration names and applies pending migrations.
 * @example const catalog = await openCatalog({ url: process.env.DATABASE_URL, pgliteDir: `${root}/catalog` });
 */
export async function openCatalog(
  config: SqlClientConfig,
  options: SqlCatalogOptions = {},
): Promise<Catalog> {
  const db = await openSqlClient(config);
  const catalog = new SqlCatalog(db, options);
  try {
    await catalog.migrate();
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return catalog;
}
