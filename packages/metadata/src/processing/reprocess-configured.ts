import { isRecordFormat } from "@omicslake/parsers";
import { CancelledError, datasetSteps, throwIfAborted } from "@omicslake/core";
import type { LakeConfig } from "@omicslake/core";
import type { Lake } from "@omicslake/core";
import { MetadataFlowError } from "../metadata-flow-error.js";
import { processDataset, type ProcessOptions, type ProcessResult } from "./process-dataset.js";

/** The outcome of one dataset of `reprocessConfigured`: its result, or the error that failed its run. */
export type ConfiguredReprocess =
  | { readonly name: string; readonly result: ProcessResult; readonly error?: undefined }
  | { readonly name: string; readonly result?: undefined; readonly error: unknown };

type ReprocessConfig = Pick<LakeConfig, "sources" | "datasets" | "dataModel">;

/**
 * `omicslake reprocess [dataset…]`: rebuilds processed Parquet from what raw already holds, with no
 * network access at all (no listing, no download, no HTTP client is even made): the way back when the
 * upstream is down or processed was lost. Each dataset is one `process:<format>` run with a
 * `conversion` edge, exactly as after an ingest, and the dataset's `accessions` filter applies.
 * Without names, every configured metadata dataset that has a raw dataset and the "parse" step.
 * A cancel (`options.signal`) stops the whole call with a CancelledError; later datasets do not start.
 *
 * @example
 * for (const { name, result, error } of await reprocessConfigured(lake, config, ["sra"])) …
 */
export async function reprocessConfigured(
  lake: Lake,
  config: ReprocessConfig,
  names: readonly string[] = [],
  options: Omit<ProcessOptions, "accessions" | "format" | "processedName"> = {},
): Promise<ConfiguredReprocess[]> {
  const selected: string[] = [];
  for (const name of names.length > 0 ? names : Object.keys(config.datasets)) {
    const explicit = names.length > 0;
    const data = config.datasets[name];
    if (!data) {
      throw new MetadataFlowError("unknown_dataset", `no dataset "${name}" in the configuration`, {
        details: { dataset: name },
        hint: `Configured datasets: ${Object.keys(config.datasets).join(", ") || "(none)"}`,
      });
    }
    const kind = config.sources[data.source]?.kind ?? "";
    if (!isRecordFormat(kind)) {
      if (!explicit) continue;
      throw new MetadataFlowError(
        "not_reprocessable",
        `dataset "${name}" comes from a "${kind}" source, which no parser reads`,
        {
          details: { dataset: name, kind },
          hint: "reprocess rebuilds the public-metadata datasets (sra, geo, biosample, bioproject, pubmed)",
        },
      );
    }
    if (!datasetSteps(config, name).includes("parse")) {
      if (!explicit) continue;
      throw new MetadataFlowError(
        "not_reprocessable",
        `dataset "${name}" has no "parse" step in its processing`,
        {
          details: { dataset: name },
          hint: 'Add "parse" to the steps of its [processing.X] section',
        },
      );
    }
    if (!(await lake.catalog.findDataset(name, "raw"))) {
      if (!explicit) continue;
      throw new MetadataFlowError(
        "no_raw_dataset",
        `raw/${name} does not exist, so there is nothing to reprocess`,
        {
          details: { dataset: name },
          hint: `Fetch it first with "omicslake ingest ${name}"`,
        },
      );
    }
    selected.push(name);
  }
  const outcomes: ConfiguredReprocess[] = [];
  for (const name of selected) {
    const accessions = config.datasets[name]!.accessions;
    throwIfAborted(options.signal, "reprocess");
    try {
      const result = await processDataset(lake, `raw:${name}`, {
        ...options,
        ...(config.sources[config.datasets[name]!.source]?.kind === "sra" && accessions
          ? { accessions }
          : {}),
      });
      outcomes.push({ name, result });
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      outcomes.push({ name, error });
    }
  }
  return outcomes;
}
