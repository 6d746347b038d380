import { LAYERS, type Layer } from "../object-store/layer.js";
import type { Catalog } from "./catalog.js";
import { catalogClient } from "./catalog-client.js";
import type { RunStatus } from "./catalog-types.js";

/** The lake's state as /metrics reports it, read at scrape time. */
export interface LakeGauges {
  /** Objects and bytes of ready datasets, every layer present (zero when empty). */
  readonly layers: readonly { readonly layer: Layer; readonly objects: number; readonly bytes: number }[];
  readonly runsByStatus: Readonly<Partial<Record<RunStatus, number>>>;
  /** Failed runs of steps that bring data in (`ingest:<kind>` and `add`), by step. */
  readonly ingestFailures: Readonly<Record<string, number>>;
  /** When each entity was last loaded into the serving tables. */
  readonly lastServingLoad: Readonly<Record<string, Date>>;
  /** When the last backup that succeeded finished; undefined when there is none. */
  readonly lastGoodBackup: Date | undefined;
}

interface GaugeRow extends Record<string, unknown> {
  kind: "layer" | "runs" | "ingest" | "serving" | "backups";
  label: string | null;
  n: number | null;
  bytes: number | null;
  at_ms: number | null;
}

const INGEST_STEPS = "(step LIKE 'ingest:%' OR step = 'add')";

/**
 * Reads every lake gauge in one query: the per-dataset
 * totals the catalog keeps current, runs grouped by status, and the newest serving load per entity, so
 * a scrape stays cheap however many objects the lake holds.
 *
 * @example const gauges = await readLakeGauges(lake.catalog); gauges.layers[0] // { layer: "raw", objects: 12, bytes: 3456 }
 */
export async function readLakeGauges(catalog: Catalog): Promise<LakeGauges> {
  const db = catalogClient(catalog);
  const { rows } = await db.query<GaugeRow>(
    `SELECT 'layer' AS kind, layer AS label, coalesce(sum(object_count), 0)::bigint AS n,
            coalesce(sum(total_bytes), 0)::bigint AS bytes, NULL::float8 AS at_ms
       FROM datasets WHERE state = 'ready' GROUP BY layer
     UNION ALL
     SELECT 'runs', status, count(*)::bigint, NULL, NULL FROM runs GROUP BY status
     UNION ALL
     SELECT 'ingest', step, count(*)::bigint, NULL, NULL FROM runs WHERE status = 'failed' AND ${INGEST_STEPS} GROUP BY step
     UNION ALL
     SELECT 'serving', entity, NULL, NULL, (extract(epoch FROM max(loaded_at)) * 1000)::float8
       FROM serving_loads GROUP BY entity
     UNION ALL
     SELECT 'backups', NULL, NULL, NULL, (extract(epoch FROM max(finished_at)) * 1000)::float8
       FROM backups WHERE status = 'succeeded'`,
  );
  const layers = LAYERS.map((layer) => {
    const row = rows.find((r) => r.kind === "layer" && r.label === layer);
    return { layer, objects: Number(row?.n ?? 0), bytes: Number(row?.bytes ?? 0) };
  });
  const runsByStatus: Partial<Record<RunStatus, number>> = {};
  const ingestFailures: Record<string, number> = {};
  const lastServingLoad: Record<string, Date> = {};
  let lastGoodBackup: Date | undefined;
  for (const row of rows) {
    if (row.kind === "runs" && row.label !== null) runsByStatus[row.label as RunStatus] = Number(row.n);
    else if (row.kind === "ingest" && row.label !== null) ingestFailures[row.label] = Number(row.n);
    else if (row.kind === "serving" && row.label !== null && row.at_ms !== null)
      lastServingLoad[row.label] = new Date(Number(row.at_ms));
    else if (row.kind === "backups" && row.at_ms !== null) lastGoodBackup = new Date(Number(row.at_ms));
  }
  return {
    layers,
    runsByStatus,
    ingestFailures,
    lastServingLoad,
    lastGoodBackup,
  };
}
