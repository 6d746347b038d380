import type { LakeConfig } from "@omicslake/core";
import { CancelledError, throwIfAborted, type Lake } from "@omicslake/core";
import { SOURCE_ADAPTERS } from "../source-adapters.js";
import { SourceConfigError } from "../upstream-error.js";
import { ingestDataset, type IngestOptions, type IngestResult } from "./ingest-dataset.js";

/** The outcome of one dataset of `ingestConfigured`: its result, or the error that failed its run. */
export type ConfiguredIngest =
  | { readonly name: string; readonly result: IngestResult; readonly error?: undefined }
  | { readonly name: string; readonly result?: undefined; readonly error: unknown };

/**
 * `omicslake ingest [dataset…]`: ingests the named `[data.X]` datasets, or, without names, every
 * dataset whose source kind has an adapter (sra, geo, biosample, bioproject, pubmed), one after the
 * other. A failing dataset does not stop the others; its error is returned in its place (its run is
 * already recorded as failed). Names that do not exist or whose source cannot be fetched are refused
 * before anything starts. A cancel (`options.signal`) is not a failure: it stops the whole call with
 * a CancelledError, the interrupted dataset's run marked cancelled and later datasets not started.
 *
 * @example
 * for (const { name, result, error } of await ingestConfigured(lake, config, ["geo-2024"])) …
 */
export async function ingestConfigured(
  lake: Lake,
  config: Pick<LakeConfig, "root" | "sources" | "datasets">,
  names: readonly string[] = [],
  options: IngestOptions = {},
): Promise<ConfiguredIngest[]> {
  const selected =
    names.length > 0 ? [...names] : Object.keys(config.datasets).filter((name) => fetchable(config, name));
  for (const name of selected) {
    const data = config.datasets[name];
    if (!data) {
      throw new SourceConfigError(`no dataset "${name}" in the configuration`, {
        details: { dataset: name },
        hint: `Configured datasets: ${Object.keys(config.datasets).join(", ") || "(none)"}`,
      });
    }
    const source = config.sources[data.source];
    if (!source) {
      throw new SourceConfigError(
        `dataset "${name}" names source "${data.source}", which is not configured`,
        {
          details: { dataset: name, source: data.source },
          hint: `Add a [source.${data.source}] section`,
        },
      );
    }
    if (!SOURCE_ADAPTERS[source.kind]) {
      throw new SourceConfigError(
        `dataset "${name}" comes from a "${source.kind}" source, which ingest does not fetch`,
        {
          details: { dataset: name, kind: source.kind },
          hint: `Ingest fetches ${Object.keys(SOURCE_ADAPTERS).join(", ")} sources; add other files with "omicslake add"`,
        },
      );
    }
  }
  const outcomes: ConfiguredIngest[] = [];
  for (const name of selected) {
    const data = config.datasets[name]!;
    const source = config.sources[data.source]!;
    throwIfAborted(options.signal, "ingest");
    try {
      outcomes.push({
        name,
        result: await ingestDataset(lake, { name, data, source, root: config.root }, options),
      });
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      outcomes.push({ name, error });
    }
  }
  return outcomes;
}

function fetchable(config: Pick<LakeConfig, "sources" | "datasets">, name: string): boolean {
  const kind = config.sources[config.datasets[name]!.source]?.kind;
  return kind !== undefined && SOURCE_ADAPTERS[kind] !== undefined;
}
