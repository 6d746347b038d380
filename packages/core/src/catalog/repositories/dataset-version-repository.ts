import type { SqlClient } from "../../catalog-db/sql-client.js";
import { currentRunId } from "../../steps/current-run.js";
import type { DatasetChanges, DatasetVersion, Page } from "../catalog-types.js";
import { isoDay } from "../dataset-metadata.js";
import { decodeCursor, encodeCursor, resolveLimit } from "../page-cursor.js";
import { page, requireDataset, requireId } from "./catalog-input.js";

/** One write's part of a version: what it added, replaced, removed, or which table's schema it changed. */
export type DatasetChange =
  | { readonly kind: "created" }
  | { readonly kind: "added" | "replaced" | "removed"; readonly count: number }
  | { readonly kind: "schema"; readonly table: string };

interface VersionRow extends Record<string, unknown> {
  dataset_id: number;
  version: number;
  run_id: number | null;
  object_count: number;
  total_bytes: number;
  changes: DatasetChanges;
  created_at: Date;
  updated_at: Date;
}

const VERSION_COLUMNS =
  "dataset_id, version, run_id, object_count, total_bytes, changes, created_at, updated_at";

const NO_CHANGES: DatasetChanges = { created: false, added: 0, replaced: 0, removed: 0, schema: [] };

/**
 * Records a change of a dataset as part of its current run's version, inside the caller's transaction,
 * after the change itself (so the version's counts are the dataset's new ones). The caller must hold the
 * dataset's row lock (FOR UPDATE): that orders concurrent writers, so two runs never pick the same
 * number, and the change and its version commit or vanish together.
 *
 * All writes of one run to a dataset are one version (a run adding a thousand files publishes once);
 * a write outside any run is a version of its own. A new version becomes the dataset's
 * `metadata.version`, and its day `metadata.date`.
 */
export async function recordDatasetChange(
  tx: SqlClient,
  datasetId: number,
  change: DatasetChange,
  now: Date,
  runId: number | null = currentRunId.getStore() ?? null,
): Promise<number> {
  if (runId !== null) {
    const { rows } = await tx.query<{ version: number; changes: DatasetChanges }>(
      "SELECT version, changes FROM dataset_versions WHERE dataset_id = $1 AND run_id = $2",
      [datasetId, runId],
    );
    const current = rows[0];
    if (current) {
      await tx.query(
        `UPDATE dataset_versions v SET changes = $3::text::jsonb, object_count = d.object_count,
           total_bytes = d.total_bytes, updated_at = now()
         FROM datasets d WHERE v.dataset_id = $1 AND v.version = $2 AND d.id = v.dataset_id`,
        [
          datasetId,
          current.version,
          JSON.stringify(applyChange({ ...NO_CHANGES, ...current.changes }, change)),
        ],
      );
      return current.version;
    }
  }
  const { rows } = await tx.query<{ version: number }>(
    `WITH next AS (
       SELECT coalesce(max(version), 0) + 1 AS version FROM dataset_versions WHERE dataset_id = $1
     ), inserted AS (
       INSERT INTO dataset_versions (dataset_id, version, run_id, object_count, total_bytes, changes)
       SELECT d.id, next.version, $2, d.object_count, d.total_bytes, $3::text::jsonb FROM datasets d, next WHERE d.id = $1
       RETURNING version
     )
     UPDATE datasets SET metadata = metadata || jsonb_build_object('version', inserted.version::text, 'date', $4::text)
     FROM inserted WHERE datasets.id = $1 RETURNING inserted.version`,
    [datasetId, runId, JSON.stringify(applyChange(NO_CHANGES, change)), isoDay(now)],
  );
  if (!rows[0]) throw new Error(`dataset ${datasetId} vanished while its version was recorded`);
  return rows[0].version;
}

function applyChange(changes: DatasetChanges, change: DatasetChange): DatasetChanges {
  switch (change.kind) {
    case "created":
      return { ...changes, created: true };
    case "schema":
      return changes.schema.includes(change.table)
        ? changes
        : { ...changes, schema: [...changes.schema, change.table] };
    default:
      return { ...changes, [change.kind]: changes[change.kind] + change.count };
  }
}

/** Dataset versions, newest first. */
export class DatasetVersionRepository {
  constructor(private readonly db: SqlClient) {}

  async listDatasetVersions(
    datasetId: number,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<Page<DatasetVersion>> {
    requireId(datasetId, "dataset id");
    const limit = resolveLimit(options.limit);
    const before =
      options.cursor === undefined ? undefined : decodeCursor("versions", options.cursor, "number");
    await requireDataset(this.db, datasetId);
    const { rows } = await this.db.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE dataset_id = $1 ${before === undefined ? "" : "AND version < $2"}
       ORDER BY version DESC LIMIT ${limit + 1}`,
      before === undefined ? [datasetId] : [datasetId, before],
    );
    return page(rows.map(toDatasetVersion), limit, (last) => encodeCursor("versions", last.version));
  }
}

function toDatasetVersion(row: VersionRow): DatasetVersion {
  return {
    datasetId: row.dataset_id,
    version: row.version,
    runId: row.run_id,
    objectCount: row.object_count,
    totalBytes: row.total_bytes,
    changes: { ...NO_CHANGES, ...row.changes },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
