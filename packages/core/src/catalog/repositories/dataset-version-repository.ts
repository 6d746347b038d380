import type { SqlClient } from "../../catalog-db/sql-client.js";
import { currentRunId } from "../../steps/current-run.js";
import type { DatasetChanges, DatasetVersion, Page } from "../catalog-types.js";
import { isoDay } from "../dataset-metadata.js";
import { decodeCursor, encodeCursor, resolveLimit } from "../page-cursor.js";
import { page, requireLineageNode, requireId } from "./catalog-input.js";

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
): Promise<void> {
  // One statement, as it runs once per object write: insert the run's version, or (the run already
  // has one) add this change to it; only a new version moves the dataset's metadata. `xmax = 0` holds
  // for a row the statement inserted, not one it updated.
  await tx.query(
    `WITH current AS (
       SELECT id, object_count, total_bytes FROM datasets WHERE id = $1
     ), upserted AS (
       INSERT INTO dataset_versions AS v (dataset_id, version, run_id, object_count, total_bytes, changes)
       SELECT current.id, (SELECT coalesce(max(version), 0) + 1 FROM dataset_versions WHERE dataset_id = $1),
              $2, current.object_count, current.total_bytes, $3::text::jsonb
       FROM current
       ON CONFLICT (dataset_id, run_id) WHERE run_id IS NOT NULL DO UPDATE SET
         changes = jsonb_build_object(
           'created', coalesce((v.changes ->> 'created')::boolean, false) OR (excluded.changes ->> 'created')::boolean,
           'added', coalesce((v.changes ->> 'added')::bigint, 0) + (excluded.changes ->> 'added')::bigint,
           'replaced', coalesce((v.changes ->> 'replaced')::bigint, 0) + (excluded.changes ->> 'replaced')::bigint,
           'removed', coalesce((v.changes ->> 'removed')::bigint, 0) + (excluded.changes ->> 'removed')::bigint,
           'schema', (SELECT coalesce(jsonb_agg(DISTINCT t ORDER BY t), '[]'::jsonb)
                      FROM jsonb_array_elements_text(coalesce(v.changes -> 'schema', '[]'::jsonb) || (excluded.changes -> 'schema')) AS t)
         ),
         object_count = excluded.object_count, total_bytes = excluded.total_bytes, updated_at = now()
       RETURNING v.version, (v.xmax = 0) AS inserted
     )
     UPDATE datasets SET metadata = metadata || jsonb_build_object('version', upserted.version::text, 'date', $4::text)
     FROM upserted WHERE datasets.id = $1 AND upserted.inserted`,
    [datasetId, runId, JSON.stringify(changeOf(change)), isoDay(now)],
  );
}

/** A single change as a version's changes. */
function changeOf(change: DatasetChange): DatasetChanges {
  switch (change.kind) {
    case "created":
      return { ...NO_CHANGES, created: true };
    case "schema":
      return { ...NO_CHANGES, schema: [change.table] };
    default:
      return { ...NO_CHANGES, [change.kind]: change.count };
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
    await requireLineageNode(this.db, datasetId);
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
