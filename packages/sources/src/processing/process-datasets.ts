import { availableParallelism } from "node:os";
import {
  CancelledError,
  type Lake,
  type LakeConfig,
  type ResolvedDataset,
  type ResolvedStep,
  type StepOptions,
} from "@omicslake/core";
import type { DataItem, ItemProblem } from "../items/data-item.js";
import type { ItemListing } from "../kinds/source-kind.js";
import { readTaxidsFile, type TaxidSet } from "../kinds/genbank/taxon-subtree.js";
import { SourceConfigError } from "../upstream-error.js";
import { checksumDataset } from "./checksum-dataset.js";
import { runCommandStep, stepDatasetName, type CommandStep } from "./command-step.js";
import { bindKind, datasetItems } from "./dataset-items.js";
import { ingestItems } from "./ingest-items.js";
import { errorMessage, ProcessingError } from "./processing-error.js";
import { removeStaleWorkDirs } from "./work-dir.js";

/**
 * The built-in steps that live above this package (metadata parsing, format conversion, consolidation,
 * the snapshot, the serving load), handed in by the caller: the CLI wires them from `@omicslake/metadata`
 * and `@omicslake/formats`.
 */
export interface ProcessHandlers {
  /** `parse` of a public-metadata dataset: raw → processed Parquet. */
  parseMetadata(
    lake: Lake,
    config: LakeConfig,
    dataset: ResolvedDataset,
    options: StepOptions,
  ): Promise<void>;
  /** `convert` (and `parse` of GenBank divisions): raw files → processed Parquet, kept to `taxids` when given. */
  convert(
    lake: Lake,
    dataset: ResolvedDataset,
    options: StepOptions & { readonly taxids?: TaxidSet },
  ): Promise<void>;
  /** `expression`: the dataset's converted matrix (processed) → its expression store (curated). */
  expression(lake: Lake, config: LakeConfig, dataset: ResolvedDataset, options: StepOptions): Promise<void>;
  consolidate(lake: Lake, config: LakeConfig, options: StepOptions): Promise<void>;
  snapshot(lake: Lake, config: LakeConfig, options: StepOptions): Promise<void>;
  load(lake: Lake, config: LakeConfig, options: StepOptions): Promise<void>;
}

export interface ProcessOptions extends StepOptions {
  /** Configured datasets to process (default: every one, or every one of `role`). */
  readonly names?: readonly string[];
  readonly role?: string;
  readonly handlers: ProcessHandlers;
  /** Rerun items whose inputs are unchanged. */
  readonly force?: boolean;
  /** Items a command step runs at once (default: the cores over the step's threads, at least 1). */
  readonly jobs?: number;
  readonly log?: (line: string) => void;
  /**
   * Only these items (`DataItem.key`, as the listing gives them) of the one selected dataset: its command
   * steps run on them alone. Steps that work on the dataset as a whole (ingest, checksum, parse, convert,
   * expression) cannot be narrowed and are refused; the lake-wide ones still run once at the end.
   */
  readonly items?: readonly string[];
}

/** What one step did: for one dataset, or (`dataset` undefined) for the lake. */
export interface StepOutcome {
  readonly dataset?: string;
  /** `ingest`, `checksum`, `parse`, `convert`, `consolidate`, … or `<section>.<step>` for a command. */
  readonly step: string;
  readonly ran: number;
  readonly skipped: number;
  readonly failed: number;
  /** Why it failed: per item, or (item undefined) the whole step. */
  readonly failures: readonly { readonly item?: string; readonly message: string; readonly error: unknown }[];
  readonly problems: readonly ItemProblem[];
}

export interface ProcessSummary {
  readonly steps: readonly StepOutcome[];
  /** True when any step failed on anything. */
  readonly failed: boolean;
}

const LAKE_WIDE = ["consolidate", "snapshot", "load"] as const;

