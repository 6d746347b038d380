import {
  CancelledError,
  datasetSteps,
  faultPoint,
  type CatalogObject,
  type Lake,
  type LakeConfig,
  type StepOptions,
} from "@omicslake/core";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingestConfigured } from "@omicslake/sources";
import { downloadObject } from "../curated-objects.js";
import { ACCESSION_LINKS_TABLE } from "../links/build-accession-links.js";
import { loadAccessionLinks } from "../links/load-accession-links.js";
import {
  consolidateMetadata,
  defaultDuckLakeTarget,
  type ConsolidateResult,
} from "../consolidation/consolidate-metadata.js";
import {
  curatedObjectName,
  DEFAULT_CURATED_DATASET,
  SERVING_ENTITY_NAMES,
  type ServingEntityName,
} from "../entities/index.js";
import { processDataset, type ProcessResult } from "../processing/process-dataset.js";
import { loadServing, type ServingLoadResult } from "../serving/serving-loader.js";
import type { ShrinkPolicy } from "../shrink-guard.js";
import { buildSnapshot, type SnapshotResult } from "../snapshot/build-snapshot.js";

/*
 * Flow 1 step by step, as the CLI drives it: ingest and process the configured datasets, consolidate, build
 * the snapshot, load the serving tables. Each step is its own function, with the configuration applied
 * (processing steps, shrink limits, DuckLake paths), so a caller runs one step alone or all in order.
 */

export interface IngestSummary {
  readonly name: string;
  readonly fetched: number;
  readonly skipped: number;
  readonly processed?: ProcessResult;
  readonly error?: unknown;
}

/**
 * Fetches the configured public-metadata datasets into raw and parses each into processed Parquet.
 * A dataset whose fetch or parse fails is reported in its place; the others still run. A cancel
 * (`options.signal`) stops everything with a CancelledError.
 */
export async function ingestAndProcess(
  lake: Lake,
  config: LakeConfig,
  names: readonly string[],
  log: (line: string) => void,
  options: StepOptions = {},
): Promise<IngestSummary[]> {
  const outcomes = await ingestConfigured(lake, config, names, {
    ...options,
    onRetry: (event) => log(`  retrying ${event.url}: ${event.reason}`),
  });
  const summaries: IngestSummary[] = [];
  for (const outcome of outcomes) {
    const { result } = outcome;
    if (outcome.items !== undefined) {
      // Trees, genomes, reads: their processing is configured per role and run by "omicslake process".
      const { items } = outcome;
      log(`  ${outcome.name}: ${items.ingested} item(s) ingested, ${items.unchanged} unchanged`);
      summaries.push({
        name: outcome.name,
        fetched: items.ingested,
        skipped: items.unchanged,
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      });
      continue;
    }
    if (result === undefined) {
      summaries.push({ name: outcome.name, fetched: 0, skipped: 0, error: outcome.error });
      continue;
    }
    log(`  ${outcome.name}: ${result.fetched.length} fetched, ${result.skipped.length} unchanged`);
    if (!datasetSteps(config, outcome.name).includes("parse")) {
      log(`  ${outcome.name}: kept in raw (its processing has no "parse" step)`);
      summaries.push({ name: outcome.name, fetched: result.fetched.length, skipped: result.skipped.length });
      continue;
    }
    const data = config.datasets[outcome.name];
    const sraAccessions = config.sources[data?.source ?? ""]?.kind === "sra" ? data?.accessions : undefined;
    try {
      const processed = await processDataset(lake, result.dataset, {
        ...options,
        ...(sraAccessions ? { accessions: sraAccessions } : {}),
      });
      for (const warning of processed.warnings) log(`  ${outcome.name}: ${warning}`);
      log(
        `  ${outcome.name}: ${
          Object.entries(processed.rowCounts)
            .map(([k, v]) => `${v} ${k}`)
            .join(", ") || "nothing new"
        } → processed`,
      );
      summaries.push({
        name: outcome.name,
        fetched: result.fetched.length,
        skipped: result.skipped.length,
        processed,
      });
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      summaries.push({
        name: outcome.name,
        fetched: result.fetched.length,
        skipped: result.skipped.length,
        error,
      });
    }
  }
  return summaries;
}

