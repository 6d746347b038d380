import type { SqlClientConfig } from "../catalog-db/open-sql-client.js";
import { openSqlClient } from "../catalog-db/open-sql-client.js";
import { runMigrations } from "../catalog-db/migrations/migrator.js";
import type { SqlClient } from "../catalog-db/sql-client.js";
import { ConflictError, NotFoundError, PolicyError, ValidationError } from "../errors/omicslake-error.js";
import type { Layer } from "../object-store/layer.js";
import { LAYERS, isLayer, layerOfKey } from "../object-store/layer.js";
import type { ProgressEvent } from "../steps/progress-event.js";
import { apiKeyPrefixOf, generateApiKeySecret, hashApiKeySecret, sameDigest } from "./api-key-secret.js";
import type { Catalog } from "./catalog.js";
import {
  API_KEY_COLUMNS,
  DATASET_COLUMNS,
  OBJECT_COLUMNS,
  PROVENANCE_COLUMNS,
  RUN_COLUMNS,
  SCHEMA_VERSION_COLUMNS,
  toApiKey,
  toCatalogObject,
  toDataset,
  toProvenanceEdge,
  toRun,
  toSchemaVersion,
} from "./catalog-rows.js";
import type {
  ApiKeyRow,
  DatasetRow,
  ObjectRow,
  ProvenanceRow,
  RunRow,
  SchemaVersionRow,
} from "./catalog-rows.js";
import type {
  ApiKey,
  CatalogObject,
  CatalogStats,
  Dataset,
  DatasetQuery,
  NewDataset,
  NewObject,
  NewProvenanceEdge,
  NewRun,
  ObjectWrite,
  Page,
  ProvenanceAction,
  ProvenanceEdge,
  ProvenanceGraph,
  Run,
  RunFinish,
  SchemaField,
  SchemaVersion,
} from "./catalog-types.js";
import { completeMetadata, isoDay } from "./dataset-metadata.js";
import { decodeCursor, encodeCursor, resolveLimit } from "./page-cursor.js";
import { publicRunRecord } from "./public-run-record.js";
import { EMPTY_SCHEMA_DIFF, diffSchemas, isEmptyDiff } from "./schema-diff.js";
import { FOREIGN_KEY_VIOLATION, isUniqueViolation, sqlErrorInfo } from "./sql-error-info.js";
import { toPrefixTsQuery } from "./text-query.js";

const PROVENANCE_ACTIONS: readonly ProvenanceAction[] = [
  "collection",
  "conversion",
  "consolidation",
  "promotion",
  "manual",
];
/**
 * The first half of the two-integer advisory lock taken on an object key ("olk" in ASCII): it keeps the
 * catalog's key locks apart from any other advisory lock on the same database.
 */
const KEY_LOCK_SPACE = 0x6f6c6b;
/** Keys released per transaction when a dataset's bytes are removed. */
const RELEASE_BATCH = 200;
/** Page size of allObjects(): large enough to amortise round trips, small enough to keep memory flat. */
const ALL_OBJECTS_PAGE = 1000;

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
 * The catalog on a PostgreSQL engine (PGlite or a server). It owns `db`: close() closes it.
 * @example const catalog = await openCatalog({ pgliteDir: "memory://" });
 */
export class SqlCatalog implements Catalog {
  readonly db: SqlClient;
  readonly #now: () => Date;
  readonly #localRoot: string | undefined;

  constructor(db: SqlClient, options: SqlCatalogOptions = {}) {
    this.db = db;
    this.#now = options.now ?? (() => new Date());
    this.#localRoot = options.localRoot;
  }

  migrate(): Promise<{ applied: readonly string[] }> {
    return runMigrations(this.db);
  }

  // ---- datasets -------------------------------------------------------------------------------