/**
 * `omicslake process [dataset…]`: runs what the configuration says each selected dataset runs — its
 * resolved steps in order (ingest, checksum, parse, convert, command steps) — then the lake-wide steps
 * (consolidate, snapshot, load) once, in that order, if any selected dataset asks for them. A dataset
 * whose step fails stops there and the others go on; items that fail are reported and the others go on.
 * A cancel (`options.signal`) stops everything with a CancelledError, the interrupted runs marked cancelled.
 *
 * @example
 * const { steps, failed } = await processDatasets(lake, config, { names: ["reads"], handlers });
 */
export async function processDatasets(
  lake: Lake,
  config: LakeConfig,
  options: ProcessOptions,
): Promise<ProcessSummary> {
  const selected = selectDatasets(config, options);
  const outcomes: StepOutcome[] = [];
  if (selected.length === 0) return { steps: outcomes, failed: false };
  if (options.items !== undefined) checkNarrowable(selected, options.items);
  const removed = await removeStaleWorkDirs(lake, config.root);
  if (removed > 0)
    options.log?.(`removed ${removed} work director${removed === 1 ? "y" : "ies"} of killed runs`);
  const step: StepOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const lakeWide = new Set<string>();
  for (const dataset of selected) {
    for (const s of dataset.steps)
      if (s.kind === "builtin" && (LAKE_WIDE as readonly string[]).includes(s.step)) lakeWide.add(s.step);
    await processDataset(lake, config, dataset, options, step, outcomes);
  }
  for (const name of LAKE_WIDE) {
    if (!lakeWide.has(name)) continue;
    const outcome = await guarded(undefined, name, async () => {
      options.log?.(`${name}`);
      await options.handlers[name](lake, config, step);
      return { ran: 1, skipped: 0, failures: [] };
    });
    outcomes.push(outcome);
    // Each reads what the one before it published: after a failure, the rest would publish stale data.
    if (outcome.failed > 0) break;
  }
  return { steps: outcomes, failed: outcomes.some((o) => o.failed > 0) };
}

function selectDatasets(config: LakeConfig, options: ProcessOptions): ResolvedDataset[] {
  const names = options.names ?? [];
  for (const name of names) {
    if (!config.dataModel[name]) {
      throw new SourceConfigError(`no dataset "${name}" in the configuration`, {
        details: { dataset: name },
        hint: `Configured datasets: ${Object.keys(config.dataModel).join(", ") || "(none)"}`,
      });
    }
  }
  if (options.role !== undefined && !(options.role in config.roles)) {
    throw new SourceConfigError(`no role "${options.role}" in the configuration`, {
      details: { role: options.role },
      hint: `Configured roles: ${Object.keys(config.roles).join(", ") || "(none)"}`,
    });
  }
  return (names.length > 0 ? names : Object.keys(config.dataModel))
    .map((name) => config.dataModel[name]!)
    .filter((dataset) => options.role === undefined || dataset.role === options.role);
}

/** Refuses `items` where it cannot mean what it says, before anything runs. */
function checkNarrowable(selected: readonly ResolvedDataset[], items: readonly string[]): void {
  if (selected.length !== 1) {
    throw new SourceConfigError(
      `items name one dataset's items; ${selected.length} datasets are selected (${selected.map((d) => d.name).join(", ")})`,
      {
        details: { datasets: selected.map((d) => d.name), items },
        hint: "Select exactly one dataset with items",
      },
    );
  }
  const dataset = selected[0]!;
  const whole = dataset.steps.filter(
    (s) => s.kind === "builtin" && !(LAKE_WIDE as readonly string[]).includes(s.step),
  );
  if (whole.length > 0) {
    const names = whole.map(stepLabel);
    throw new SourceConfigError(
      `dataset "${dataset.name}" cannot be processed for some items only: ${names.join(", ")} work on the whole dataset`,
      {
        details: { dataset: dataset.name, items, steps: names },
        hint: `Process ${dataset.name} without items, or only its command steps`,
      },
    );
  }
}

