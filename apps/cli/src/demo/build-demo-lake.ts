import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { convertDataset, DEFAULT_CURATED_DATASET, loadConfig, openLake, servingStatus, type Lake, type LakeConfig } from "@omicslake/lake";
import { consolidate, ingestAndProcess, loadCuratedIntoServing, snapshot } from "../flows/metadata-pipeline.js";
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

/**
 * Creates (or reopens) the demo lake in `dir`: generated upstream files added to raw, then carried
 * through the layers with provenance. Every step checks what already exists, so an interrupted
 * demo is finished by running it again.
 */
export async function buildDemoLake(dir: string, log: (line: string) => void): Promise<{ config: LakeConfig; lake: Lake }> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const file = join(root, "omicslake.toml");
  if (!existsSync(file)) await writeFile(file, DEMO_CONFIG);
  const config = await loadConfig({ file });
  const lake = await openLake(config);
  try {
    const files = await writeDemoFiles(join(root, "upstream"));
    const addOnce = async (dataset: string, paths: string[], options: { source: string; externalId?: string; tags: string[]; description: string }): Promise<void> => {
      const existing = await lake.catalog.findDataset(dataset, "raw");
      if (existing && existing.objectCount >= paths.length) return;
      const missing = [];
      for (const path of paths) {
        const name = path.split("/").pop()!;
        if (!existing || !(await lake.catalog.findObjectByKey(`raw/${dataset}/${name}`))) missing.push(path);
      }
      const { objects } = await lake.addFiles(missing, { dataset, ...options });
      log(`  raw/${dataset}: ${objects.length} file(s)`);
    };
    log(`building the demo lake in ${root}`);
    await addOnce("demo-samples", [files.samples], { source: "lab", tags: ["demo", "samples"], description: "Sample sheet of the demo study" });
    await addOnce("demo-pbmc-counts", [files.matrix.mtx, files.matrix.features, files.matrix.barcodes, files.matrix.cells], {
      source: "lab",
      tags: ["demo", "10x", "expression"],
      description: "A 10x-style count matrix (genes x cells) with cell metadata",
    });
    // Scientific files: converted to Parquet by content, with runs and schema versions.
    if (!(await lake.catalog.findDataset("demo-samples", "processed"))) {
      await convertDataset(lake, "raw:demo-samples");
      log("  processed/demo-samples: converted to Parquet");
    }
    if (!(await lake.catalog.findDataset("demo-pbmc-counts", "processed"))) {
      await convertDataset(lake, "raw:demo-pbmc-counts", { cellMetadata: "cells.tsv" });
      log("  processed/demo-pbmc-counts: converted to Parquet");
    }
    if (!(await lake.catalog.findDataset("demo-samples", "curated"))) {
      await lake.promote("processed:demo-samples", "curated");
      log("  curated/demo-samples: promoted");
    }
    // Public metadata: fetched from a local stand-in for NCBI, parsed, consolidated, published, loaded.
    if (!(await lake.catalog.findDataset(DEFAULT_CURATED_DATASET, "curated"))) {
      const upstream = await startDemoUpstream();
      try {
        const local = withUpstream(config, upstream.url);
        log(`  fetching public metadata from a local stand-in for NCBI at ${upstream.url}`);
        const summaries = await ingestAndProcess(lake, local, ["sra", "geo", "biosample", "bioproject", "pubmed"], (line) => log(line));
        const failed = summaries.filter((s) => s.error !== undefined);
        if (failed.length > 0) throw failed[0]!.error;
      } finally {
        await upstream.close();
      }
      const consolidated = await consolidate(lake, config);
      log(`  curated/${consolidated.curated.name}: ${consolidated.entities.map((e) => `${e.rows} ${e.entity}`).join(", ")}`);
      const published = await snapshot(lake);
      log(`  ${published.object.key}: DuckDB snapshot`);
    }
    const loaded = await servingStatus(lake.catalog.db);
    if (loaded.every((s) => s.table === null)) {
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

/** The configuration with every public-metadata source pointed at the local stand-in. */
function withUpstream(config: LakeConfig, base: string): LakeConfig {
  const sources = Object.fromEntries(
    Object.entries(config.sources).map(([name, source]) => [
      name,
      source.kind === "directory" ? source : { ...source, url: new URL(`${source.kind}/`, base).href, requests_per_second: 50 },
    ]),
  );
  return { ...config, sources };
}