  async createDataset(input: NewDataset, options: { pending?: boolean } = {}): Promise<Dataset> {
    const name = requireText(input.name, "dataset name", 512);
    const layer = requireLayer(input.layer);
    const metadataSource = input.metadata?.["source"];
    const source =
      input.source !== undefined
        ? requireText(input.source, "dataset source", 200)
        : typeof metadataSource === "string" && metadataSource.length > 0
          ? metadataSource
          : "local";
    const metadata = completeMetadata(
      input.metadata,
      { source, date: isoDay(this.#now()), version: "1" },
      { dataset: name, layer },
    );
    const tags = normaliseTags(input.tags);
    try {
      const { rows } = await this.db.query<DatasetRow>(
        `INSERT INTO datasets (name, layer, source, external_id, description, metadata, tags, state, created_by_run)
         VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text[], $8, $9)
         RETURNING ${DATASET_COLUMNS}`,
        [
          name,
          layer,
          source,
          optionalText(input.externalId),
          optionalText(input.description),
          JSON.stringify(metadata),
          tags,
          options.pending === true ? "pending" : "ready",
          input.createdByRunId ?? null,
        ],
      );
      return toDataset(rows[0]!);
    } catch (error) {
      if (isUniqueViolation(error, "datasets_name_layer_key")) {
        throw new ConflictError(`a dataset named ${JSON.stringify(name)} already exists in ${layer}`, {
          details: { name, layer },
          hint: "Choose another name, or add objects to the existing dataset",
          cause: error,
        });
      }
      throw error;
    }
  }

  async getDataset(id: number): Promise<Dataset> {
    const { rows } = await this.db.query<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = $1 AND state = 'ready'`,
      [requireId(id, "dataset id")],
    );
    if (!rows[0]) throw new NotFoundError("dataset", id);
    return toDataset(rows[0]);
  }

  async findDataset(name: string, layer?: Layer): Promise<Dataset | undefined> {
    const params: unknown[] = [name];
    let sql = `SELECT ${DATASET_COLUMNS} FROM datasets WHERE name = $1 AND state = 'ready'`;
    if (layer !== undefined) {
      params.push(requireLayer(layer));
      sql += " AND layer = $2";
    } else {
      sql += ` ORDER BY array_position(ARRAY[${LAYERS.map((l) => `'${l}'`).join(", ")}]::text[], layer) LIMIT 1`;
    }
    const { rows } = await this.db.query<DatasetRow>(sql, params);
    return rows[0] ? toDataset(rows[0]) : undefined;
  }

  async listDatasets(query: DatasetQuery = {}): Promise<Page<Dataset>> {
    const limit = resolveLimit(query.limit);
    // Pending datasets (promotions still being filled) are never listed.
    const where: string[] = ["state = 'ready'"];
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.layer !== undefined) where.push(`layer = ${param(requireLayer(query.layer))}`);
    if (query.source !== undefined) where.push(`source = ${param(query.source)}`);
    if (query.externalId !== undefined) where.push(`external_id = ${param(query.externalId)}`);
    if (query.tags !== undefined && query.tags.length > 0)
      where.push(`tags @> ${param(normaliseTags(query.tags))}::text[]`);
    if (query.q !== undefined) {
      const tsquery = toPrefixTsQuery(query.q);
      if (tsquery !== undefined) where.push(`search @@ to_tsquery('simple', ${param(tsquery)})`);
    }
    if (query.cursor !== undefined)
      where.push(`id > ${param(decodeCursor("datasets", query.cursor, "number"))}`);
    const { rows } = await this.db.query<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets
       WHERE ${where.join(" AND ")}
       ORDER BY id LIMIT ${limit + 1}`,
      params,
    );
    return page(rows.map(toDataset), limit, (last) => encodeCursor("datasets", last.id));
  }

  async updateDataset(
    id: number,
    patch: { description?: string | null; metadata?: Record<string, unknown>; tags?: readonly string[] },
  ): Promise<Dataset> {
    requireId(id, "dataset id");
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<DatasetRow>(
        `SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const current = rows[0];
      if (!current) throw new NotFoundError("dataset", id);
      // New metadata replaces the old; the three required keys carry over when the patch omits them.
      const metadata =
        patch.metadata === undefined
          ? current.metadata
          : completeMetadata(patch.metadata, current.metadata, {
              dataset: current.name,
              layer: current.layer,
            });
      const description =
        patch.description === undefined ? current.description : optionalText(patch.description);
      const tags = patch.tags === undefined ? current.tags : normaliseTags(patch.tags);
      const updated = await tx.query<DatasetRow>(
        `UPDATE datasets SET description = $2, metadata = $3::text::jsonb, tags = $4::text[], updated_at = now()
         WHERE id = $1 RETURNING ${DATASET_COLUMNS}`,
        [id, description, JSON.stringify(metadata), tags],
      );
      return toDataset(updated.rows[0]!);
    });
  }

  async deleteDataset(id: number): Promise<readonly string[]> {
    requireId(id, "dataset id");
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ name: string; layer: Layer }>(
        "SELECT name, layer FROM datasets WHERE id = $1 FOR UPDATE",
        [id],
      );
      const dataset = rows[0];
      if (!dataset) throw new NotFoundError("dataset", id);
      if (dataset.layer === "raw") {
        throw new PolicyError(
          "raw_immutable",
          `dataset ${JSON.stringify(dataset.name)} (id ${id}) is in raw, which is immutable`,
          {
            details: { id, name: dataset.name, layer: dataset.layer },
            hint: "Raw data is never deleted; delete a processed or later copy instead",
          },
        );
      }
      // The keys come from the deleting statement itself, so an object committed by a writer that held
      // the dataset's lock just before is among them: its bytes cannot be left behind as an orphan.
      const removed = await tx.query<{ key: string }>("DELETE FROM objects WHERE dataset_id = $1 RETURNING key", [
        id,
      ]);
      // Schema versions and the edges that produced it go with it (ON DELETE CASCADE).
      await tx.query("DELETE FROM datasets WHERE id = $1", [id]);
      return removed.rows.map((row) => row.key);
    });
  }

  async findDatasetInAnyState(name: string, layer: Layer): Promise<{ dataset: Dataset; pending: boolean } | undefined> {
    const { rows } = await this.db.query<DatasetRow & { state: string }>(
      `SELECT ${DATASET_COLUMNS}, state FROM datasets WHERE name = $1 AND layer = $2`,
      [name, requireLayer(layer)],
    );
    const row = rows[0];
    return row ? { dataset: toDataset(row), pending: row.state === "pending" } : undefined;
  }

  async listPendingDatasets(): Promise<readonly Dataset[]> {
    const { rows } = await this.db.query<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE state = 'pending' ORDER BY id`,
    );
    return rows.map(toDataset);
  }

  async publishDataset(id: number, edge: NewProvenanceEdge): Promise<Dataset> {
    requireId(id, "dataset id");
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ name: string; layer: Layer; state: string }>(
        "SELECT name, layer, state FROM datasets WHERE id = $1 FOR UPDATE",
        [id],
      );
      const target = rows[0];
      if (!target) throw new NotFoundError("dataset", id, { hint: "It was deleted while it was being filled" });
      if (target.state !== "pending") {
        throw new ConflictError(`dataset ${JSON.stringify(target.name)} in ${target.layer} is already published`, {
          details: { id, name: target.name, layer: target.layer },
          hint: "Another process finished it first",
        });
      }
      // The input must still exist when the edge is recorded: a source deleted during the copy would
      // otherwise leave a published dataset whose provenance points nowhere.
      if (edge.inputDatasetId !== null) {
        const input = await tx.query("SELECT 1 FROM datasets WHERE id = $1 FOR SHARE", [edge.inputDatasetId]);
        if (input.rows.length === 0) {
          throw new NotFoundError("dataset", edge.inputDatasetId, { hint: "The source was deleted during the copy" });
        }
      }
      await tx.query(
        `INSERT INTO provenance (output_dataset_id, input_dataset_id, action, run_id, parameters)
         VALUES ($1, $2, $3, $4, $5::text::jsonb)`,
        [id, edge.inputDatasetId, edge.action, edge.runId ?? null, JSON.stringify(edge.parameters ?? {})],
      );
      const updated = await tx.query<DatasetRow>(
        `UPDATE datasets SET state = 'ready', updated_at = now() WHERE id = $1 RETURNING ${DATASET_COLUMNS}`,
        [id],
      );
      return toDataset(updated.rows[0]!);
    });
  }

  // ---- objects --------------------------------------------------------------------------------

  async addObject(input: NewObject): Promise<CatalogObject> {
    const datasetId = requireId(input.datasetId, "dataset id");
    const key = requireText(input.key, "object key", 4096);
    const name = requireText(input.name, "object name", 4096);
    if (!Number.isSafeInteger(input.size) || input.size < 0) {
      throw new ValidationError(
        `object size must be a non-negative whole number of bytes, got ${String(input.size)}`,
        {
          details: { key, size: input.size },
        },
      );
    }
    const sha256 = typeof input.sha256 === "string" ? input.sha256.toLowerCase() : "";
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      throw new ValidationError(`object sha256 must be 64 hex digits, got ${JSON.stringify(input.sha256)}`, {
        details: { key, sha256: input.sha256 },
      });
    }
    const keyLayer = layerOfKey(key);
    // One statement (no BEGIN/COMMIT round trips): insert the row if the dataset exists and is in
    // the key's layer, and bump the dataset's counters. Data-modifying CTEs run exactly once and
    // atomically; when no row comes back, a second query says why.
    let inserted: ObjectRow | undefined;
    try {
      const { rows } = await this.db.query<ObjectRow>(
        `WITH target AS (
           SELECT id, layer FROM datasets WHERE id = $1
         ), inserted AS (
           INSERT INTO objects (dataset_id, layer, key, name, size, sha256, media_type)
           SELECT id, layer, $2, $3, $4, $5, $6 FROM target WHERE layer = $7
           RETURNING ${OBJECT_COLUMNS}
         ), counted AS (
           UPDATE datasets SET object_count = object_count + 1, total_bytes = total_bytes + inserted.size, updated_at = now()
           FROM inserted WHERE datasets.id = inserted.dataset_id
         )
         SELECT ${OBJECT_COLUMNS} FROM inserted`,
        [datasetId, key, name, input.size, sha256, optionalText(input.mediaType), keyLayer],
      );
      inserted = rows[0];
    } catch (error) {
      if (isUniqueViolation(error, "objects_key_key")) {
        throw new ConflictError(`an object with key ${JSON.stringify(key)} is already in the catalog`, {
          details: { key, datasetId },
          hint: "Every key is written once; store the new bytes under another key",
          cause: error,
        });
      }
      if (isUniqueViolation(error, "objects_dataset_name_key")) {
        const dataset = await this.getDataset(datasetId);
        throw new ConflictError(
          `dataset ${JSON.stringify(dataset.name)} already has an object named ${JSON.stringify(name)}`,
          {
            details: { name, datasetId },
            hint: "Give the file another name within the dataset",
            cause: error,
          },
        );
      }
      // The dataset was deleted between the read and the insert.
      if (sqlErrorInfo(error)?.code === FOREIGN_KEY_VIOLATION)
        throw new NotFoundError("dataset", datasetId, { cause: error });
      throw error;
    }
    if (inserted) return toCatalogObject(inserted);
    const dataset = await this.getDataset(datasetId);
    throw new ValidationError(
      `object key ${JSON.stringify(key)} is in ${keyLayer} but dataset ${JSON.stringify(dataset.name)} is in ${dataset.layer}`,
      {
        details: { key, datasetId, layer: dataset.layer },
        hint: `Store the object under "${dataset.layer}/"`,
      },
    );
  }

  async writeObject(write: ObjectWrite): Promise<CatalogObject> {
    const datasetId = requireId(write.datasetId, "dataset id");
    const key = requireText(write.key, "object key", 4096);
    const name = requireText(write.name, "object name", 4096);
    const keyLayer = layerOfKey(key);
    return this.db.transaction(async (tx) => {
      // The dataset's row lock orders every write into the dataset and excludes a concurrent delete of
      // it; the key's advisory lock excludes the byte removal of a deleted dataset that had the same
      // name (which holds only key locks). Both are transaction-scoped, so they hold across processes on
      // a shared server and are released by a crash.
      // One round trip for both locks (the key's is taken as the row is read, then the row's). Writers
      // all take them in that order, a delete takes only the row's and a byte removal only keys', so
      // no two can wait on each other in a cycle.
      const { rows } = await tx.query<{ name: string; layer: Layer }>(
        `SELECT name, layer, pg_advisory_xact_lock(${KEY_LOCK_SPACE}, hashtext($2)) AS locked
         FROM datasets WHERE id = $1 FOR UPDATE`,
        [datasetId, key],
      );
      const dataset = rows[0];
      if (!dataset) {
        throw new NotFoundError("dataset", datasetId, { hint: "It was deleted before the object could be recorded" });
      }
      if (dataset.layer !== keyLayer) {
        throw new ValidationError(
          `object key ${JSON.stringify(key)} is in ${keyLayer} but dataset ${JSON.stringify(dataset.name)} is in ${dataset.layer}`,
          { details: { key, datasetId, layer: dataset.layer }, hint: `Store the object under "${dataset.layer}/"` },
        );
      }
      // A statement of its own, after the locks: its snapshot then sees every write that held them before.
      const current = await tx.query<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM objects WHERE key = $1`, [key]);
      const existing = current.rows[0] ? toCatalogObject(current.rows[0]) : undefined;
      if (existing !== undefined && existing.datasetId !== datasetId) {
        throw new ConflictError(`object key ${JSON.stringify(key)} belongs to another dataset`, {
          details: { key, datasetId, owner: existing.datasetId },
        });
      }
      const content = await write.decide(existing);
      const sha256 = content.sha256.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(sha256) || !Number.isSafeInteger(content.size) || content.size < 0) {
        throw new ValidationError(`object ${JSON.stringify(key)} needs a size and a 64-hex sha256`, {
          details: { key, size: content.size, sha256: content.sha256 },
        });
      }
      if (existing !== undefined) {
        if (existing.sha256 === sha256 && existing.size === content.size) return existing;
        if (existing.layer === "raw") {
          throw new PolicyError("raw_immutable", `object ${JSON.stringify(key)} is in raw, which is immutable`, {
            details: { key, datasetId },
            hint: "Raw objects are never replaced; add a new object under another name instead",
          });
        }
        const updated = await tx.query<ObjectRow>(
          `WITH updated AS (
             UPDATE objects SET size = $2, sha256 = $3, media_type = $4, created_at = now() WHERE id = $1
             RETURNING ${OBJECT_COLUMNS}
           ), counted AS (
             UPDATE datasets SET total_bytes = total_bytes + $5, updated_at = now() WHERE id = $6
           )
           SELECT ${OBJECT_COLUMNS} FROM updated`,
          [
            existing.id,
            content.size,
            sha256,
            optionalText(content.mediaType ?? existing.mediaType),
            content.size - existing.size,
            datasetId,
          ],
        );
        return toCatalogObject(updated.rows[0]!);
      }
      const inserted = await tx.query<ObjectRow>(
        `WITH inserted AS (
           INSERT INTO objects (dataset_id, layer, key, name, size, sha256, media_type)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${OBJECT_COLUMNS}
         ), counted AS (
           UPDATE datasets SET object_count = object_count + 1, total_bytes = total_bytes + $5, updated_at = now() WHERE id = $1
         )
         SELECT ${OBJECT_COLUMNS} FROM inserted`,
        [datasetId, keyLayer, key, name, content.size, sha256, optionalText(content.mediaType)],
      );
      return toCatalogObject(inserted.rows[0]!);
    });
  }

  async releaseKeys(keys: readonly string[], remove: (unreferenced: readonly string[]) => Promise<void>): Promise<void> {
    for (let start = 0; start < keys.length; start += RELEASE_BATCH) {
      const batch = keys.slice(start, start + RELEASE_BATCH);
      await this.db.transaction(async (tx) => {
        // Always in hash order, so two releases sharing keys cannot wait on each other in a cycle.
        await tx.query(
          `SELECT pg_advisory_xact_lock(${KEY_LOCK_SPACE}, h)
           FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS ordered`,
          [batch],
        );
        const { rows } = await tx.query<{ key: string }>("SELECT key FROM objects WHERE key = ANY($1::text[])", [batch]);
        const referenced = new Set(rows.map((row) => row.key));
        const unreferenced = batch.filter((key) => !referenced.has(key));
        if (unreferenced.length > 0) await remove(unreferenced);
      });
    }
  }

  async listObjects(
    datasetId: number,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<Page<CatalogObject>> {
    requireId(datasetId, "dataset id");
    const limit = resolveLimit(options.limit);
    const after =
      options.cursor === undefined ? undefined : decodeCursor("objects", options.cursor, "string");
    await this.#requireDataset(datasetId);
    const { rows } = await this.db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE dataset_id = $1 ${after === undefined ? "" : "AND name > $2"}
       ORDER BY name LIMIT ${limit + 1}`,
      after === undefined ? [datasetId] : [datasetId, after],
    );
    return page(rows.map(toCatalogObject), limit, (last) => encodeCursor("objects", last.name));
  }

  async getObject(datasetId: number, name: string): Promise<CatalogObject> {
    const { rows } = await this.db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE dataset_id = $1 AND name = $2`,
      [requireId(datasetId, "dataset id"), name],
    );
    if (!rows[0]) {
      throw new NotFoundError("object", name, {
        hint: `Dataset ${datasetId} has no object of that name; list its files to see the names`,
      });
    }
    return toCatalogObject(rows[0]);
  }

  async removeObject(datasetId: number, name: string): Promise<CatalogObject | undefined> {
    requireId(datasetId, "dataset id");
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ObjectRow>(
        `SELECT ${OBJECT_COLUMNS} FROM objects WHERE dataset_id = $1 AND name = $2 FOR UPDATE`,
        [datasetId, name],
      );
      const row = rows[0];
      if (!row) return undefined;
      const object = toCatalogObject(row);
      if (object.layer === "raw") {
        throw new PolicyError("raw_immutable", `object ${JSON.stringify(object.key)} is in raw, which is immutable`, {
          details: { key: object.key, datasetId },
          hint: "Raw objects are never removed; add a new object under another name instead",
        });
      }
      await tx.query("DELETE FROM objects WHERE id = $1", [object.id]);
      await tx.query(
        "UPDATE datasets SET object_count = object_count - 1, total_bytes = total_bytes - $2, updated_at = now() WHERE id = $1",
        [datasetId, object.size],
      );
      return object;
    });
  }

  async replaceObject(
    datasetId: number,
    name: string,
    content: { size: number; sha256: string; mediaType?: string | null },
  ): Promise<CatalogObject> {
    requireId(datasetId, "dataset id");
    const sha256 = content.sha256.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256) || !Number.isSafeInteger(content.size) || content.size < 0) {
      throw new ValidationError(`replacement of ${JSON.stringify(name)} needs a size and a 64-hex sha256`, {
        details: { datasetId, name, size: content.size, sha256: content.sha256 },
      });
    }
    const existing = await this.getObject(datasetId, name);
    if (existing.layer === "raw") {
      throw new PolicyError("raw_immutable", `object ${JSON.stringify(existing.key)} is in raw, which is immutable`, {
        details: { key: existing.key, datasetId },
        hint: "Raw objects are never replaced; add a new object under another name instead",
      });
    }
    const { rows } = await this.db.query<ObjectRow>(
      `WITH updated AS (
         UPDATE objects SET size = $2, sha256 = $3, media_type = $4, created_at = now() WHERE id = $1
         RETURNING ${OBJECT_COLUMNS}
       ), counted AS (
         UPDATE datasets SET total_bytes = total_bytes + $2 - $5, updated_at = now() FROM updated WHERE datasets.id = updated.dataset_id
       )
       SELECT ${OBJECT_COLUMNS} FROM updated`,
      [existing.id, content.size, sha256, optionalText(content.mediaType ?? existing.mediaType), existing.size],
    );
    if (!rows[0]) throw new NotFoundError("object", name);
    return toCatalogObject(rows[0]);
  }

  async findObjectByKey(key: string): Promise<CatalogObject | undefined> {
    const { rows } = await this.db.query<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM objects WHERE key = $1`, [
      key,
    ]);
    return rows[0] ? toCatalogObject(rows[0]) : undefined;
  }

  async *allObjects(): AsyncIterable<CatalogObject> {
    let after: string | undefined;
    for (;;) {
      const { rows } = await this.db.query<ObjectRow>(
        `SELECT ${OBJECT_COLUMNS} FROM objects ${after === undefined ? "" : "WHERE key > $1"} ORDER BY key LIMIT ${ALL_OBJECTS_PAGE}`,
        after === undefined ? [] : [after],
      );
      for (const row of rows) yield toCatalogObject(row);
      if (rows.length < ALL_OBJECTS_PAGE) return;
      after = rows[rows.length - 1]!.key;
    }
  }

  // ---- provenance -----------------------------------------------------------------------------

  async addProvenance(edge: NewProvenanceEdge): Promise<ProvenanceEdge> {
    const output = requireId(edge.outputDatasetId, "output dataset id");
    const input = edge.inputDatasetId === null ? null : requireId(edge.inputDatasetId, "input dataset id");
    if (!PROVENANCE_ACTIONS.includes(edge.action)) {
      throw new ValidationError(`unknown provenance action ${JSON.stringify(edge.action)}`, {
        details: { action: edge.action },
        hint: `Use one of ${PROVENANCE_ACTIONS.join(", ")}`,
      });
    }
    if (input === output) {
      throw new ValidationError(`dataset ${output} cannot be recorded as derived from itself`, {
        details: { outputDatasetId: output },
      });
    }
    const runId = edge.runId ?? null;
    try {
      const { rows } = await this.db.query<ProvenanceRow>(
        `INSERT INTO provenance (output_dataset_id, input_dataset_id, action, run_id, parameters)
         VALUES ($1, $2, $3, $4, $5::text::jsonb) RETURNING ${PROVENANCE_COLUMNS}`,
        [output, input, edge.action, runId, JSON.stringify(edge.parameters ?? {})],
      );
      return toProvenanceEdge(rows[0]!);
    } catch (error) {
      const info = sqlErrorInfo(error);
      if (info?.code === FOREIGN_KEY_VIOLATION) {
        if (info.constraint === "provenance_run_id_fkey")
          throw new NotFoundError("run", runId ?? "", { cause: error });
        const missing = info.constraint === "provenance_input_dataset_id_fkey" ? input : output;
        throw new NotFoundError("dataset", missing ?? "", { cause: error });
      }
      throw error;
    }
  }

  lineage(datasetId: number): Promise<ProvenanceGraph> {
    return this.#graph(datasetId, false);
  }

  provenanceGraph(datasetId: number): Promise<ProvenanceGraph> {
    return this.#graph(datasetId, true);
  }

  /**
   * Walks edges with recursive CTEs. UNION (not UNION ALL) drops ids already reached, so a cycle
   * ends the walk instead of looping. Ancestor edges are those whose output is an ancestor;
   * descendant edges those whose input is a descendant; both endpoints are then always nodes.
   */
  async #graph(datasetId: number, withDescendants: boolean): Promise<ProvenanceGraph> {
    requireId(datasetId, "dataset id");
    await this.#requireDataset(datasetId);
    const ancestors = `ancestors(id) AS (
        SELECT $1::bigint
        UNION
        SELECT p.input_dataset_id FROM provenance p JOIN ancestors a ON p.output_dataset_id = a.id
        WHERE p.input_dataset_id IS NOT NULL)`;
    const descendants = `descendants(id) AS (
        SELECT $1::bigint
        UNION
        SELECT p.output_dataset_id FROM provenance p JOIN descendants d ON p.input_dataset_id = d.id)`;
    const ids = withDescendants
      ? `WITH RECURSIVE ${ancestors}, ${descendants}
         SELECT id, true AS ancestor FROM ancestors UNION ALL SELECT id, false FROM descendants`
      : `WITH RECURSIVE ${ancestors} SELECT id, true AS ancestor FROM ancestors`;
    const { rows } = await this.db.query<{ id: number; ancestor: boolean }>(ids, [datasetId]);
    const ancestorIds = rows.filter((row) => row.ancestor).map((row) => row.id);
    const descendantIds = rows.filter((row) => !row.ancestor).map((row) => row.id);
    const nodeIds = [...new Set([...ancestorIds, ...descendantIds])];
    const [nodes, edges] = await Promise.all([
      this.db.query<DatasetRow>(
        `SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = ANY($1::bigint[]) AND state = 'ready' ORDER BY id`,
        [nodeIds],
      ),
      this.db.query<ProvenanceRow>(
        `SELECT ${PROVENANCE_COLUMNS} FROM provenance
         WHERE output_dataset_id = ANY($1::bigint[]) OR input_dataset_id = ANY($2::bigint[]) ORDER BY id`,
        [ancestorIds, descendantIds],
      ),
    ]);
    return { root: datasetId, nodes: nodes.rows.map(toDataset), edges: edges.rows.map(toProvenanceEdge) };
  }

  // ---- runs -----------------------------------------------------------------------------------

  async startRun(input: NewRun): Promise<Run> {
    const step = requireText(input.step, "run step", 200);
    const toolVersions = input.toolVersions ?? {};
    for (const [tool, version] of Object.entries(toolVersions)) {
      if (typeof version !== "string") {
        throw new ValidationError(
          `the version of tool ${JSON.stringify(tool)} must be a string, got ${JSON.stringify(version)}`,
          {
            details: { step, tool },
          },
        );
      }
    }
    const owner = input.owner;
    const { rows } = await this.db.query<RunRow>(
      `INSERT INTO runs (step, tool_versions, parameters, owner_host, owner_pid, owner_token, lease_expires_at, heartbeat_at)
       VALUES ($1, $2::text::jsonb, $3::text::jsonb, $4, $5, $6, $7, CASE WHEN $7::timestamptz IS NULL THEN NULL ELSE now() END)
       RETURNING ${RUN_COLUMNS}`,
      // Runs are served to anyone who may read them: no secret or operator's path is ever stored.
      [
        step,
        JSON.stringify(toolVersions),
        JSON.stringify(publicRunRecord(input.parameters ?? {}, this.#localRoot)),
        owner?.host ?? null,
        owner?.pid ?? null,
        owner?.token ?? null,
        input.leaseExpiresAt ?? null,
      ],
    );
    return toRun(rows[0]!);
  }

  async renewRunLease(id: number, ownerToken: string, leaseExpiresAt: Date): Promise<boolean> {
    const { rows } = await this.db.query<{ id: number }>(
      `UPDATE runs SET lease_expires_at = $3, heartbeat_at = now()
       WHERE id = $1 AND owner_token = $2 AND status = 'running' RETURNING id`,
      [requireId(id, "run id"), ownerToken, leaseExpiresAt],
    );
    return rows.length > 0;
  }

  async recordRunProgress(id: number, ownerToken: string, progress: ProgressEvent): Promise<boolean> {
    const { rows } = await this.db.query<{ id: number }>(
      `UPDATE runs SET progress = $3::text::jsonb
       WHERE id = $1 AND owner_token = $2 AND status = 'running' RETURNING id`,
      [requireId(id, "run id"), ownerToken, JSON.stringify(publicRunRecord(progress, this.#localRoot))],
    );
    return rows.length > 0;
  }

  async abandonRun(
    id: number,
    seenLeaseExpiresAt: Date | null,
    reason: { code: string; message: string; details?: Record<string, unknown> },
  ): Promise<boolean> {
    const { rows } = await this.db.query<{ id: number }>(
      `UPDATE runs SET status = 'abandoned', finished_at = now(), error = $3::text::jsonb
       WHERE id = $1 AND status = 'running' AND lease_expires_at IS NOT DISTINCT FROM $2::timestamptz RETURNING id`,
      [requireId(id, "run id"), seenLeaseExpiresAt, JSON.stringify(publicRunRecord(reason, this.#localRoot))],
    );
    return rows.length > 0;
  }

  async listDebrisDatasets(): Promise<readonly { dataset: Dataset; runId: number }[]> {
    const { rows } = await this.db.query<DatasetRow & { created_by_run: number }>(
      `SELECT ${DATASET_COLUMNS.split(", ")
        .map((c) => `d.${c}`)
        .join(", ")}, d.created_by_run FROM datasets d JOIN runs r ON r.id = d.created_by_run
       WHERE d.layer = 'raw' AND d.object_count = 0 AND r.status IN ('failed', 'abandoned', 'cancelled')
         AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.dataset_id = d.id)
       ORDER BY d.id`,
    );
    return rows.map((row) => ({ dataset: toDataset(row), runId: Number(row.created_by_run) }));
  }

  async removeDebrisDataset(id: number): Promise<boolean> {
    // One statement, so an object added or a run started meanwhile keeps the dataset. The raw rule
    // (never delete raw) is about bytes: this dataset never held any.
    const { rows } = await this.db.query<{ id: number }>(
      `DELETE FROM datasets d USING runs r
       WHERE d.id = $1 AND r.id = d.created_by_run AND d.layer = 'raw' AND d.object_count = 0
         AND r.status IN ('failed', 'abandoned', 'cancelled')
         AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.dataset_id = d.id)
         AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.status = 'running')
       RETURNING d.id`,
      [requireId(id, "dataset id")],
    );
    return rows.length > 0;
  }

  async finishRun(id: number, result: RunFinish): Promise<Run> {
    requireId(id, "run id");
    if (result.status !== "succeeded" && result.status !== "failed" && result.status !== "cancelled") {
      throw new ValidationError(
        `a run finishes as "succeeded", "failed" or "cancelled", not ${JSON.stringify(result.status)}`,
        {
          details: { runId: id, status: result.status },
        },
      );
    }
    const rowCounts = result.rowCounts ?? {};
    for (const [table, count] of Object.entries(rowCounts)) {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new ValidationError(
          `row count of ${JSON.stringify(table)} must be a non-negative whole number, got ${String(count)}`,
          {
            details: { runId: id, table },
          },
        );
      }
    }
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ status: string }>(
        "SELECT status FROM runs WHERE id = $1 FOR UPDATE",
        [id],
      );
      if (!rows[0]) throw new NotFoundError("run", id);
      if (rows[0].status !== "running") {
        throw new ConflictError(`run ${id} has already finished (${rows[0].status})`, {
          details: { runId: id, status: rows[0].status },
          hint: "Start a new run to record another execution",
        });
      }
      const updated = await tx.query<RunRow>(
        `UPDATE runs SET status = $2, finished_at = now(), inputs = $3::text::jsonb, outputs = $4::text::jsonb,
           row_counts = $5::text::jsonb, log = $6, error = $7::text::jsonb,
           tool_versions = tool_versions || $8::text::jsonb, progress = COALESCE($9::text::jsonb, progress)
         WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
        [
          id,
          result.status,
          JSON.stringify(publicRunRecord(result.inputs ?? [], this.#localRoot)),
          JSON.stringify(publicRunRecord(result.outputs ?? [], this.#localRoot)),
          JSON.stringify(rowCounts),
          publicRunRecord(result.log ?? "", this.#localRoot),
          result.error ? JSON.stringify(publicRunRecord(result.error, this.#localRoot)) : null,
          JSON.stringify(result.toolVersions ?? {}),
          result.progress ? JSON.stringify(publicRunRecord(result.progress, this.#localRoot)) : null,
        ],
      );
      return toRun(updated.rows[0]!);
    });
  }

  async getRun(id: number): Promise<Run> {
    const { rows } = await this.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [
      requireId(id, "run id"),
    ]);
    if (!rows[0]) throw new NotFoundError("run", id);
    return toRun(rows[0]);
  }

  /** Newest first. */
  async listRuns(
    options: { step?: string; status?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<Run>> {
    const limit = resolveLimit(options.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.step !== undefined) {
      params.push(options.step);
      where.push(`step = $${params.length}`);
    }
    if (options.status !== undefined) {
      params.push(options.status);
      where.push(`status = $${params.length}`);
    }
    if (options.cursor !== undefined) {
      params.push(decodeCursor("runs", options.cursor, "number"));
      where.push(`id < $${params.length}`);
    }
    const { rows } = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit + 1}`,
      params,
    );
    return page(rows.map(toRun), limit, (last) => encodeCursor("runs", last.id));
  }

  // ---- schema versions ------------------------------------------------------------------------

  async recordSchema(
    datasetId: number,
    tableName: string,
    fields: readonly SchemaField[],
    runId?: number | null,
  ): Promise<SchemaVersion> {
    requireId(datasetId, "dataset id");
    const table = requireText(tableName, "table name", 512);
    const checked = checkFields(fields, table);
    return this.db.transaction(async (tx) => {
      // Locking the dataset row serialises concurrent recordings, so two writers never pick the same version.
      const dataset = await tx.query("SELECT id FROM datasets WHERE id = $1 FOR UPDATE", [datasetId]);
      if (dataset.rows.length === 0) throw new NotFoundError("dataset", datasetId);
      const { rows } = await tx.query<SchemaVersionRow>(
        `SELECT ${SCHEMA_VERSION_COLUMNS} FROM schema_versions WHERE dataset_id = $1 AND table_name = $2 ORDER BY version DESC LIMIT 1`,
        [datasetId, table],
      );
      const latest = rows[0];
      const diff = latest ? diffSchemas(latest.fields, checked) : EMPTY_SCHEMA_DIFF;
      if (latest && isEmptyDiff(diff)) return toSchemaVersion(latest);
      try {
        const inserted = await tx.query<SchemaVersionRow>(
          `INSERT INTO schema_versions (dataset_id, table_name, version, fields, diff, run_id)
           VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6) RETURNING ${SCHEMA_VERSION_COLUMNS}`,
          [
            datasetId,
            table,
            (latest?.version ?? 0) + 1,
            JSON.stringify(checked),
            JSON.stringify(diff),
            runId ?? null,
          ],
        );
        return toSchemaVersion(inserted.rows[0]!);
      } catch (error) {
        if (sqlErrorInfo(error)?.code === FOREIGN_KEY_VIOLATION)
          throw new NotFoundError("run", runId ?? "", { cause: error });
        throw error;
      }
    });
  }

  async listSchemaVersions(datasetId: number, tableName?: string): Promise<readonly SchemaVersion[]> {
    requireId(datasetId, "dataset id");
    await this.#requireDataset(datasetId);
    const { rows } = await this.db.query<SchemaVersionRow>(
      `SELECT ${SCHEMA_VERSION_COLUMNS} FROM schema_versions WHERE dataset_id = $1 ${tableName === undefined ? "" : "AND table_name = $2"}
       ORDER BY table_name, version`,
      tableName === undefined ? [datasetId] : [datasetId, tableName],
    );
    return rows.map(toSchemaVersion);
  }

  // ---- API keys -------------------------------------------------------------------------------

  async createApiKey(name: string, scopes: readonly string[]): Promise<{ key: ApiKey; secret: string }> {
    const keyName = requireText(name, "API key name", 200);
    const keyScopes = normaliseTags(scopes, "scope");
    // The 48-bit prefix is random; on the rare collision draw again rather than fail.
    for (let attempt = 1; ; attempt++) {
      const generated = generateApiKeySecret();
      try {
        const { rows } = await this.db.query<ApiKeyRow>(
          `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4::text[]) RETURNING ${API_KEY_COLUMNS}`,
          [keyName, generated.prefix, generated.hash, keyScopes],
        );
        return { key: toApiKey(rows[0]!), secret: generated.secret };
      } catch (error) {
        if (attempt < 3 && isUniqueViolation(error, "api_keys_prefix_key")) continue;
        throw error;
      }
    }
  }

  async verifyApiKey(secret: string): Promise<ApiKey | undefined> {
    if (typeof secret !== "string") return undefined;
    const prefix = apiKeyPrefixOf(secret);
    if (prefix === undefined) return undefined;
    const { rows } = await this.db.query<{ id: number; key_hash: string; revoked_at: Date | null }>(
      "SELECT id, key_hash, revoked_at FROM api_keys WHERE prefix = $1",
      [prefix],
    );
    const row = rows[0];
    if (!row || row.revoked_at !== null || !sameDigest(row.key_hash, hashApiKeySecret(secret)))
      return undefined;
    const updated = await this.db.query<ApiKeyRow>(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${API_KEY_COLUMNS}`,
      [row.id],
    );
    return updated.rows[0] ? toApiKey(updated.rows[0]) : undefined;
  }

  async listApiKeys(): Promise<readonly ApiKey[]> {
    const { rows } = await this.db.query<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY id`);
    return rows.map(toApiKey);
  }

  /** Idempotent: revoking a revoked key keeps its first revocation time. */
  async revokeApiKey(id: number): Promise<void> {
    const { rowCount } = await this.db.query(
      "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1",
      [requireId(id, "API key id")],
    );
    if (rowCount === 0) throw new NotFoundError("API key", id);
  }

  // ---- stats ----------------------------------------------------------------------------------

  /** Every layer appears (zeros included), in promotion order; sources by name. */
  async stats(): Promise<CatalogStats> {
    const totals =
      "count(*)::bigint AS datasets, coalesce(sum(object_count), 0)::bigint AS objects, coalesce(sum(total_bytes), 0)::bigint AS bytes";
    type Totals = { datasets: number; objects: number; bytes: number };
    const [layers, sources] = await Promise.all([
      this.db.query<Totals & { layer: Layer }>(
        `SELECT layer, ${totals} FROM datasets WHERE state = 'ready' GROUP BY layer`,
      ),
      this.db.query<Totals & { source: string }>(
        `SELECT source, ${totals} FROM datasets WHERE state = 'ready' GROUP BY source ORDER BY source`,
      ),
    ]);
    const byLayer = LAYERS.map((layer) => {
      const row = layers.rows.find((r) => r.layer === layer);
      return { layer, datasets: row?.datasets ?? 0, objects: row?.objects ?? 0, bytes: row?.bytes ?? 0 };
    });
    const sum = (key: keyof Totals): number => byLayer.reduce((total, row) => total + row[key], 0);
    return {
      datasets: sum("datasets"),
      objects: sum("objects"),
      bytes: sum("bytes"),
      byLayer,
      bySource: sources.rows.map((r) => ({
        source: r.source,
        datasets: r.datasets,
        objects: r.objects,
        bytes: r.bytes,
      })),
    };
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async #requireDataset(id: number): Promise<void> {
    const { rows } = await this.db.query("SELECT 1 FROM datasets WHERE id = $1", [id]);
    if (rows.length === 0) throw new NotFoundError("dataset", id);
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

// ---- helpers ------------------------------------------------------------------------------------

function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[items.length - 1]!) };
}

function requireId(id: number, what: string): number {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new ValidationError(`${what} must be a positive whole number, got ${JSON.stringify(id)}`, {
      details: { [what]: id },
    });
  }
  return id;
}

function requireLayer(layer: string): Layer {
  if (typeof layer !== "string" || !isLayer(layer)) {
    throw new ValidationError(`unknown layer ${JSON.stringify(layer)}`, {
      details: { layer },
      hint: `Use one of ${LAYERS.join(", ")}`,
    });
  }
  return layer;
}

function requireText(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > maxLength) {
    throw new ValidationError(
      `${what} must be a string of 1 to ${maxLength} characters, got ${JSON.stringify(value)}`,
      {
        details: { [what]: value },
      },
    );
  }
  // Control characters (including NUL, which PostgreSQL refuses in text) would break listings and keys.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new ValidationError(`${what} ${JSON.stringify(value)} contains a control character`, {
      details: { [what]: value },
      hint: "Remove tabs, newlines and other control characters",
    });
  }
  return value;
}