/** The listed items kept to `wanted`; a name the listing does not have is an error naming it. */
function narrowItems(dataset: string, items: readonly DataItem[], wanted: readonly string[]): DataItem[] {
  const byKey = new Map(items.map((item) => [item.key, item]));
  const unknown = wanted.filter((key) => !byKey.has(key));
  if (unknown.length > 0) {
    throw new SourceConfigError(
      `dataset "${dataset}" has no item ${unknown.map((k) => `"${k}"`).join(", ")}`,
      {
        details: { dataset, unknown },
        hint: `Items now: ${[...byKey.keys()].slice(0, 10).join(", ") || "(none: ingest first)"}${byKey.size > 10 ? ", …" : ""}`,
      },
    );
  }
  return [...new Set(wanted)].map((key) => byKey.get(key)!);
}

async function processDataset(
  lake: Lake,
  config: LakeConfig,
  dataset: ResolvedDataset,
  options: ProcessOptions,
  step: StepOptions,
  outcomes: StepOutcome[],
): Promise<void> {
  const seen = new Set<string>();
  const state: DatasetState = { problemsReported: false };
  for (const resolved of dataset.steps) {
    if (resolved.kind === "builtin") {
      // A built-in step named by two sections runs once; the lake-wide ones run after every dataset.
      if (seen.has(resolved.step) || (LAKE_WIDE as readonly string[]).includes(resolved.step)) continue;
      seen.add(resolved.step);
    }
    options.log?.(`${dataset.name}: ${stepLabel(resolved)}`);
    const outcome = await guarded(dataset.name, stepLabel(resolved), () =>
      runDatasetStep(lake, config, dataset, resolved, options, step, state),
    );
    outcomes.push(outcome);
    // Item failures leave the other items to the next steps; a step that failed as a whole stops the dataset.
    if (outcome.failures.some((f) => f.item === undefined)) return;
  }
}

/** What the steps of one dataset share within one call: its items, listed once after its ingest. */
interface DatasetState {
  listing?: Promise<ItemListing>;
  /** Names the layout could not place are reported by the first step that lists them, not by every step. */
  problemsReported: boolean;
}

interface StepCounts {
  readonly ran: number;
  readonly skipped: number;
  readonly failures: readonly { readonly item?: string; readonly error: unknown }[];
  readonly problems?: readonly ItemProblem[];
}

