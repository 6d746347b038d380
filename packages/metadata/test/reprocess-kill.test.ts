import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lake } from "@omicslake/core";
import { openLake } from "@omicslake/core";
import { catalogClient, runTsChild } from "@omicslake/core/testing";
import { objectsOf, readManifests } from "../src/processing/processed-manifest.js";
import { processDataset } from "../src/processing/process-dataset.js";
import {
  sraExperimentSetXml,
  sraRunSetXml,
  sraSampleSetXml,
  sraStudySetXml,
} from "../src/synthetic/synthetic-ncbi-files.js";

const url = process.env["DATABASE_URL"];
const here = dirname(fileURLToPath(import.meta.url));
const skip = url
  ? null
  : "DATABASE_URL is not set: a killed process must leave its work in a database another process can open";

interface TestLake {
  readonly lake: Lake;
  readonly root: string;
  readonly schema: string;
}

async function openTestLake(): Promise<TestLake> {
  const root = await mkdtemp(join(tmpdir(), "omicslake-reprocess-kill-"));
  const schema = `t_rk_${randomBytes(6).toString("hex")}`;
  const lake = await openLake({
    root,
    storage: { url: `file://${join(root, "objects")}` },
    database: { url: url!, schema },
  });
  return { lake, root, schema };
}

async function disposeTestLake(t: TestLake | undefined): Promise<void> {
  if (!t) return;
  await catalogClient(t.lake.catalog).exec(`drop schema if exists ${t.schema} cascade`);
  await t.lake.close();
  await rm(t.root, { recursive: true, force: true });
}

/** A Full batch (four sets: one unit) and a later Incremental (runs: a second unit), in raw/sra. */
async function seedRaw(lake: Lake): Promise<void> {
  const raw = await lake.ensureDataset({ name: "sra", layer: "raw", source: "sra" });
  const full = "Mirroring/NCBI_SRA_Mirroring_20250110_Full";
  const add = (name: string, xml: string) => lake.addObject(raw, { name, body: gzipSync(xml) });
  await add(`${full}/meta_study_set.xml.gz`, sraStudySetXml([{ accession: "SRP900001", title: "study 1" }]));
  await add(
    `${full}/meta_sample_set.xml.gz`,
    sraSampleSetXml([
      { accession: "SRS900001", title: "sample 1", taxonId: 9606, scientificName: "Homo sapiens" },
    ]),
  );
  await add(
    `${full}/meta_experiment_set.xml.gz`,
    sraExperimentSetXml([
      {
        accession: "SRX900001",
        title: "experiment 1",
        study: "SRP900001",
        sample: "SRS900001",
        strategy: "RNA-Seq",
        source: "TRANSCRIPTOMIC",
        selection: "cDNA",
        layout: "PAIRED",
        instrument: "Illumina NovaSeq 6000",
      },
    ]),
  );
  await add(
    `${full}/meta_run_set.xml.gz`,
    sraRunSetXml([{ accession: "SRR900001", experiment: "SRX900001", totalSpots: 10, totalBases: 1000 }]),
  );
  await add(
    "Mirroring/NCBI_SRA_Mirroring_20250112/meta_run_set.xml.gz",
    sraRunSetXml([{ accession: "SRR900001", experiment: "SRX900001", totalSpots: 20, totalBases: 2000 }]),
  );
}

/**
 * Every processed object by name → sha256 (a manifest's bytes name its run, so manifests are compared
 * without it), and the manifests without the run that wrote them.
 */
async function processedState(
  lake: Lake,
): Promise<{ objects: Record<string, string>; manifests: unknown[] }> {
  const processed = await lake.catalog.findDataset("sra", "processed");
  if (!processed) return { objects: {}, manifests: [] };
  const objects: Record<string, string> = {};
  for await (const object of objectsOf(lake, processed))
    objects[object.name] = object.name.startsWith("_manifests/") ? "manifest" : object.sha256;
  const manifests = (await readManifests(lake, processed))
    .map(({ runId: _runId, ...rest }) => rest)
    .sort((a, b) => a.unit.localeCompare(b.unit));
  return { objects, manifests };
}

async function runChild(t: TestLake, killAt: string): Promise<NodeJS.Signals | null> {
  const args = [t.root, url!, t.schema, killAt];
  return (await runTsChild(join(here, "reprocess-kill-child.ts"), args, "the child reprocess")).signal;
}

describe.skipIf(skip !== null)(`reprocess killed mid-way${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let killed: TestLake | undefined;
  let reference: TestLake | undefined;

  beforeAll(async () => {
    killed = await openTestLake();
    reference = await openTestLake();
    await seedRaw(killed.lake);
    await seedRaw(reference.lake);
    await processDataset(reference.lake, "raw:sra");
  });
  afterAll(async () => {
    await disposeTestLake(killed);
    await disposeTestLake(reference);
  });

  it("shows no unit without its manifest after each kill, and the rerun equals an uninterrupted run", async () => {
    const t = killed!;
    const expected = await processedState(reference!.lake);
    expect(expected.manifests).toHaveLength(2);
    const rawBefore = await t.lake.listObjects("raw:sra", { limit: 100 });

    // Before the 2nd publication (unit 1 half written), before unit 1's manifest, before unit 2's first file.
    const manifestsAfter: number[] = [];
    for (const killAt of ["2", "5", "6"]) {
      expect(await runChild(t, killAt)).toBe("SIGKILL");
      const state = await processedState(t.lake);
      manifestsAfter.push(state.manifests.length);
      // What a manifest lists is exactly what the uninterrupted run published for that unit.
      for (const manifest of state.manifests) expect(expected.manifests).toContainEqual(manifest);
      // Every object already there has the bytes the uninterrupted run gave it.
      for (const [name, sha256] of Object.entries(state.objects))
        expect(expected.objects[name], name).toBe(sha256);
    }
    expect(manifestsAfter).toEqual([0, 0, 1]);

    expect(await runChild(t, "never")).toBeNull();
    expect(await processedState(t.lake)).toEqual(expected);
    expect((await t.lake.listObjects("raw:sra", { limit: 100 })).items).toEqual(rawBefore.items);
  }, 600_000);
});