function optionalText(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === "" ? null : value;
}

/** Tags (and scopes): non-empty strings, duplicates dropped, first-seen order kept. */
function normaliseTags(tags: readonly string[] | undefined, what = "tag"): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags))
    throw new ValidationError(`${what}s must be a list of strings`, { details: { [`${what}s`]: tags } });
  const seen = new Set<string>();
  for (const tag of tags) seen.add(requireText(tag, what, 200));
  return [...seen];
}

function checkFields(fields: readonly SchemaField[], table: string): SchemaField[] {
  if (!Array.isArray(fields))
    throw new ValidationError(`the schema of ${table} must be a list of fields`, { details: { table } });
  const names = new Set<string>();
  return fields.map((field, index) => {
    const { name, type, nullable } = (field ?? {}) as Partial<SchemaField>;
    if (
      typeof name !== "string" ||
      name.length === 0 ||
      typeof type !== "string" ||
      type.length === 0 ||
      typeof nullable !== "boolean"
    ) {
      throw new ValidationError(
        `field ${index} of the schema of ${table} needs a name, a type and nullable true/false`,
        {
          details: { table, index, field },
        },
      );
    }
    if (names.has(name)) {
      throw new ValidationError(`the schema of ${table} has two columns named ${JSON.stringify(name)}`, {
        details: { table, column: name },
      });
    }
    names.add(name);
    return { name, type, nullable };
  });
}
