import { RUN_STATUSES, readLakeGauges, type Lake } from "@omicslake/core";
import { Gauge, type Registry } from "prom-client";

/**
 * The lake's gauges on /metrics, computed at scrape time from the catalog (one query, two when the
 * catalog has a backups table), so they are never stale and cost nothing between scrapes. Samples that
 * have no value (no serving load yet, no good backup yet) are left out rather than reported as zero,
 * which would read as "just now".
 */
export class LakeMetrics {
  readonly #objects: Gauge<"layer">;
  readonly #bytes: Gauge<"layer">;
  readonly #runs: Gauge<"status">;
  readonly #ingestFailures: Gauge<"step">;
  readonly #servingAge: Gauge<"entity">;
  readonly #backupAge: Gauge<"kind">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#objects = new Gauge({
      name: "omicslake_lake_objects",
      help: "Objects in ready datasets, by layer",
      labelNames: ["layer"] as const,
      registers,
    });
    this.#bytes = new Gauge({
      name: "omicslake_lake_bytes",
      help: "Bytes of the objects in ready datasets, by layer",
      labelNames: ["layer"] as const,
      registers,
    });
    this.#runs = new Gauge({
      name: "omicslake_runs",
      help: "Runs recorded in the catalog, by status",
      labelNames: ["status"] as const,
      registers,
    });
    this.#ingestFailures = new Gauge({
      name: "omicslake_ingest_failed_runs",
      help: "Failed runs of the steps that bring data in (ingest:<kind>, add), by step",
      labelNames: ["step"] as const,
      registers,
    });
    this.#servingAge = new Gauge({
      name: "omicslake_serving_load_age_seconds",
      help: "Seconds since each entity was last loaded into the serving tables",
      labelNames: ["entity"] as const,
      registers,
    });
    // A label, even a constant one, lets the sample be absent when there is no good backup: a gauge
    // without labels always reports a value.
    this.#backupAge = new Gauge({
      name: "omicslake_last_good_backup_age_seconds",
      help: "Seconds since the last backup that succeeded finished (absent when there is none)",
      labelNames: ["kind"] as const,
      registers,
    });
  }

  /** Drops every lake sample (the gauges all carry labels, so none is left behind). */
  clear(): void {
    for (const gauge of [
      this.#objects,
      this.#bytes,
      this.#runs,
      this.#ingestFailures,
      this.#servingAge,
      this.#backupAge,
    ])
      gauge.reset();
  }

  /** Re-reads the catalog and replaces every sample; call right before rendering the registry. */
  async update(lake: Lake, now: Date = lake.clock()): Promise<void> {
    const gauges = await readLakeGauges(lake.catalog);
    const age = (at: Date): number => Math.max(0, (now.getTime() - at.getTime()) / 1000);
    this.clear();
    for (const { layer, objects, bytes } of gauges.layers) {
      this.#objects.set({ layer }, objects);
      this.#bytes.set({ layer }, bytes);
    }
    for (const status of RUN_STATUSES) this.#runs.set({ status }, gauges.runsByStatus[status] ?? 0);
    for (const [step, n] of Object.entries(gauges.ingestFailures)) this.#ingestFailures.set({ step }, n);
    for (const [entity, at] of Object.entries(gauges.lastServingLoad))
      this.#servingAge.set({ entity }, age(at));
    if (gauges.lastGoodBackup !== undefined) this.#backupAge.set({ kind: "any" }, age(gauges.lastGoodBackup));
  }
}
