import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { EXPRESSION_BUILD_STEP, buildExpressionStore, buildSettingsOf } from "@omicslake/expression";
import { convertDataset } from "@omicslake/formats";
import {
  consolidate,
  curatedObjectName,
  DEFAULT_CURATED_DATASET,
  ingestAndProcess,
  loadCuratedIntoServing,
  SERVING_ENTITY_NAMES,
  servingStatus,
  snapshot,
  type ServingEntityName,
} from "@omicslake/metadata";
import { openLake, type Lake, type LakeConfig, type Run } from "@omicslake/core";
import { loadLakeConfig } from "../load-lake-config.js";
import { cliIo } from "../cli-io.js";
import { writeDemoFiles } from "./demo-data.js";
import { startDemoUpstream } from "./demo-upstream.js";

const DEMO_CONFIG = `# The omicslake demo lake: generated data, embedded PGlite catalog, local object storage.
# Inspect it with: omicslake --config <this file> catalog ls
# The public-metadata sources point at NCBI; the demo itself fetches from a local stand-in it starts.

[lake]
root = ".omicslake"

[server]
host = "127.0.0.1"
port = 8000

[source.sra]
kind = "sra"
options = { accessions_tab = false }

[source.geo]
kind = "geo"

[source.biosample]
kind = "biosample"

[source.bioproject]
kind = "bioproject"

[source.pubmed]
kind = "pubmed"

[role.demo]
description = "Demo datasets"

[role.metadata]
description = "Public metadata, parsed and consolidated per entity"

# The demo's own files (demo-samples, demo-pbmc-counts) are added to raw directly, as "omicslake add" does.

[data.sra]
source = "sra"
role = "metadata"

[data.geo]
source = "geo"
role = "metadata"
accessions = ["GSE900001", "GSE900002", "GSE900003"]

[data.biosample]
source = "biosample"
role = "metadata"

[data.bioproject]
source = "bioproject"
role = "metadata"

[data.pubmed]
source = "pubmed"
role = "metadata"
`;

const METADATA_DATASETS = ["sra", "geo", "biosample", "bioproject", "pubmed"] as const;

/**
 * Creates (or reopens) the demo lake in `dir`: generated upstream files added to raw, then carried
 * through the layers with provenance. An interrupted demo is finished by running it again: each step
 * is skipped only when a run of it succeeded (and, for loading, when the serving tables hold exactly
 * the curated bytes), never because a dataset or file exists — a killed step leaves those behind.
 */
