import type { LakeConfig } from "@omicslake/core";
import { CancelledError, throwIfAborted, type Lake } from "@omicslake/core";
import { sourceKind } from "../kinds/source-kinds.js";
import { ingestItems, type ItemIngestResult } from "../processing/ingest-items.js";
import { ItemsFailedError } from "../processing/processing-error.js";
import { SOURCE_ADAPTERS } from "../source-adapters.js";
import { SourceConfigError } from "../upstream-error.js";
import { ingestDataset, type IngestOptions, type IngestResult } from "./ingest-dataset.js";

/**
 * The outcome of one dataset of `ingestConfigured`: the downloader's result (public-metadata feeds), the
 * item ingest's (every other kind: trees, genomes, reads, file lists), or the error that failed its run.
 */
export type ConfiguredIngest =
  | {
      readonly name: string;
      readonly result: IngestResult;
      readonly items?: undefined;
      readonly error?: undefined;
    }
  | {
      readonly name: string;
      readonly items: ItemIngestResult;
      readonly result?: undefined;
      /** Set when some items failed (an ItemsFailedError naming them); the others are in raw. */
      readonly error?: unknown;
    }
  | {
      readonly name: string;
      readonly result?: undefined;
      readonly items?: undefined;
      readonly error: unknown;
    };

type IngestConfig = Pick<LakeConfig, "root" | "sources" | "datasets"> &
  Partial<Pick<LakeConfig, "baseDir" | "dataModel">>;

/**
 * `omicslake ingest [dataset…]`: ingests the named `[data.X]` datasets, or, without names, every
 * dataset whose source kind has an adapter (sra, geo, biosample, bioproject, pubmed), one after the
 * other. A named dataset of another kind runs its kind's ingest step (sync, then its items into raw; see
 * `ingestItems`). A failing dataset does not stop the others; its error is returned in its place (its run
 * is already recorded as failed). Names that do not exist or whose source kind is unknown are refused
 * before anything starts. A cancel (`options.signal`) is not a failure: it stops the whole call with
 * a CancelledError, the interrupted dataset's run marked cancelled and later datasets not started.
 *
 * @example
 * for (const { name, result, error } of await ingestConfigured(lake, config, ["geo-2024"])) …
 */
export async function ingestConfigured(
  lake: Lake,
  config: IngestConfig,
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
      // Throws naming the kinds there are when this one is unknown.
      sourceKind(source.kind);
      if (config.dataModel?.[name] === undefined || config.baseDir === undefined) {
        throw new SourceConfigError(`dataset "${name}" is not resolved in this configuration`, {
          details: { dataset: name, kind: source.kind },
          hint: "Load the configuration with loadConfig: its data model says where the dataset's items are",
        });
      }
    }
  }
  const outcomes: ConfiguredIngest[] = [];
  for (const name of selected) {
    const data = config.datasets[name]!;
    const source = config.sources[data.source]!;
    throwIfAborted(options.signal, "ingest");
    try {
      if (SOURCE_ADAPTERS[source.kind]) {
        outcomes.push({
          name,
          result: await ingestDataset(lake, { name, data, source, root: config.root }, options),
        });
      } else {
        const items = await ingestItems(
          lake,
          { ...config, baseDir: config.baseDir!, dataModel: config.dataModel! },
          name,
          options,
        );
        outcomes.push({
          name,
          items,
          ...(items.failures.length > 0
            ? { error: new ItemsFailedError(`ingest:${name}`, items.failures) }
            : {}),
        });
      }
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