/**
 * Consolidates every processed metadata dataset into curated entities and registers them in DuckLake;
 * configured datasets whose processing omits "consolidate" are left out. Refuses to publish entities
 * that shrank beyond `[metadata] max_shrink` unless `allowShrink`.
 */
export function consolidate(
  lake: Lake,
  config: Pick<LakeConfig, "root"> & Partial<Pick<LakeConfig, "metadata" | "dataModel">>,
  options: { readonly allowShrink?: boolean } & StepOptions = {},
): Promise<ConsolidateResult> {
  const steps = { dataModel: config.dataModel ?? {} };
  const exclude = Object.keys(steps.dataModel).filter(
    (name) => !datasetSteps(steps, name).includes("consolidate"),
  );
  return consolidateMetadata(lake, {
    ducklake: defaultDuckLakeTarget(config.root),
    lakeRoot: config.root,
    exclude,
    shrink: shrinkPolicy(config, options),
    ...stepOptions(options),
  });
}

/** The signal and progress listener of `options`, without the other settings. */
function stepOptions(options: StepOptions): StepOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}

/** `[metadata] max_shrink` and `--allow-shrink` as the publication steps take them. */
export function shrinkPolicy(
  config: Partial<Pick<LakeConfig, "metadata">>,
  options: { readonly allowShrink?: boolean },
): ShrinkPolicy {
  return {
    ...(config.metadata !== undefined ? { maxShrink: config.metadata.max_shrink } : {}),
    allowShrink: options.allowShrink === true,
  };
}

/** Builds the single-file DuckDB snapshot from the curated entities. */
export function snapshot(lake: Lake, options: StepOptions = {}): Promise<SnapshotResult> {
  return buildSnapshot(lake, stepOptions(options));
}

/** Loads every curated entity into the serving tables with an A/B swap each, then (on a full load) the accession links. */
export async function loadCuratedIntoServing(
  lake: Lake,
  entities?: readonly ServingEntityName[],
  shrink?: ShrinkPolicy,
  options: StepOptions = {},
): Promise<ServingLoadResult[]> {
  const curated = await lake.dataset(`curated:${DEFAULT_CURATED_DATASET}`);
  const objects: Partial<Record<ServingEntityName, CatalogObject>> = {};
  for (const entity of entities ?? SERVING_ENTITY_NAMES) {
    const object = await lake.catalog.getObject(curated.id, curatedObjectName(entity)).catch(() => undefined);
    if (object) objects[entity] = object;
  }
  // Each batch inserted is a point where a kill leaves a half-filled idle table behind.
  const results = await loadServing(lake, {
    objects,
    ...(entities ? { entities } : {}),
    ...(shrink ? { shrink } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (event) => {
      if (event.stage === "rows") faultPoint("load.batch");
      options.onProgress?.(event);
    },
  });
  // The links are derived from every entity, so they are reloaded with a full load only.
  if (entities === undefined) {
    const links = await lake.catalog
      .getObject(curated.id, curatedObjectName(ACCESSION_LINKS_TABLE))
      .catch(() => undefined);
    if (links) await loadLinksObject(lake, links, shrink, options);
  }
  return results;
}

/** Copies the curated links object (checksum verified) to a scratch file and loads it into serving. */
async function loadLinksObject(
  lake: Lake,
  object: CatalogObject,
  shrink: ShrinkPolicy | undefined,
  options: StepOptions,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "omicslake-links-"));
  try {
    const local = join(dir, curatedObjectName(ACCESSION_LINKS_TABLE));
    await downloadObject(lake, object, local);
    await loadAccessionLinks(lake.servingClient(), local, {
      sha256: object.sha256,
      source: object.key,
      ...(shrink ? { shrink } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (event) => {
        if (event.stage === "rows") faultPoint("load.batch");
        options.onProgress?.(event);
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
