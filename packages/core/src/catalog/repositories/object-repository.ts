import type { SqlClient } from "../../catalog-db/sql-client.js";
import { ConflictError, NotFoundError, PolicyError, ValidationError } from "../../errors/omicslake-error.js";
import type { Layer } from "../../object-store/layer.js";
import { layerOfKey } from "../../object-store/layer.js";
import { OBJECT_COLUMNS, toCatalogObject } from "../catalog-rows.js";
import type { ObjectRow } from "../catalog-rows.js";
import type { CatalogObject, NewObject, ObjectWrite, Page } from "../catalog-types.js";
import { decodeCursor, encodeCursor, resolveLimit } from "../page-cursor.js";
import { FOREIGN_KEY_VIOLATION, isUniqueViolation, sqlErrorInfo } from "../sql-error-info.js";
import { optionalText, page, requireDataset, requireId, requireText } from "./catalog-input.js";
import type { DatasetRepository } from "./dataset-repository.js";
import { recordDatasetChange } from "./dataset-version-repository.js";

/**
 * The first half of the two-integer advisory lock taken on an object key ("olk" in ASCII): it keeps the
 * catalog's key locks apart from any other advisory lock on the same database.
 */
const KEY_LOCK_SPACE = 0x6f6c6b;
/** Keys released per transaction when a dataset's bytes are removed. */
const RELEASE_BATCH = 200;
/** Page size of allObjects(): large enough to amortise round trips, small enough to keep memory flat. */
const ALL_OBJECTS_PAGE = 1000;

/**
 * Objects: one row per stored file, each write ordered by the dataset's row lock and the key's advisory
 * lock, and the dataset's object count and byte total kept in step with its rows. Every change of a
 * dataset's objects also counts toward its current version (recordDatasetChange), in the same
 * transaction: this is the one place where every flow's object writes pass.
 */