export async function buildDemoLake(
  dir: string,
  log: (line: string) => void,
): Promise<{ config: LakeConfig; lake: Lake }> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const file = join(root, "omicslake.toml");
  if (!existsSync(file)) await writeFile(file, DEMO_CONFIG);
  // The run's environment, as every command reads its configuration (DATABASE_URL picks the catalog).
  const config = await loadLakeConfig({ file, env: cliIo().env });
  const lake = await openLake(config);
  try {
    const files = await writeDemoFiles(join(root, "upstream"));
    // Raw: an object counts once its catalog row exists, which is written only after its bytes are stored.
    const addOnce = async (
      dataset: string,
      paths: string[],
      options: { source: string; externalId?: string; tags: string[]; description: string },
    ): Promise<void> => {
      const missing = [];
      for (const path of paths) {
        const name = path.split("/").pop()!;
        if (!(await lake.catalog.findObjectByKey(`raw/${dataset}/${name}`))) missing.push(path);
      }
      if (missing.length === 0) return;
      const { objects } = await lake.addFiles(missing, { dataset, ...options });
      log(`  raw/${dataset}: ${objects.length} file(s)`);
    };
    log(`building the demo lake in ${root}`);
    await addOnce("demo-samples", [files.samples], {
      source: "lab",
      tags: ["demo", "samples"],
      description: "Sample sheet of the demo study",
    });
    await addOnce(
      "demo-pbmc-counts",
      [files.matrix.mtx, files.matrix.features, files.matrix.barcodes, files.matrix.cells],
      {
        source: "lab",
        tags: ["demo", "10x", "expression"],
        description: "A 10x-style count matrix (genes x cells) with cell metadata",
      },
    );
    let runs = await succeededRuns(lake);
    // Scientific files: converted to Parquet by content, with runs and schema versions.
    if (!runs.some((r) => r.step === "convert" && r.parameters["dataset"] === "demo-samples")) {
      await convertDataset(lake, "raw:demo-samples");
      log("  processed/demo-samples: converted to Parquet");
    }
    if (!runs.some((r) => r.step === "convert" && r.parameters["dataset"] === "demo-pbmc-counts")) {
      await convertDataset(lake, "raw:demo-pbmc-counts", { cellMetadata: "cells.tsv" });
      log("  processed/demo-pbmc-counts: converted to Parquet");
    }
    // The expression store of the counts: genes, cells with their cell type and donor, nonzeros laid out for
    // one-gene and one-cell-type scans (omicslake expr corr/cv/subset demo-pbmc-counts …).
    if (
      !runs.some((r) => r.step === EXPRESSION_BUILD_STEP && r.parameters["dataset"] === "demo-pbmc-counts")
    ) {
      const built = await buildExpressionStore(lake, "demo-pbmc-counts", buildSettingsOf(config));
      const { counts } = built.manifest;
      log(
        `  curated/demo-pbmc-counts.expression: ${counts.genes} genes x ${counts.cells} cells, ${counts.nonzeros} nonzeros`,
      );
    }
    if (
      !runs.some(
        (r) =>
          r.step === "promote" &&
          r.parameters["dataset"] === "demo-samples" &&
          r.parameters["to"] === "curated",
      )
    ) {
      // A copy a killed promotion left behind is not the promoted dataset: start it over.
      if (await lake.catalog.findDataset("demo-samples", "curated"))
        await lake.deleteDataset("curated:demo-samples");
      await lake.promote("processed:demo-samples", "curated");
      log("  curated/demo-samples: promoted");
    }
    // Public metadata: fetched from a local stand-in for NCBI, parsed, consolidated, published, loaded.
    const processedRun = (name: string): Run | undefined => {
      const ingested = runs.find((r) => r.step.startsWith("ingest:") && r.parameters["dataset"] === name);
      const processed = runs.find((r) => r.step.startsWith("process:") && r.parameters["dataset"] === name);
      return ingested !== undefined && processed !== undefined && processed.id > ingested.id
        ? processed
        : undefined;
    };
    const toIngest = METADATA_DATASETS.filter((name) => processedRun(name) === undefined);
    if (toIngest.length > 0) {
      const upstream = await startDemoUpstream();
      try {
        const local = withUpstream(config, upstream.url);
        log(`  fetching public metadata from a local stand-in for NCBI at ${upstream.url}`);
        const summaries = await ingestAndProcess(lake, local, toIngest, (line) => log(line));
        const failed = summaries.filter((s) => s.error !== undefined);
        if (failed.length > 0) throw failed[0]!.error;
      } finally {
        await upstream.close();
      }
      runs = await succeededRuns(lake);
    }
    const newestProcess = Math.max(...METADATA_DATASETS.map((name) => processedRun(name)?.id ?? Infinity));
    const consolidated = runs.find((r) => r.step === "consolidate");
    let consolidateId =
      consolidated !== undefined && consolidated.id > newestProcess ? consolidated.id : undefined;
    if (consolidateId === undefined) {
      const result = await consolidate(lake, config);
      consolidateId = result.run.id;
      log(
        `  curated/${result.curated.name}: ${result.entities.map((e) => `${e.rows} ${e.entity}`).join(", ")}`,
      );
    }
    const snapshotted = runs.find((r) => r.step === "snapshot");
    if (snapshotted === undefined || snapshotted.id < consolidateId) {
      const published = await snapshot(lake);
      log(`  ${published.object.key}: DuckDB snapshot`);
    }
    const stale = await entitiesToLoad(lake);
    if (stale.length > 0) {
      // A full load: it also loads the accession links (derived from every entity), which the API's
      // /v1/links and the dashboard's record pages read; the demo's tables are small.
      const results = await loadCuratedIntoServing(lake);
      log(`  serving tables loaded: ${results.map((r) => `${r.entity} (${r.rows})`).join(", ")}`);
    }
    const stats = await lake.stats();
    log(`demo lake ready: ${stats.datasets} datasets, ${stats.objects} objects`);
    return { config, lake };
  } catch (error) {
    await lake.close();
    throw error;
  }
}

/** Every succeeded run, newest first (a demo lake has a few dozen). */
async function succeededRuns(lake: Lake): Promise<Run[]> {
  const runs: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.catalog.listRuns({
      status: "succeeded",
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    runs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return runs;
}

/** Entities whose serving table does not hold the current curated object (by its sha256). */
async function entitiesToLoad(lake: Lake): Promise<ServingEntityName[]> {
  const curated = await lake.dataset(`curated:${DEFAULT_CURATED_DATASET}`);
  const status = new Map((await servingStatus(lake.servingClient())).map((s) => [s.entity, s]));
  const stale: ServingEntityName[] = [];
  for (const entity of SERVING_ENTITY_NAMES) {
    const object = await lake.catalog.getObject(curated.id, curatedObjectName(entity)).catch(() => undefined);
    if (object === undefined) continue;
    if (status.get(entity)?.sourceSha256 !== object.sha256) stale.push(entity);
  }
  return stale;
}

/** The configuration with every public-metadata source pointed at the local stand-in. */
function withUpstream(config: LakeConfig, base: string): LakeConfig {
  const sources = Object.fromEntries(
    Object.entries(config.sources).map(([name, source]) => [
      name,
      source.kind === "directory"
        ? source
        : { ...source, url: new URL(`${source.kind}/`, base).href, requests_per_second: 50 },
    ]),
  );
  return { ...config, sources };
}
