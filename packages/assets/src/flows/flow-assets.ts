import {
  datasetAutomation,
  datasetSteps,
  openBackupStore,
  PUBLIC_METADATA_KINDS,
  runBackup,
  type CatalogObject,
  type Lake,
  type LakeConfig,
  type ResolvedDataset,
  type StepOptions,
} from "@omicslake/core";
import { buildConfiguredExpressionStore } from "@omicslake/expression";
import {
  consolidate,
  curatedObjectName,
  loadCuratedIntoServing,
  processDataset,
  shrinkPolicy,
  snapshot,
} from "@omicslake/metadata";
import {
  bindKind,
  datasetItems,
  ingestConfigured,
  processDatasets,
  stepDatasetName,
  type ProcessSummary,
} from "@omicslake/sources";
import { AssetError } from "../asset-error.js";
import type {
  AssetDependency,
  AssetKey,
  AssetOutput,
  MaterializeContext,
  MaterializeResult,
} from "../graph/asset-definition.js";
import type { PartitionsDefinition } from "../partitions/partitions-definition.js";
import { ASSET_PROCESS_HANDLERS } from "./asset-process-handlers.js";
import { ManifestCache } from "./manifest-cache.js";
import { versionOfFacts } from "./data-version.js";
import { groupByPartition, rawObjectsOf, type MetadataFormat } from "./raw-partition-key.js";

/** Where an asset's automation condition comes from, for the parser's messages and `config check`. */
export interface AutomationSource {
  readonly text: string;
  /** `[data.geo] automation`, `[asset."metadata/serving"] automation`, or the default's description. */
  readonly where: string;
  /** The config table and key, when the text was written in the config. */
  readonly section?: string;
  readonly key?: string;
}

/**
 * An asset as a flow defines it, before `[asset."KEY"]` settings and a lake are applied: what
 * `buildAssetDefinitions` turns into definitions and `checkAssetConfig` checks the config against.
 */
export interface FlowAsset {
  readonly key: AssetKey;
  readonly description: string;
  readonly group: string;
  readonly tags: readonly string[];
  readonly deps: readonly AssetDependency[];
  /** The condition from the dataset's config, or the flow's default. */
  readonly automation: AutomationSource;
  /** Takes a lake-wide lock (consolidation, snapshot, serving load): never two at once. */
  readonly lakeWide?: boolean;
  /** Present for a partitioned asset: its partitions as seen in `lake`. */
  partitions?(lake: Lake): PartitionsDefinition;
  materialize(context: MaterializeContext): Promise<MaterializeResult>;
}

const METADATA_KINDS = new Set(PUBLIC_METADATA_KINDS.map((spec) => spec.kind));
/** The dataset steps that are assets of their own (the fetch, the expression store), not part of processing. */
const OWN_ASSET_STEPS = new Set(["ingest", "expression"]);
const LAKE_WIDE_STEPS = new Set(["consolidate", "snapshot", "load"]);

const EAGER: (key: AssetKey) => AutomationSource = (key) => ({
  text: "eager",
  where: `the default automation of ${key}`,
});

/**
 * Every flow's steps as assets, derived from the configuration: per dataset its fetch (`data/<x>/raw`), its
 * processing (`data/<x>/processed`, partitioned like its raw files for the public-metadata feeds, by item
 * for a configured dataset whose processing is command steps) and its
 * expression store (`data/<x>/expression`); the lake-wide metadata steps when a dataset consolidates; the
 * backup. Dataset names become lower-case key segments: two names equal but for case are refused.
 */
