import {
  buildSnapshot,
  consolidateMetadata,
  curatedObjectName,
  DEFAULT_CURATED_DATASET,
  defaultDuckLakeTarget,
  faultPoint,
  ingestConfigured,
  loadServing,
  processDataset,
  SERVING_ENTITY_NAMES,
  type CatalogObject,
  type ConsolidateResult,
  type Lake,
  type LakeConfig,
  type ProcessResult,
  type ServingEntityName,
  type ServingLoadResult,
  type SnapshotResult,
} from "@omicslake/lake";

export interface IngestSummary {
  readonly name: string;
  readonly fetched: number;
  readonly skipped: number;
  readonly processed?: ProcessResult;
  readonly error?: unknown;
}

/**
 * Fetches the configured public-metadata datasets into raw and parses each into processed Parquet.
 * A dataset whose fetch or parse fails is reported in its place; the others still run.
 */
export async function ingestAndProcess(
  lake: Lake,
  config: LakeConfig,
  names: readonly string[],
  log: (line: string) => void,
): Promise<IngestSummary[]> {
  const outcomes = await ingestConfigured(lake, config, names, {
    onProgress: (event) => {
      if (event.kind === "retry") log(`  retrying ${event.url}: ${event.reason}`);
    },
  });
  const summaries: IngestSummary[] = [];
  for (const outcome of outcomes) {
    const { result } = outcome;
    if (result === undefined) {
      summaries.push({ name: outcome.name, fetched: 0, skipped: 0, error: outcome.error });
      continue;
    }
    log(`  ${outcome.name}: ${result.fetched.length} fetched, ${result.skipped.length} unchanged`);
    try {
      const processed = await processDataset(lake, result.dataset);
      log(`  ${outcome.name}: ${Object.entries(processed.rowCounts).map(([k, v]) => `${v} ${k}`).join(", ") || "nothing new"} → processed`);
      summaries.push({ name: outcome.name, fetched: result.fetched.length, skipped: result.skipped.length, processed });
    } catch (error) {
      summaries.push({ name: outcome.name, fetched: result.fetched.length, skipped: result.skipped.length, error });
    }
  }
  return summaries;
}

/** Consolidates every processed metadata dataset into curated entities and registers them in DuckLake. */
export function consolidate(lake: Lake, config: Pick<LakeConfig, "root">): Promise<ConsolidateResult> {
  return consolidateMetadata(lake, { ducklake: defaultDuckLakeTarget(config.root), lakeRoot: config.root });
}

/** Builds the single-file DuckDB snapshot from the curated entities. */
export function snapshot(lake: Lake): Promise<SnapshotResult> {
  return buildSnapshot(lake);
}

/** Loads every curated entity into the serving tables with an A/B swap each. */
export async function loadCuratedIntoServing(lake: Lake, entities?: readonly ServingEntityName[]): Promise<ServingLoadResult[]> {
  const curated = await lake.dataset(`curated:${DEFAULT_CURATED_DATASET}`);
  const objects: Partial<Record<ServingEntityName, CatalogObject>> = {};
  for (const entity of entities ?? SERVING_ENTITY_NAMES) {
    const object = await lake.catalog.getObject(curated.id, curatedObjectName(entity)).catch(() => undefined);
    if (object) objects[entity] = object;
  }
  // Each batch inserted is a point where a kill leaves a half-filled idle table behind.
  return loadServing(lake, { objects, ...(entities ? { entities } : {}), onProgress: () => faultPoint("load.batch") });
}
