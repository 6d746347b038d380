import type { RawConfig } from "./config-schema.js";
import type { ResolvedDataset, SettingFailure } from "./data-model.js";

/** Processing steps the pipeline runs: `ingest` / `reprocess` parse, `consolidate` consolidates. */
export const PROCESSING_STEPS = ["parse", "consolidate"] as const;
export type ProcessingStep = (typeof PROCESSING_STEPS)[number];

/**
 * Refuses every setting nothing honours. The schema accepts the shape of the whole design (directory
 * sources, layouts, schedules); what this release does not do is refused here with the reason, rather
 * than accepted and silently ignored.
 */
export function checkSettings(config: RawConfig, fail: SettingFailure): void {
  const s3 = config.lake.s3;
  if (s3 !== undefined && !(config.lake.storage ?? "").startsWith("s3://")) {
    fail(
      "lake.s3",
      "",
      "[lake.s3] is only read when [lake] storage is an s3:// URL",
      'Set storage = "s3://bucket/prefix", or remove [lake.s3]',
    );
  }
  const expression = config.expression;
  if (expression.engine === "clickhouse" && expression.url === undefined) {
    fail(
      "expression",
      "url",
      'engine = "clickhouse" needs the server\'s url',
      'Set url = "http://127.0.0.1:8123" (ClickHouse\'s HTTP port), or engine = "duckdb"',
    );
  }
  if (expression.engine === "duckdb") {
    for (const key of ["url"] as const) {
      if (expression[key] !== undefined) {
        fail(
          "expression",
          key,
          `[expression] ${key} is only read when engine = "clickhouse"`,
          'Set engine = "clickhouse", or remove the key',
        );
      }
    }
  }
  for (const [name, data] of Object.entries(config.data)) {
    const section = `data.${name}`;
    if (data.schedule !== undefined && data.schedule !== "manual") {
      const known = data.schedule === "eager" || /^cron:\s*\S/.test(data.schedule);
      fail(
        section,
        "schedule",
        known
          ? `schedule "${data.schedule}" is not supported yet: datasets are ingested only when you run "omicslake ingest"`
          : `schedule ${JSON.stringify(data.schedule)} is not a schedule`,
        known
          ? 'Remove the key, or write "manual" (what happens today)'
          : 'Write "manual" (eager and "cron: <expr>" are not supported yet)',
      );
    }
  }
}

/**
 * The public-metadata steps a dataset gets (parse, consolidate): those among its resolved processing; a
 * dataset that runs no processing at all gets both, as before steps were configurable.
 */
export function datasetSteps(
  config: { readonly dataModel: Readonly<Record<string, ResolvedDataset>> },
  dataset: string,
): readonly ProcessingStep[] {
  const resolved = config.dataModel[dataset];
  if (!resolved || resolved.steps.length === 0) return PROCESSING_STEPS;
  const steps = new Set(resolved.steps.map((step) => (step.kind === "builtin" ? step.step : undefined)));
  return PROCESSING_STEPS.filter((step) => steps.has(step));
}
