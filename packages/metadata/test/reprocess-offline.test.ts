import { createServer } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogObject } from "@omicslake/core";
import type { DataConfig } from "@omicslake/core";
import type { LakeConfig } from "@omicslake/core";
import { DuckLakeCatalog } from "@omicslake/ducklake";
import type { Lake } from "@omicslake/core";
import { consolidateMetadata, defaultDuckLakeTarget } from "../src/consolidation/consolidate-metadata.js";
import { processDataset } from "../src/processing/process-dataset.js";
import { objectsOf, readManifests } from "../src/processing/processed-manifest.js";
import { reprocessConfigured } from "../src/processing/reprocess-configured.js";
import { ShrinkRefusedError } from "../src/shrink-guard.js";
import {
  sraExperimentSetXml,
  sraRunSetXml,
  sraSampleSetXml,
  sraStudySetXml,
} from "../src/synthetic/synthetic-ncbi-files.js";
import { ingestConfigured } from "@omicslake/sources";
import { FakeUpstream } from "@omicslake/core/testing";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";

process.env["TZ"] = "UTC";

const BATCH = "sra/reports/Mirroring/NCBI_SRA_Mirroring_20250110_Full";

/** Two studies: SRP900001 with experiments 1 and 2 (samples 1, 2; runs 1, 2), SRP900002 with experiment 3. */
function serveMirror(fake: FakeUpstream): void {
  const studies = [1, 2].map((n) => ({ accession: `SRP90000${n}`, title: `study ${n}` }));
  const samples = [1, 2, 3].map((n) => ({
    accession: `SRS90000${n}`,
    title: `sample ${n}`,
    taxonId: 9606,
    scientificName: "Homo sapiens",
  }));
  const experiments = [1, 2, 3].map((n) => ({
    accession: `SRX90000${n}`,
    title: `experiment ${n}`,
    study: `SRP90000${n === 3 ? 2 : 1}`,
    sample: `SRS90000${n}`,
    strategy: "RNA-Seq",
    source: "TRANSCRIPTOMIC",
    selection: "cDNA",
    layout: "PAIRED" as const,
    instrument: "Illumina NovaSeq 6000",
  }));
  const runs = [1, 2, 3].map((n) => ({
    accession: `SRR90000${n}`,
    experiment: `SRX90000${n}`,
    totalSpots: 10 * n,
    totalBases: 1000 * n,
  }));
  fake.setFile(`${BATCH}/meta_study_set.xml.gz`, gzipSync(sraStudySetXml(studies)));
  fake.setFile(`${BATCH}/meta_sample_set.xml.gz`, gzipSync(sraSampleSetXml(samples)));
  fake.setFile(`${BATCH}/meta_experiment_set.xml.gz`, gzipSync(sraExperimentSetXml(experiments)));
  fake.setFile(`${BATCH}/meta_run_set.xml.gz`, gzipSync(sraRunSetXml(runs)));
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/** name → sha256 of every object of a dataset. */
async function hashes(lake: Lake, ref: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const object of objectsOf(lake, await lake.dataset(ref))) out[object.name] = object.sha256;
  return out;
}

function parquetOnly(objects: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(objects).filter(([name]) => name.endsWith(".parquet")));
}

/** The processed manifests with the id of the run that wrote them left out. */
async function manifestsWithoutRun(lake: Lake, ref: string): Promise<unknown[]> {
  const manifests = await readManifests(lake, await lake.dataset(ref));
  return manifests.map(({ runId: _runId, ...rest }) => rest).sort((a, b) => a.unit.localeCompare(b.unit));
}