async function runDatasetStep(
  lake: Lake,
  config: LakeConfig,
  dataset: ResolvedDataset,
  resolved: ResolvedStep,
  options: ProcessOptions,
  step: StepOptions,
  state: DatasetState,
): Promise<StepCounts> {
  if (resolved.kind === "command") return commandStep(lake, config, dataset, resolved, options, step, state);
  switch (resolved.step) {
    case "ingest": {
      const result = await ingestItems(lake, config, dataset.name, {
        ...step,
        ...(options.force ? { force: true } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      // The ingest may have synced the tree: steps after it list it again.
      delete state.listing;
      state.problemsReported = true;
      return {
        ran: result.ingested,
        skipped: result.unchanged,
        failures: result.failures,
        problems: result.problems,
      };
    }
    case "checksum": {
      const result = await checksumDataset(lake, dataset.name, step);
      return { ran: result.checked, skipped: 0, failures: [] };
    }
    case "parse":
      if (dataset.kind === "genbank") return convertStep(lake, config, dataset, options, step, state);
      await options.handlers.parseMetadata(lake, config, dataset, step);
      return { ran: 1, skipped: 0, failures: [] };
    case "convert":
      return convertStep(lake, config, dataset, options, step, state);
    case "expression":
      await options.handlers.expression(lake, config, dataset, step);
      return { ran: 1, skipped: 0, failures: [] };
    default:
      throw new ProcessingError("no_handler", `step "${resolved.step}" cannot run on a dataset`, {
        details: { dataset: dataset.name, step: resolved.step },
        hint: `Remove it from [processing.${resolved.section}]`,
      });
  }
}

async function commandStep(
  lake: Lake,
  config: LakeConfig,
  dataset: ResolvedDataset,
  resolved: CommandStep,
  options: ProcessOptions,
  step: StepOptions,
  state: DatasetState,
): Promise<StepCounts> {
  state.listing ??= datasetItems(
    bindKind(lake, config, dataset.name, { ...step, ...(options.log ? { log: options.log } : {}) }),
  );
  const { items: listedItems, problems: listed } = await state.listing;
  const items =
    options.items !== undefined ? narrowItems(dataset.name, listedItems, options.items) : listedItems;
  const problems = state.problemsReported ? [] : listed;
  state.problemsReported = true;
  const jobs = options.jobs ?? Math.max(1, Math.floor(availableParallelism() / resolved.threads));
  const result = await runCommandStep(lake, config, dataset, resolved, items, {
    ...step,
    jobs,
    ...(options.force ? { force: true } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { ran: result.ran, skipped: result.skipped, failures: result.failures, problems };
}

async function convertStep(
  lake: Lake,
  config: LakeConfig,
  dataset: ResolvedDataset,
  options: ProcessOptions,
  step: StepOptions,
  state: DatasetState,
): Promise<StepCounts> {
  const taxids =
    dataset.kind === "genbank" ? await genbankSubtree(lake, config, dataset, step, state) : undefined;
  await options.handlers.convert(lake, dataset, { ...step, ...(taxids !== undefined ? { taxids } : {}) });
  return { ran: 1, skipped: 0, failures: [] };
}

/**
 * The taxid subtree a GenBank dataset with `taxid` is kept to: the file its items name (`taxonFilter`, written
 * by the genbank sync from the taxonomy dump), read into a compact set. Undefined without a `taxid`.
 */
async function genbankSubtree(
  lake: Lake,
  config: LakeConfig,
  dataset: ResolvedDataset,
  step: StepOptions,
  state: DatasetState,
): Promise<TaxidSet | undefined> {
  if (config.datasets[dataset.name]?.["taxid"] === undefined) return undefined;
  state.listing ??= datasetItems(bindKind(lake, config, dataset.name, step));
  const { items, problems } = await state.listing;
  const filter = items.find((item) => item.taxonFilter !== undefined)?.taxonFilter;
  if (filter?.file.path === undefined) {
    throw new ProcessingError(
      "item_input_missing",
      `dataset "${dataset.name}" keeps a taxon's subtree, and no subtree file is listed with its items`,
      {
        details: { dataset: dataset.name, problems: problems.map((p) => `${p.name}: ${p.message}`) },
        hint: `Run its ingest first (omicslake process ${dataset.name}): the genbank sync writes the subtree from the taxonomy dump`,
      },
    );
  }
  return readTaxidsFile(filter.file.path);
}

/** Runs one step, turning its failure into an outcome; a cancel goes through. */
async function guarded(
  dataset: string | undefined,
  label: string,
  fn: () => Promise<StepCounts>,
): Promise<StepOutcome> {
  try {
    const counts = await fn();
    return {
      ...(dataset !== undefined ? { dataset } : {}),
      step: label,
      ran: counts.ran,
      skipped: counts.skipped,
      failed: counts.failures.length,
      failures: counts.failures.map((f) => ({ ...f, message: errorMessage(f.error) })),
      problems: counts.problems ?? [],
    };
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return {
      ...(dataset !== undefined ? { dataset } : {}),
      step: label,
      ran: 0,
      skipped: 0,
      failed: 1,
      failures: [{ message: errorMessage(error), error }],
      problems: [],
    };
  }
}

function stepLabel(step: ResolvedStep): string {
  return step.kind === "builtin" ? step.step : stepDatasetName(step);
}