export function flowAssets(config: LakeConfig): FlowAsset[] {
  const assets: FlowAsset[] = [];
  const segments = new Map<string, string>();
  const consolidating: AssetKey[] = [];
  let lakeWide = false;
  for (const dataset of Object.values(config.dataModel)) {
    const segment = dataset.name.toLowerCase();
    const other = segments.get(segment);
    if (other !== undefined) {
      throw new AssetError(
        "config_error",
        `datasets "${other}" and "${dataset.name}" would both be the assets data/${segment}/…: asset keys are lower-case`,
        {
          details: { section: `data.${dataset.name}`, datasets: [other, dataset.name] },
          hint: `Rename one of [data.${other}] and [data.${dataset.name}] so that they differ by more than case`,
        },
      );
    }
    segments.set(segment, dataset.name);
    const group = `data/${segment}`;
    const raw = rawAsset(config, dataset, group);
    assets.push(raw);
    if (METADATA_KINDS.has(dataset.kind)) {
      const steps = datasetSteps(config, dataset.name);
      if (steps.includes("parse")) {
        assets.push(metadataProcessedAsset(config, dataset, group, raw.key));
        if (steps.includes("consolidate")) consolidating.push(`${group}/processed`);
      }
      if (steps.includes("consolidate")) lakeWide = true;
    }
    for (const step of dataset.steps)
      if (step.kind === "builtin" && LAKE_WIDE_STEPS.has(step.step)) lakeWide = true;
    if (!METADATA_KINDS.has(dataset.kind)) {
      const processed =
        processingSteps(dataset).length === 0
          ? undefined
          : itemPartitioned(dataset)
            ? itemProcessedAsset(config, dataset, group, raw.key)
            : configuredProcessedAsset(config, dataset, group, raw.key);
      if (processed) assets.push(processed);
      if (dataset.steps.some((s) => s.kind === "builtin" && s.step === "expression"))
        assets.push(expressionAsset(config, dataset, group, processed?.key ?? raw.key));
    }
  }
  if (lakeWide) assets.push(...metadataAssets(config, consolidating));
  assets.push(backupAsset(config));
  return assets;
}

function stepOptions(context: MaterializeContext): StepOptions {
  return { signal: context.signal, ...(context.onProgress ? { onProgress: context.onProgress } : {}) };
}

/** A failure reported as a value (ingest and processing summaries) thrown as the error it is. */
function rethrow(error: unknown, what: string): never {
  if (error instanceof Error) throw error;
  throw new AssetError("asset_failed", `${what} failed: ${JSON.stringify(error)}`);
}

function datasetTags(config: LakeConfig, dataset: ResolvedDataset, layer: string): string[] {
  return [
    `kind:${dataset.kind}`,
    `role:${dataset.role}`,
    `layer:${layer}`,
    ...(config.datasets[dataset.name]?.tags ?? []),
  ];
}

