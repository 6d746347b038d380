import type { SqlClient } from "../../catalog-db/sql-client.js";
import { ConflictError, NotFoundError, PolicyError } from "../../errors/omicslake-error.js";
import type { Layer } from "../../object-store/layer.js";
import { LAYERS } from "../../object-store/layer.js";
import { DATASET_COLUMNS, toDataset } from "../catalog-rows.js";
import type { DatasetRow } from "../catalog-rows.js";
import type {
  CatalogStats,
  Dataset,
  DatasetQuery,
  NewDataset,
  NewProvenanceEdge,
  Page,
} from "../catalog-types.js";
import { completeMetadata, isoDay } from "../dataset-metadata.js";
import { decodeCursor, encodeCursor, resolveLimit } from "../page-cursor.js";
import { isUniqueViolation } from "../sql-error-info.js";
import { currentRunId } from "../../steps/current-run.js";
import { toPrefixTsQuery } from "../text-query.js";
import { normaliseTags, optionalText, page, requireId, requireLayer, requireText } from "./catalog-input.js";

/**
 * Datasets: their rows, their pending/ready state, the debris a killed add leaves, and the totals per
 * layer and source. Pending datasets (promotions being filled) are invisible to every lookup but
 * findDatasetInAnyState and listPendingDatasets.
 */
export class DatasetRepository {
  constructor(
    private readonly db: SqlClient,
    /** The clock for metadata's default `date`. */
    private readonly now: () => Date,
  ) {}

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
    // The version is the catalog's to count (see dataset_versions): a new dataset is always version 1.
    const metadata = {
      ...completeMetadata(
        input.metadata,
        { source, date: isoDay(this.now()), version: "1" },
        { dataset: name, layer },
      ),
      version: "1",
    };
    const createdByRun = input.createdByRunId ?? null;
    const tags = normaliseTags(input.tags);
    try {
      // Version 1 is recorded by the same statement, so no dataset is ever seen without its first version.
      const { rows } = await this.db.query<DatasetRow>(
        `WITH created AS (
           INSERT INTO datasets (name, layer, source, external_id, description, metadata, tags, state, created_by_run)
           VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text[], $8, $9)
           RETURNING ${DATASET_COLUMNS}
         ), first_version AS (
           INSERT INTO dataset_versions (dataset_id, version, run_id, object_count, total_bytes, changes)
           SELECT id, 1, $10, 0, 0, '{"created": true, "added": 0, "replaced": 0, "removed": 0, "schema": []}'::jsonb
           FROM created
         )
         SELECT ${DATASET_COLUMNS} FROM created`,
        [
          name,
          layer,
          source,
          optionalText(input.externalId),
          optionalText(input.description),
          JSON.stringify(metadata),
          tags,
          options.pending === true ? "pending" : "ready",
          createdByRun,
          createdByRun ?? currentRunId.getStore() ?? null,
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

  /** The id of a published dataset or of a deleted one's tombstone (whose lineage and versions stay readable). */
  async requireLineageNode(id: number): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT id FROM datasets WHERE id = $1 AND state IN ('ready', 'deleted')`,
      [requireId(id, "dataset id")],
    );
    if (!rows[0]) throw new NotFoundError("dataset", id);
    return Number(rows[0].id);
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
        `SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = $1 AND state <> 'deleted' FOR UPDATE`,
        [id],
      );
      const current = rows[0];
      if (!current) throw new NotFoundError("dataset", id);
      // New metadata replaces the old; the three required keys carry over when the patch omits them.
      // The version stays the catalog's count whatever the patch says.
      const metadata =
        patch.metadata === undefined
          ? current.metadata
          : {
              ...completeMetadata(patch.metadata, current.metadata, {
                dataset: current.name,
                layer: current.layer,
              }),
              version: current.metadata.version,
            };
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

  async deleteDataset(id: number, runId: number | null = null): Promise<readonly string[]> {
    requireId(id, "dataset id");
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ name: string; layer: Layer; state: string }>(
        "SELECT name, layer, state FROM datasets WHERE id = $1 AND state <> 'deleted' FOR UPDATE",
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
      const removed = await tx.query<{ key: string }>(
        "DELETE FROM objects WHERE dataset_id = $1 RETURNING key",
        [id],
      );
      if (dataset.state === "pending") {
        // Never published, so nothing can derive from it: it goes entirely (its edges cascade).
        await tx.query("DELETE FROM datasets WHERE id = $1", [id]);
      } else {
        // A published dataset stays as a tombstone: the edges into and out of it remain, so whatever
        // was derived from it keeps its path to raw. Its versions and schemas stay as its history; its
        // name is free for a new dataset (the uniqueness index skips tombstones).
        await tx.query(
          `UPDATE datasets SET state = 'deleted', deleted_at = now(), deleted_by_run = $2,
             object_count = 0, total_bytes = 0, updated_at = now() WHERE id = $1`,
          [id, runId],
        );
      }
      return removed.rows.map((row) => row.key);
    });
  }

  async findDatasetInAnyState(
    name: string,
    layer: Layer,
  ): Promise<{ dataset: Dataset; pending: boolean } | undefined> {
    const { rows } = await this.db.query<DatasetRow & { state: string }>(
      `SELECT ${DATASET_COLUMNS}, state FROM datasets WHERE name = $1 AND layer = $2 AND state <> 'deleted'`,
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
      if (!target)
        throw new NotFoundError("dataset", id, { hint: "It was deleted while it was being filled" });
      if (target.state !== "pending") {
        throw new ConflictError(
          `dataset ${JSON.stringify(target.name)} in ${target.layer} is already published`,
          {
            details: { id, name: target.name, layer: target.layer },
            hint: "Another process finished it first",
          },
        );
      }
      // The input must still exist when the edge is recorded: a source deleted during the copy would
      // otherwise leave a published dataset whose provenance points nowhere.
      if (edge.inputDatasetId !== null) {
        const input = await tx.query("SELECT 1 FROM datasets WHERE id = $1 AND state = 'ready' FOR SHARE", [
          edge.inputDatasetId,
        ]);
        if (input.rows.length === 0) {
          throw new NotFoundError("dataset", edge.inputDatasetId, {
            hint: "The source was deleted during the copy",
          });
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
}