/** The accessions in each Parquet file of a processed dataset, by record kind. */
async function processedAccessions(
  lake: Lake,
  ref: string,
  workDir: string,
): Promise<Record<string, string[]>> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const out: Record<string, string[]> = {};
  try {
    let i = 0;
    for await (const object of objectsOf(lake, await lake.dataset(ref))) {
      if (!object.name.endsWith(".parquet")) continue;
      const path = join(workDir, `read-${i++}.parquet`);
      await download(lake, object, path);
      const kind = object.name.split("/")[0]!;
      const rows = (
        await connection.runAndReadAll(`SELECT accession FROM read_parquet('${path}')`)
      ).getRowObjectsJS();
      out[kind] = [...(out[kind] ?? []), ...rows.map((r) => r["accession"] as string)].sort();
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return out;
}

async function download(lake: Lake, object: CatalogObject, path: string): Promise<void> {
  const { createWriteStream } = await import("node:fs");
  const { pipeline } = await import("node:stream/promises");
  await pipeline(await lake.readObject(object), createWriteStream(path));
}

async function ducklakeSnapshot(root: string): Promise<number> {
  const catalog = await DuckLakeCatalog.open(defaultDuckLakeTarget(root));
  try {
    return (await catalog.currentSnapshot()).snapshotId;
  } finally {
    await catalog.close();
  }
}

const SRA_ENTITIES = ["sra_study", "sra_sample", "sra_experiment", "sra_run"];

for (const engine of lakeEngines()) {
  describe.skipIf(engine.skip !== undefined)(
    `rebuilding without the network on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ""}`,
    () => {
      let opened: OpenedLake;
      let fake: FakeUpstream;
      let online: Pick<LakeConfig, "sources" | "datasets" | "dataModel">;
      let offline: typeof online;
      let processedAfterIngest: Record<string, string>;
      let manifestsAfterIngest: unknown[];

      beforeAll(async () => {
        opened = await engine.open();
        fake = await FakeUpstream.start();
        serveMirror(fake);
        const datasets: Record<string, DataConfig> = {
          sra: { source: "sra", role: "metadata", include: ["Mirroring/**"] },
          "sra-one": {
            source: "sra",
            role: "metadata",
            include: ["Mirroring/**"],
            accessions: ["SRP900001"],
          },
        };
        online = {
          sources: { sra: { kind: "sra", url: fake.url("sra/reports/") } },
          datasets,
          dataModel: {},
        };
        offline = {
          ...online,
          sources: { sra: { kind: "sra", url: `http://127.0.0.1:${await closedPort()}/sra/reports/` } },
        };
      }, 120_000);
      afterAll(async () => {
        await fake?.close();
        await opened?.dispose();
      });

      it("rebuilds processed from raw alone, equal to what the original ingest processed, with a run and provenance", async () => {
        const { lake, root } = opened;
        const [ingested] = await ingestConfigured(lake, { ...online, root }, ["sra"]);
        expect(ingested?.error).toBeUndefined();
        await processDataset(lake, "raw:sra");
        processedAfterIngest = await hashes(lake, "processed:sra");
        manifestsAfterIngest = await manifestsWithoutRun(lake, "processed:sra");
        expect(Object.keys(processedAfterIngest).filter((n) => n.endsWith(".parquet"))).toHaveLength(4);
        const rawBefore = await hashes(lake, "raw:sra");

        // The upstream is unreachable: ingest fails at listing and leaves raw as it was.
        const [failed] = await ingestConfigured(lake, { ...offline, root }, ["sra"], {
          retry: { attempts: 1 },
        });
        expect(failed?.error).toMatchObject({ code: "upstream_failed" });
        expect(await hashes(lake, "raw:sra")).toEqual(rawBefore);

        // Processed is lost; reprocess rebuilds it with the upstream still unreachable.
        await lake.deleteDataset("processed:sra");
        const requestsBefore = fake.requests.length;
        const [outcome] = await reprocessConfigured(lake, offline, ["sra"]);
        expect(outcome?.error).toBeUndefined();
        expect(fake.requests.length).toBe(requestsBefore);
        // Byte for byte the same Parquet; the manifests differ only in the run that wrote them.
        const rebuilt = await hashes(lake, "processed:sra");
        expect(parquetOnly(rebuilt)).toEqual(parquetOnly(processedAfterIngest));
        expect(Object.keys(rebuilt).sort()).toEqual(Object.keys(processedAfterIngest).sort());
        expect(await manifestsWithoutRun(lake, "processed:sra")).toEqual(manifestsAfterIngest);
        expect(outcome?.result?.rowCounts).toEqual({
          sra_study: 2,
          sra_sample: 3,
          sra_experiment: 3,
          sra_run: 3,
        });
        expect(outcome?.result?.run).toMatchObject({ step: "process:sra", status: "succeeded" });
        const lineage = await lake.lineage("processed:sra");
        expect(lineage.edges).toContainEqual(
          expect.objectContaining({ action: "conversion", runId: outcome!.result!.run.id }),
        );
        expect(await hashes(lake, "raw:sra")).toEqual(rawBefore);
      }, 300_000);

      it("refuses to consolidate an empty SRA entity when processing produced nothing, keeping curated and DuckLake; --allow-shrink publishes", async () => {
        const { lake, root } = opened;
        const consolidate = (allowShrink = false) =>
          consolidateMetadata(lake, {
            datasets: ["processed:sra"],
            lakeRoot: root,
            entities: SRA_ENTITIES,
            shrink: { allowShrink },
          });
        const first = await consolidate();
        expect(first.entities.map((e) => [e.entity, e.rows])).toEqual([
          ["sra_study", 2],
          ["sra_sample", 3],
          ["sra_experiment", 3],
          ["sra_run", 3],
          // The links between the accessions of those entities, built after them.
          ["accession_links", 18],
        ]);
        const curatedBefore = await hashes(lake, "curated:metadata");
        const snapshotBefore = await ducklakeSnapshot(root);
        const rawBefore = await hashes(lake, "raw:sra");

        // Raw lost nothing, but processed holds nothing: every SRA entity would become empty.
        await lake.deleteDataset("processed:sra");
        await lake.ensureDataset({ name: "sra", layer: "processed", source: "sra" });
        const refused = await consolidate().then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(ShrinkRefusedError);
        expect(refused).toMatchObject({ code: "shrink_refused" });
        expect((refused as ShrinkRefusedError).violations).toEqual([
          { entity: "sra_study", oldRows: 2, newRows: 0 },
          { entity: "sra_sample", oldRows: 3, newRows: 0 },
          { entity: "sra_experiment", oldRows: 3, newRows: 0 },
          { entity: "sra_run", oldRows: 3, newRows: 0 },
          { entity: "accession_links", oldRows: 18, newRows: 0 },
        ]);
        expect((refused as Error).message).toContain("sra_study 2 → 0 rows (empty)");
        expect((refused as Error).message).toContain("omicslake reprocess");
        expect((refused as Error).message).toContain("--allow-shrink");
        expect(await hashes(lake, "curated:metadata")).toEqual(curatedBefore);
        expect(await ducklakeSnapshot(root)).toBe(snapshotBefore);
        expect(await hashes(lake, "raw:sra")).toEqual(rawBefore);
        const runs = await lake.catalog.listRuns({ step: "consolidate", limit: 1 });
        expect(runs.items[0]).toMatchObject({ status: "failed", error: { code: "shrink_refused" } });

        // Reprocessing restores processed, and consolidation publishes the same rows again.
        await lake.deleteDataset("processed:sra");
        await reprocessConfigured(lake, offline, ["sra"]);
        const again = await consolidate();
        expect(again.entities.map((e) => e.rows)).toEqual([2, 3, 3, 3, 18]);

        // With --allow-shrink an emptied entity is published: the operator said it is right.
        await lake.deleteDataset("processed:sra");
        await lake.ensureDataset({ name: "sra", layer: "processed", source: "sra" });
        const allowed = await consolidate(true);
        expect(allowed.entities.map((e) => e.rows)).toEqual([0, 0, 0, 0, 0]);
        expect(await ducklakeSnapshot(root)).toBeGreaterThan(snapshotBefore);
      }, 600_000);

      it("keeps only the records of the studies an SRA dataset's accessions name, while raw holds the whole files", async () => {
        const { lake, root } = opened;
        const [ingested] = await ingestConfigured(lake, { ...online, root }, ["sra-one"]);
        expect(ingested?.error).toBeUndefined();
        // The batch files are whole: the same bytes as the unfiltered dataset's.
        const rawAll = Object.values(await hashes(lake, "raw:sra")).sort();
        expect(Object.values(await hashes(lake, "raw:sra-one")).sort()).toEqual(rawAll);

        const [outcome] = await reprocessConfigured(lake, offline, ["sra-one"]);
        expect(outcome?.error).toBeUndefined();
        expect(outcome?.result?.rowCounts).toEqual({
          sra_study: 1,
          sra_sample: 2,
          sra_experiment: 2,
          sra_run: 2,
        });
        expect(await processedAccessions(lake, "processed:sra-one", root)).toEqual({
          sra_experiment: ["SRX900001", "SRX900002"],
          sra_run: ["SRR900001", "SRR900002"],
          sra_sample: ["SRS900001", "SRS900002"],
          sra_study: ["SRP900001"],
        });

        // Processed built for one study is not silently mixed with another filter.
        const widened = {
          ...offline,
          datasets: {
            ...offline.datasets,
            "sra-one": { ...offline.datasets["sra-one"]!, accessions: ["SRP900002"] },
          },
        };
        await lake.addObject(await lake.dataset("raw:sra-one"), {
          name: "Mirroring/NCBI_SRA_Mirroring_20250111/meta_study_set.xml.gz",
          body: gzipSync(sraStudySetXml([{ accession: "SRP900002", title: "study 2 retitled" }])),
        });
        const [changed] = await reprocessConfigured(lake, widened, ["sra-one"]);
        expect(changed?.error).toMatchObject({ code: "filter_changed" });
      }, 300_000);
    },
  );
}