function rawAsset(config: LakeConfig, dataset: ResolvedDataset, group: string): FlowAsset {
  const key = `${group}/raw`;
  const own = datasetAutomation(config.datasets[dataset.name] ?? {});
  const metadata = METADATA_KINDS.has(dataset.kind);
  const format = dataset.kind as MetadataFormat;
  const partitioned = metadata && datasetSteps(config, dataset.name).includes("parse");
  const perItem = !metadata && itemPartitioned(dataset);
  return {
    key,
    description: metadata
      ? `${dataset.kind} files of dataset "${dataset.name}" fetched from upstream into raw (omicslake ingest ${dataset.name}, without the parse)`
      : `the items of dataset "${dataset.name}" (${dataset.kind}) synced and added to raw (omicslake ingest ${dataset.name})`,
    group,
    tags: datasetTags(config, dataset, "raw"),
    deps: [],
    automation: own
      ? {
          text: own.text,
          where: `[data.${dataset.name}] ${own.key}`,
          section: `data.${dataset.name}`,
          key: own.key,
        }
      : { text: "manual", where: `the default automation of ${key} (fetches run when asked)` },
    async materialize(context) {
      const [outcome] = await ingestConfigured(context.lake, config, [dataset.name], {
        ...stepOptions(context),
        onRetry: (event) => context.log(`retrying ${event.url}: ${event.reason}`),
      });
      if (outcome === undefined) throw new Error(`ingestConfigured returned nothing for ${dataset.name}`);
      if (outcome.error !== undefined) rethrow(outcome.error, `the ingest of ${dataset.name}`);
      const objects = await rawObjectsOf(context.lake, dataset.name);
      const outputs: AssetOutput[] = [];
      const facts: Record<string, unknown> = {};
      if (outcome.result !== undefined) {
        const { fetched, skipped } = outcome.result;
        context.log(`${dataset.name}: ${fetched.length} fetched, ${skipped.length} unchanged`);
        facts["fetched"] = fetched.length;
        facts["unchanged"] = skipped.length;
        // Files download concurrently: listed by key, the outputs do not depend on which came first.
        const byKey = [...fetched].sort((a, b) => (a.object.key < b.object.key ? -1 : 1));
        for (const file of byKey)
          outputs.push({
            dataset: dataset.name,
            layer: "raw",
            object: file.object.key,
            sha256: file.object.sha256,
            bytes: file.object.size,
          });
      } else if (outcome.items !== undefined) {
        context.log(
          `${dataset.name}: ${outcome.items.ingested} item(s) ingested, ${outcome.items.unchanged} unchanged`,
        );
        facts["ingested"] = outcome.items.ingested;
        facts["unchanged"] = outcome.items.unchanged;
      }
      if (partitioned) {
        // A fetch that brings one new PubMed file changes one processed partition, not all of them.
        const versions: Record<string, string> = {};
        for (const [partition, members] of groupByPartition(format, objects))
          versions[partition] = versionOfFacts(members.map((o) => `${o.name} ${o.sha256}`));
        facts["partitionVersions"] = versions;
      }
      if (perItem) {
        // An ingest that brings one new or changed item changes that item's processed partition only.
        const versions: Record<string, string> = {};
        for (const [item, record] of await context.lake.catalog.itemRuns.forStep(
          dataset.name,
          // The ingest's item records belong to no processing section.
          "",
          "ingest",
        ))
          versions[item] = versionOfFacts(record.outputs.map((o) => `${o.key} ${o.sha256} ${o.size}`));
        facts["partitionVersions"] = versions;
      }
      return {
        dataVersion: versionOfFacts(objects.map((o) => `${o.name} ${o.sha256}`)),
        outputs,
        metadata: { ...facts, objects: objects.length },
      };
    },
  };
}

function metadataProcessedAsset(
  config: LakeConfig,
  dataset: ResolvedDataset,
  group: string,
  rawKey: AssetKey,
): FlowAsset {
  const key = `${group}/processed`;
  const format = dataset.kind as MetadataFormat;
  const accessions = dataset.kind === "sra" ? config.datasets[dataset.name]?.accessions : undefined;
  const manifests = new ManifestCache();
  return {
    key,
    description: `${dataset.kind} records of dataset "${dataset.name}" parsed into processed Parquet, one partition per ${PARTITION_UNITS[format] ?? "group of raw files"}`,
    group,
    tags: datasetTags(config, dataset, "processed"),
    deps: [{ key: rawKey, mapping: "all" }],
    automation: EAGER(key),
    partitions: (lake) =>
      partitionsFollowingRaw(lake, dataset.name, group, async () => [
        ...groupByPartition(format, await rawObjectsOf(lake, dataset.name)).keys(),
      ]),
    async materialize(context) {
      const partition = context.partition;
      if (partition === undefined) throw new Error(`${key} is partitioned: a partition is needed`);
      const groups = groupByPartition(format, await rawObjectsOf(context.lake, dataset.name));
      const members = groups.get(partition);
      if (members === undefined) {
        throw new AssetError(
          "not_found",
          `${key} has no partition "${partition}": no raw file of ${dataset.name} is in it`,
          {
            details: { key, partition },
            hint: `Partitions now: ${[...groups.keys()].slice(-10).join(", ") || "(none: fetch first)"}`,
          },
        );
      }
      const names = new Set(members.map((o) => o.name));
      const result = await processDataset(context.lake, `raw:${dataset.name}`, {
        ...stepOptions(context),
        ...(accessions?.length ? { accessions } : {}),
        objects: (name) => names.has(name),
      });
      for (const warning of result.warnings) context.log(warning);
      context.log(
        `${dataset.name} [${partition}]: ${result.processedUnits} unit(s) parsed, ${
          Object.entries(result.rowCounts)
            .map(([kind, rows]) => `${rows} ${kind}`)
            .join(", ") || "nothing new"
        }`,
      );
      // The partition's files as processed now, whichever run wrote them: a rerun that finds every unit
      // done gives the same version.
      const inputs = new Set(members.map((o) => `${o.key}\0${o.sha256}`));
      const outputs = (await manifests.manifests(context.lake, result.processed))
        .filter((manifest) => manifest.inputs.some((i) => inputs.has(`${i.key}\0${i.sha256}`)))
        .flatMap((manifest) => manifest.outputs)
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return {
        dataVersion: versionOfFacts([
          ...members.map((o) => `raw ${o.name} ${o.sha256}`),
          ...outputs.map((o) => `processed ${o.name} ${o.sha256}`),
        ]),
        outputs: outputs.map((o) => ({
          dataset: result.processed.name,
          layer: "processed",
          object: o.key,
          sha256: o.sha256,
          rows: o.rows,
          bytes: o.size,
        })),
        metadata: { rawFiles: members.length, parsedUnits: result.processedUnits, rows: result.rowCounts },
      };
    },
  };
}

