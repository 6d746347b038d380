import { ASSET_KEY_REGEX, type DataConfig, type RawConfig } from "./config-schema.js";
import type { ResolvedDataset, SettingFailure } from "./data-model.js";

/** Processing steps the pipeline runs: `ingest` / `reprocess` parse, `consolidate` consolidates. */
export const PROCESSING_STEPS = ["parse", "consolidate"] as const;
export type ProcessingStep = (typeof PROCESSING_STEPS)[number];

/**
 * Refuses every setting nothing honours. The schema accepts the shape of the whole design (directory
 * sources, layouts); what this release does not do is refused here with the reason, rather than accepted
 * and silently ignored. Automation conditions are checked by the asset graph (`checkAssetConfig`), which
 * owns their grammar; here only what needs no graph: a schedule's shape and the asset keys' shape.
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
    if (data.schedule === undefined) continue;
    if (data.automation !== undefined) {
      fail(
        section,
        "schedule",
        "schedule and automation say the same thing (when the dataset is fetched): set one",
        `Keep automation = ${JSON.stringify(data.automation)} and remove schedule`,
      );
    }
    if (scheduleAutomation(data.schedule) === undefined) {
      fail(
        section,
        "schedule",
        `schedule ${JSON.stringify(data.schedule)} is not a schedule`,
        'Write "manual", "eager" or "cron: <expr>" (e.g. "cron: 0 3 * * *"), or an automation condition in automation = "…"',
      );
    }
  }
  for (const key of Object.keys(config.asset)) {
    if (!ASSET_KEY_REGEX.test(key)) {
      fail(
        `asset.${JSON.stringify(key)}`,
        "",
        `${JSON.stringify(key)} is not an asset key`,
        'Asset keys are lower-case segments joined by "/", e.g. [asset."data/geo/raw"]; "omicslake assets ls" lists them',
      );
    }
  }
}

/**
 * The automation condition a `[data.X] schedule` stands for: "manual" and "eager" as they are, "cron: EXPR"
 * as `on_cron("EXPR")`, which runs a fetch (an asset with no upstream) once per tick of EXPR. Undefined
 * when the text is not a schedule.
 *
 * @example scheduleAutomation("cron: 0 3 * * *") // → 'on_cron("0 3 * * *")'
 */
export function scheduleAutomation(schedule: string): string | undefined {
  const text = schedule.trim();
  if (text === "manual" || text === "eager") return text;
  const cron = /^cron:\s*([^"\\]+?)\s*$/.exec(text);
  return cron ? `on_cron(${JSON.stringify(cron[1])})` : undefined;
}

/**
 * The automation condition `[data.X]` gives its fetch, as written (`automation`, or `schedule` translated),
 * with the key it came from for error messages; undefined when neither is set.
 */
export function datasetAutomation(
  data: Pick<DataConfig, "automation" | "schedule">,
): { readonly text: string; readonly key: "automation" | "schedule" } | undefined {
  if (data.automation !== undefined) return { text: data.automation, key: "automation" };
  if (data.schedule === undefined) return undefined;
  const text = scheduleAutomation(data.schedule);
  return text === undefined ? undefined : { text, key: "schedule" };
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