export class ObjectRepository {
  constructor(
    private readonly db: SqlClient,
    /** For the dataset's name and layer in error messages. */
    private readonly datasets: DatasetRepository,
    /** The clock for a new version's `date`. */
    private readonly now: () => Date,
  ) {}

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
    // Insert the row if the dataset exists and is in the key's layer, and bump the dataset's counters,
    // in one statement; when no row comes back, a second query says why. The dataset's row lock (taken
    // by the statement's first CTE) orders it with other writers for the version that follows.
    let inserted: ObjectRow | undefined;
    try {
      inserted = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<ObjectRow>(
          `WITH target AS (
           SELECT id, layer FROM datasets WHERE id = $1 AND state <> 'deleted' FOR UPDATE
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
        if (rows[0]) await recordDatasetChange(tx, datasetId, { kind: "added", count: 1 }, this.now());
        return rows[0];
      });
    } catch (error) {
      if (isUniqueViolation(error, "objects_key_key")) {
        throw new ConflictError(`an object with key ${JSON.stringify(key)} is already in the catalog`, {
          details: { key, datasetId },
          hint: "Every key is written once; store the new bytes under another key",
          cause: error,
        });
      }
      if (isUniqueViolation(error, "objects_dataset_name_key")) {
        const dataset = await this.datasets.getDataset(datasetId);
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
    const dataset = await this.datasets.getDataset(datasetId);
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
         FROM datasets WHERE id = $1 AND state <> 'deleted' FOR UPDATE`,
        [datasetId, key],
      );
      const dataset = rows[0];
      if (!dataset) {
        throw new NotFoundError("dataset", datasetId, {
          hint: "It was deleted before the object could be recorded",
        });
      }
      if (dataset.layer !== keyLayer) {
        throw new ValidationError(
          `object key ${JSON.stringify(key)} is in ${keyLayer} but dataset ${JSON.stringify(dataset.name)} is in ${dataset.layer}`,
          {
            details: { key, datasetId, layer: dataset.layer },
            hint: `Store the object under "${dataset.layer}/"`,
          },
        );
      }
      // A statement of its own, after the locks: its snapshot then sees every write that held them before.
      const current = await tx.query<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM objects WHERE key = $1`, [
        key,
      ]);
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
          throw new PolicyError(
            "raw_immutable",
            `object ${JSON.stringify(key)} is in raw, which is immutable`,
            {
              details: { key, datasetId },
              hint: "Raw objects are never replaced; add a new object under another name instead",
            },
          );
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
        await recordDatasetChange(tx, datasetId, { kind: "replaced", count: 1 }, this.now());
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
      await recordDatasetChange(tx, datasetId, { kind: "added", count: 1 }, this.now());
      return toCatalogObject(inserted.rows[0]!);
    });
  }

  async releaseKeys(
    keys: readonly string[],
    remove: (unreferenced: readonly string[]) => Promise<void>,
  ): Promise<void> {
    for (let start = 0; start < keys.length; start += RELEASE_BATCH) {
      const batch = keys.slice(start, start + RELEASE_BATCH);
      await this.db.transaction(async (tx) => {
        // Always in hash order, so two releases sharing keys cannot wait on each other in a cycle.
        await tx.query(
          `SELECT pg_advisory_xact_lock(${KEY_LOCK_SPACE}, h)
           FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS ordered`,
          [batch],
        );
        const { rows } = await tx.query<{ key: string }>(
          "SELECT key FROM objects WHERE key = ANY($1::text[])",
          [batch],
        );
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
    await requireDataset(this.db, datasetId);
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
      // The dataset's row first, as every writer takes it: it orders this change's version.
      await tx.query("SELECT 1 FROM datasets WHERE id = $1 FOR UPDATE", [datasetId]);
      const { rows } = await tx.query<ObjectRow>(
        `SELECT ${OBJECT_COLUMNS} FROM objects WHERE dataset_id = $1 AND name = $2 FOR UPDATE`,
        [datasetId, name],
      );
      const row = rows[0];
      if (!row) return undefined;
      const object = toCatalogObject(row);
      if (object.layer === "raw") {
        throw new PolicyError(
          "raw_immutable",
          `object ${JSON.stringify(object.key)} is in raw, which is immutable`,
          {
            details: { key: object.key, datasetId },
            hint: "Raw objects are never removed; add a new object under another name instead",
          },
        );
      }
      await tx.query("DELETE FROM objects WHERE id = $1", [object.id]);
      await tx.query(
        "UPDATE datasets SET object_count = object_count - 1, total_bytes = total_bytes - $2, updated_at = now() WHERE id = $1",
        [datasetId, object.size],
      );
      await recordDatasetChange(tx, datasetId, { kind: "removed", count: 1 }, this.now());
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
      throw new PolicyError(
        "raw_immutable",
        `object ${JSON.stringify(existing.key)} is in raw, which is immutable`,
        {
          details: { key: existing.key, datasetId },
          hint: "Raw objects are never replaced; add a new object under another name instead",
        },
      );
    }
    return this.db.transaction(async (tx) => {
      await tx.query("SELECT 1 FROM datasets WHERE id = $1 FOR UPDATE", [datasetId]);
      const { rows } = await tx.query<ObjectRow>(
        `WITH updated AS (
           UPDATE objects SET size = $2, sha256 = $3, media_type = $4, created_at = now() WHERE id = $1
           RETURNING ${OBJECT_COLUMNS}
         ), counted AS (
           UPDATE datasets SET total_bytes = total_bytes + $2 - $5, updated_at = now() FROM updated WHERE datasets.id = updated.dataset_id
         )
         SELECT ${OBJECT_COLUMNS} FROM updated`,
        [
          existing.id,
          content.size,
          sha256,
          optionalText(content.mediaType ?? existing.mediaType),
          existing.size,
        ],
      );
      if (!rows[0]) throw new NotFoundError("object", name);
      await recordDatasetChange(tx, datasetId, { kind: "replaced", count: 1 }, this.now());
      return toCatalogObject(rows[0]);
    });
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
}