const PARTITION_UNITS: Partial<Record<MetadataFormat, string>> = {
  geo: "month of update",
  pubmed: "baseline or update file",
  sra: "Mirroring batch",
  biosample: "day fetched",
  bioproject: "day fetched",
};

/** The steps a configured dataset's processed asset runs: all but its fetch and its expression store. */
function processingSteps(dataset: ResolvedDataset): ResolvedDataset["steps"] {
  return dataset.steps.filter((s) => s.kind !== "builtin" || !OWN_ASSET_STEPS.has(s.step));
}

/**
 * Whether a configured dataset's processing is partitioned by its items: when every step of it is a command
 * step, which runs item by item. A built-in step (convert, checksum, parse, or a lake-wide one) works on the
 * whole dataset or the lake, and would run again for every item: such processing stays one asset.
 */
function itemPartitioned(dataset: ResolvedDataset): boolean {
  const steps = processingSteps(dataset);
  return steps.length > 0 && steps.every((s) => s.kind === "command");
}

/**
 * A configured dataset's processing with one partition per item (`DataItem.key`, as its kind lists them):
 * a partition runs the command steps on its item alone, so a new or changed item is processed without the
 * others being looked at, and a failed item is retried by itself.
 */
function itemProcessedAsset(
  config: LakeConfig,
  dataset: ResolvedDataset,
  group: string,
  rawKey: AssetKey,
): FlowAsset {
  const key = `${group}/processed`;
  const steps = processingSteps(dataset);
  return {
    key,
    description: `the processing of dataset "${dataset.name}" (${steps.map(stepLabel).join(", ")}), one partition per item`,
    group,
    tags: datasetTags(config, dataset, "processed"),
    deps: [{ key: rawKey, mapping: "all" }],
    automation: EAGER(key),
    partitions: (lake) =>
      // Before an ingest the processing would find no new item's files in raw anyway.
      partitionsFollowingRaw(lake, dataset.name, group, async () => {
        const { items } = await datasetItems(bindKind(lake, config, dataset.name, {}));
        return items.map((item) => item.key).sort();
      }),
    async materialize(context) {
      const item = context.partition;
      if (item === undefined) throw new Error(`${key} is partitioned: a partition is needed`);
      const summary = await runProcessing(context, config, dataset, steps, [item]);
      if (summary.failed) {
        // An item the listing does not have (gone from the tree) fails the same way on every attempt: its
        // own error, which the executor does not retry.
        const refused = summary.steps
          .flatMap((s) => s.failures)
          .find((f) => f.item === undefined && errorCode(f.error) === "invalid_source_config");
        if (refused !== undefined) throw refused.error;
        const failures = summary.steps.flatMap((s) => s.failures.map((f) => `${s.step}: ${f.message}`));
        throw new AssetError(
          "asset_failed",
          `processing of item "${item}" of dataset "${dataset.name}" failed: ${failures.slice(0, 5).join("; ")}`,
          {
            details: { key, partition: item, dataset: dataset.name, failures },
            hint: `The log of the run lists every failure; "omicslake process ${dataset.name}" runs the same steps`,
          },
        );
      }
      // The item's records as they are now, whichever run wrote them: a rerun that skips gives the same version.
      const facts: string[] = [];
      const outputs: AssetOutput[] = [];
      for (const step of steps) {
        if (step.kind !== "command") continue;
        const record = (
          await context.lake.catalog.itemRuns.forStep(dataset.name, step.section, step.name)
        ).get(item);
        if (record === undefined) continue;
        facts.push(`${stepDatasetName(step)} ${record.fingerprint}`);
        outputs.push(...commandOutputs(step, record));
      }
      return {
        dataVersion: versionOfFacts(facts),
        outputs,
        metadata: { steps: summary.steps.map((s) => ({ step: s.step, ran: s.ran, skipped: s.skipped })) },
      };
    },
  };
}

/**
 * A configured dataset's processing as one unpartitioned asset, when a step of it works on the whole
 * dataset (see `itemPartitioned`); `processDatasets` skips items whose inputs are unchanged itself.
 */
function configuredProcessedAsset(
  config: LakeConfig,
  dataset: ResolvedDataset,
  group: string,
  rawKey: AssetKey,
): FlowAsset {
  const key = `${group}/processed`;
  const steps = processingSteps(dataset);
  return {
    key,
    description: `the processing of dataset "${dataset.name}" (${steps.map(stepLabel).join(", ")}) over its items, unchanged items skipped`,
    group,
    tags: datasetTags(config, dataset, "processed"),
    deps: [{ key: rawKey }],
    automation: EAGER(key),
    async materialize(context) {
      const summary = await runProcessing(context, config, dataset, steps);
      if (summary.failed) {
        const failures = summary.steps.flatMap((s) =>
          s.failures.map((f) => `${s.step}${f.item !== undefined ? ` ${f.item}` : ""}: ${f.message}`),
        );
        throw new AssetError(
          "asset_failed",
          `processing of dataset "${dataset.name}" failed: ${failures.slice(0, 5).join("; ")}`,
          {
            details: { key, dataset: dataset.name, failures },
            hint: `The log of the run lists every failure; "omicslake process ${dataset.name}" runs the same steps`,
          },
        );
      }
      const facts: string[] = [];
      const outputs: AssetOutput[] = [];
      const processed = await context.lake.catalog.findDataset(dataset.name, "processed");
      if (processed !== undefined) {
        for (const object of await listAll(context.lake, processed.id)) {
          facts.push(`object ${object.name} ${object.sha256}`);
          outputs.push({
            dataset: dataset.name,
            layer: "processed",
            object: object.key,
            sha256: object.sha256,
            bytes: object.size,
          });
        }
      }
      for (const step of steps) {
        if (step.kind !== "command") continue;
        for (const [item, record] of await context.lake.catalog.itemRuns.forStep(
          dataset.name,
          step.section,
          step.name,
        )) {
          facts.push(`${stepDatasetName(step)} ${item} ${record.fingerprint}`);
          outputs.push(...commandOutputs(step, record));
        }
      }
      return {
        dataVersion: versionOfFacts(facts),
        outputs,
        metadata: { steps: summary.steps.map((s) => ({ step: s.step, ran: s.ran, skipped: s.skipped })) },
      };
    },
  };
}

function errorCode(error: unknown): unknown {
  return error !== null && typeof error === "object" ? (error as { code?: unknown }).code : undefined;
}

function stepLabel(step: ResolvedDataset["steps"][number]): string {
  return step.kind === "builtin" ? step.step : stepDatasetName(step);
}

function expressionAsset(
  config: LakeConfig,
  dataset: ResolvedDataset,
  group: string,
  upstream: AssetKey,
): FlowAsset {
  const key = `${group}/expression`;
  return {
    key,
    description: `the expression store of dataset "${dataset.name}" built from its converted matrix (omicslake expr build)`,
    group,
    tags: datasetTags(config, dataset, "curated"),
    deps: [{ key: upstream }],
    automation: EAGER(key),
    async materialize(context) {
      const { manifest, dataset: store } = await buildConfiguredExpressionStore(
        context.lake,
        config,
        dataset.name,
        stepOptions(context),
      );
      context.log(
        `${dataset.name}: build ${manifest.build}, ${manifest.counts.genes} genes x ${manifest.counts.cells} cells`,
      );
      // The build number grows with every build: the version is what it was built from and what it holds.
      return {
        dataVersion: versionOfFacts([
          `source ${manifest.source.dataset} ${manifest.source.matrix} ${manifest.source.format}`,
          ...manifest.source.objects.map((o) => `input ${o.name} ${o.sha256}`),
          `counts ${manifest.counts.genes} ${manifest.counts.cells} ${manifest.counts.nonzeros}`,
          `group ${manifest.groupBy ?? ""}`,
        ]),
        outputs: [{ dataset: store.name, layer: store.layer, rows: manifest.counts.cells }],
        metadata: { build: manifest.build, ...manifest.counts },
      };
    },
  };
}

function metadataAssets(config: LakeConfig, consolidating: readonly AssetKey[]): FlowAsset[] {
  const curated: FlowAsset = {
    key: "metadata/curated",
    description:
      "every processed metadata dataset consolidated into one curated Parquet per entity, registered in DuckLake (omicslake consolidate)",
    group: "metadata",
    tags: ["layer:curated", "flow:metadata"],
    deps: consolidating.map((key) => ({ key, mapping: "all" as const })),
    automation: EAGER("metadata/curated"),
    lakeWide: true,
    async materialize(context) {
      const result = await consolidate(context.lake, config, stepOptions(context));
      const rows = new Map(result.entities.map((e) => [curatedObjectName(e.entity), e.rows]));
      const objects = await listAll(context.lake, result.curated.id);
      return {
        dataVersion: versionOfFacts(objects.map((o) => `${o.name} ${o.sha256}`)),
        outputs: objects.map((o) => ({
          dataset: result.curated.name,
          layer: "curated",
          object: o.key,
          sha256: o.sha256,
          bytes: o.size,
          ...(rows.has(o.name) ? { rows: rows.get(o.name)! } : {}),
        })),
        metadata: { entities: Object.fromEntries(result.entities.map((e) => [e.entity, e.rows])) },
      };
    },
  };
  const versionsRead = (context: MaterializeContext): string[] =>
    context.inputs.map((input) => `input ${input.key} ${input.partition ?? ""} ${input.dataVersion}`);
  const snapshotAsset: FlowAsset = {
    key: "metadata/snapshot",
    description: "the single-file omicslake.duckdb built from the curated entities (omicslake snapshot)",
    group: "metadata",
    tags: ["layer:curated", "flow:metadata"],
    deps: [{ key: "metadata/curated" }],
    automation: EAGER("metadata/snapshot"),
    lakeWide: true,
    async materialize(context) {
      const result = await snapshot(context.lake, stepOptions(context));
      // A DuckDB file's bytes differ from build to build: the same curated data read gives the same version.
      return {
        dataVersion: versionOfFacts([
          ...versionsRead(context),
          ...Object.entries(result.rowCounts).map(([table, rows]) => `rows ${table} ${rows}`),
        ]),
        outputs: [
          {
            layer: result.object.layer,
            object: result.object.key,
            sha256: result.object.sha256,
            bytes: result.object.size,
          },
        ],
        metadata: { rows: result.rowCounts },
      };
    },
  };
  const serving: FlowAsset = {
    key: "metadata/serving",
    description:
      "every curated entity loaded into the serving tables the API reads, with an A/B swap each (omicslake load)",
    group: "metadata",
    tags: ["layer:serving", "flow:metadata"],
    deps: [{ key: "metadata/curated" }],
    automation: EAGER("metadata/serving"),
    lakeWide: true,
    async materialize(context) {
      const results = await loadCuratedIntoServing(
        context.lake,
        undefined,
        shrinkPolicy(config, {}),
        stepOptions(context),
      );
      return {
        dataVersion: versionOfFacts(results.map((r) => `${r.entity} ${r.sourceSha256} ${r.rows}`)),
        outputs: results.map((r) => ({ dataset: r.entity, layer: "serving", object: r.table, rows: r.rows })),
        metadata: { entities: Object.fromEntries(results.map((r) => [r.entity, r.rows])) },
      };
    },
  };
  return [curated, snapshotAsset, serving];
}

function backupAsset(config: LakeConfig): FlowAsset {
  return {
    key: "lake/backup",
    description:
      "a backup of the catalog and of every object not yet at the destination, with a manifest (omicslake backup)",
    group: "lake",
    tags: ["layer:archive", "flow:backup"],
    deps: [],
    automation: { text: "manual", where: "the default automation of lake/backup (backups run when asked)" },
    lakeWide: true,
    async materialize(context) {
      const destination = await openBackupStore(config, context.lake.store);
      try {
        const job = await runBackup(context.lake, {
          kind: "manual",
          destination: destination.store,
          retention: { keepDaily: config.backup.keepDaily, keepWeekly: config.backup.keepWeekly },
          ...(config.file !== undefined ? { configFile: config.file } : {}),
          signal: context.signal,
        });
        context.log(`backup ${job.id}: ${job.objects} objects, ${job.bytesCopied} bytes copied`);
        // No data version: every backup is a new one (the executor gives it a fresh version).
        return {
          outputs: job.manifest
            ? [{ layer: "archive", object: job.manifest.key, sha256: job.manifest.sha256, bytes: job.bytes }]
            : [],
          metadata: { backup: job.id, objects: job.objects, bytesCopied: job.bytesCopied },
        };
      } finally {
        await destination.close();
      }
    },
  };
}

async function listAll(lake: Lake, datasetId: number): Promise<CatalogObject[]> {
  const objects: CatalogObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.catalog.listObjects(datasetId, { limit: 500, ...(cursor ? { cursor } : {}) });
    objects.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return objects;
}

/**
 * Dynamic partitions listed from a dataset's raw layer. The daemon lists keys at every evaluation; raw only
 * grows, so while its object count and size stay the same its partitions do too, and one catalog read
 * replaces a listing of every object (or item).
 */
function partitionsFollowingRaw(
  lake: Lake,
  datasetName: string,
  name: string,
  list: () => Promise<readonly string[]>,
): PartitionsDefinition {
  let known: { readonly stamp: string; readonly keys: readonly string[] } | undefined;
  return {
    kind: "dynamic",
    name,
    keys: async () => {
      const raw = await lake.catalog.findDataset(datasetName, "raw");
      if (raw === undefined) return [];
      const stamp = `${raw.id} ${raw.objectCount} ${raw.totalBytes}`;
      if (known?.stamp !== stamp) known = { stamp, keys: await list() };
      return known.keys;
    },
  };
}

/**
 * Runs a configured dataset's processing steps (all of them, or on `items` alone) as `omicslake process`
 * would, with each step's counts in the run's log.
 */
async function runProcessing(
  context: MaterializeContext,
  config: LakeConfig,
  dataset: ResolvedDataset,
  steps: ResolvedDataset["steps"],
  items?: readonly string[],
): Promise<ProcessSummary> {
  const narrowed: LakeConfig = {
    ...config,
    dataModel: { ...config.dataModel, [dataset.name]: { ...dataset, steps } },
  };
  const summary = await processDatasets(context.lake, narrowed, {
    ...stepOptions(context),
    names: [dataset.name],
    ...(items !== undefined ? { items } : {}),
    handlers: ASSET_PROCESS_HANDLERS,
    log: (line) => context.log(line),
  });
  for (const step of summary.steps)
    context.log(`${step.step}: ${step.ran} ran, ${step.skipped} skipped, ${step.failed} failed`);
  return summary;
}

/** The objects one item's run of a command step wrote, as asset outputs. */
function commandOutputs(
  step: Extract<ResolvedDataset["steps"][number], { kind: "command" }>,
  record: { readonly outputs: readonly { key: string; sha256: string; size: number }[] },
): AssetOutput[] {
  return record.outputs.map((output) => ({
    dataset: stepDatasetName(step),
    layer: "processed",
    object: output.key,
    sha256: output.sha256,
    bytes: output.size,
  }));
}
