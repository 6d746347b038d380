import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataConfig, SourceConfig } from "@omicslake/core";
import { ingestDataset } from "../src/fetch/ingest-dataset.js";
import { FakeUpstream, NCBI_FIXTURES_MISSING, readFixture } from "@omicslake/core/testing";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";
import { bytesOf, sha } from "./helpers/test-bytes.js";

const SETS = ["study", "sample", "experiment", "run"] as const;
const FIXTURE_OF_SET = {
  study: "sra_study_set_SRP178136.xml",
  sample: "sra_sample_set_SRS4237519.xml",
  experiment: "sra_experiment_set_SRX5692097.xml",
  run: "sra_run_set_SRR8426358.xml",
} as const;

/**
 * The Mirroring layout: an old Full, an Incremental before the newest Full (superseded), the newest
 * Full, an Incremental on its date and one after it, and a stray file. Each batch's files differ (a
 * comment naming the batch) so every object has bytes of its own.
 */
async function serveSraMirror(fake: FakeUpstream): Promise<void> {
  const folders = [
    "NCBI_SRA_Mirroring_20250101_Full",
    "NCBI_SRA_Mirroring_20250105",
    "NCBI_SRA_Mirroring_20250110_Full",
    "NCBI_SRA_Mirroring_20250110",
    "NCBI_SRA_Mirroring_20250112",
  ];
  for (const folder of folders) {
    for (const set of SETS) {
      const xml = Buffer.concat([
        await readFixture(FIXTURE_OF_SET[set]),
        Buffer.from(`\n<!-- ${folder} -->\n`),
      ]);
      fake.setFile(`sra/reports/Mirroring/${folder}/meta_${set}_set.xml.gz`, gzipSync(xml));
    }
  }
  fake.setFile("sra/reports/Mirroring/README.txt", "not a batch");
  fake.setFile(
    "sra/reports/Metadata/SRA_Accessions.tab",
    "Accession\tSubmission\tStatus\nSRR8426358\tSRA832486\tlive\n",
  );
}

const data: DataConfig = { source: "sra", role: "metadata" };

for (const engine of lakeEngines()) {
  describe.skipIf(engine.skip !== undefined || NCBI_FIXTURES_MISSING !== undefined)(
    `SRA ingest on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : NCBI_FIXTURES_MISSING ? ` (skipped: ${NCBI_FIXTURES_MISSING})` : ""}`,
    () => {
      let opened: OpenedLake;
      let fake: FakeUpstream;
      let source: SourceConfig;

      beforeAll(async () => {
        opened = await engine.open();
        fake = await FakeUpstream.start();
        await serveSraMirror(fake);
        source = { kind: "sra", url: fake.url("sra/reports/") };
      });
      afterAll(async () => {
        await fake?.close();
        await opened?.dispose();
      });

      it("fetches the newest Full and the Incrementals on or after it, byte for byte, with a run and a collection edge", async () => {
        const { lake, root } = opened;
        const result = await ingestDataset(lake, { name: "sra-meta", data, source, root });

        const expected = [
          ...SETS.map((s) => `Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_${s}_set.xml.gz`),
          ...SETS.map((s) => `Mirroring/NCBI_SRA_Mirroring_20250110/meta_${s}_set.xml.gz`),
          ...SETS.map((s) => `Mirroring/NCBI_SRA_Mirroring_20250112/meta_${s}_set.xml.gz`),
          "Metadata/SRA_Accessions.tab",
        ].sort();
        expect(result.fetched.map((f) => f.object.name).sort()).toEqual(expected);
        expect(result.skipped).toEqual([]);

        for (const file of result.fetched) {
          const served = fake.body(`sra/reports/${file.name}`);
          expect(file.object.sha256).toBe(sha(served));
          expect(file.object.size).toBe(served.length);
          expect(await bytesOf(await lake.readObject(file.object))).toEqual(served);
        }
        const incremental = result.fetched.find(
          (f) => f.name === "Mirroring/NCBI_SRA_Mirroring_20250112/meta_run_set.xml.gz",
        );
        expect(incremental?.partition).toEqual({ batch: "2025-01-12", stage: "Incremental" });
        const full = result.fetched.find(
          (f) => f.name === "Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_run_set.xml.gz",
        );
        expect(full?.partition).toEqual({ batch: "2025-01-10", stage: "Full" });
        // Superseded batches were never requested.
        expect(
          fake.requests.some((r) => r.path.includes("20250101_Full") || r.path.includes("20250105")),
        ).toBe(false);

        expect(result.run).toMatchObject({ step: "ingest:sra", status: "succeeded" });
        expect(result.run.outputs.map((o) => o.key).sort()).toEqual(
          expected.map((n) => `raw/sra-meta/${n}`).sort(),
        );
        expect(result.run.inputs.map((i) => i.url).sort()).toEqual(
          expected.map((n) => fake.url(`sra/reports/${n}`)).sort(),
        );
        const lineage = await lake.lineage("sra-meta");
        expect(lineage.edges).toHaveLength(1);
        expect(lineage.edges[0]).toMatchObject({
          action: "collection",
          inputDatasetId: null,
          runId: result.run.id,
        });

        const rows = await lake.catalog.upstreamFiles.current(result.dataset.id);
        expect(rows).toHaveLength(expected.length);
        const tab = rows.find((r) => r.name === "Metadata/SRA_Accessions.tab");
        expect(tab).toMatchObject({
          objectKey: "raw/sra-meta/Metadata/SRA_Accessions.tab",
          size: fake.body("sra/reports/Metadata/SRA_Accessions.tab").length,
        });
        expect(tab?.etag).toBe(fake.files.get("sra/reports/Metadata/SRA_Accessions.tab")?.etag);
        expect(tab?.lastModified?.toISOString()).toBe("2025-01-15T08:00:00.000Z");
      });

      it("fetches nothing the second time: every file answers 304 to a conditional request", async () => {
        const { lake, root } = opened;
        const before = fake.requests.length;
        const result = await ingestDataset(lake, { name: "sra-meta", data, source, root });
        expect(result.fetched).toEqual([]);
        expect(result.skipped).toHaveLength(13);
        expect(new Set(result.skipped.map((s) => s.reason))).toEqual(new Set(["not-modified"]));
        const fileRequests = fake.requests.slice(before).filter((r) => !r.path.endsWith("/"));
        expect(fileRequests).toHaveLength(13);
        expect(fileRequests.every((r) => r.status === 304 && r.headers["if-none-match"] !== undefined)).toBe(
          true,
        );
        expect(result.run.status).toBe("succeeded");
        expect(result.dataset.objectCount).toBe(13);
      });

      it("stores a changed upstream file as a new object and keeps the old one", async () => {
        const { lake, root } = opened;
        const oldBytes = fake.body("sra/reports/Metadata/SRA_Accessions.tab");
        const newBytes = fake.setFile(
          "sra/reports/Metadata/SRA_Accessions.tab",
          "Accession\tSubmission\tStatus\nSRR8426358\tSRA832486\tlive\nSRR0000001\tSRA0000001\tsuppressed\n",
          { lastModified: new Date("2025-01-16T09:30:00Z") },
        );
        const result = await ingestDataset(lake, { name: "sra-meta", data, source, root });
        expect(result.fetched).toHaveLength(1);
        const [changed] = result.fetched;
        expect(changed).toMatchObject({ name: "Metadata/SRA_Accessions.tab", changed: true });
        expect(changed!.object.name).toBe("versions/20250116T093000Z/Metadata/SRA_Accessions.tab");
        expect(changed!.object.sha256).toBe(sha(newBytes));
        expect(result.skipped).toHaveLength(12);

        const old = await lake.catalog.findObjectByKey("raw/sra-meta/Metadata/SRA_Accessions.tab");
        expect(old?.sha256).toBe(sha(oldBytes));
        expect(await bytesOf(await lake.readObject(old!))).toEqual(oldBytes);

        const records = lake.catalog.upstreamFiles;
        const current = (await records.current(result.dataset.id)).find(
          (r) => r.name === "Metadata/SRA_Accessions.tab",
        );
        expect(current).toMatchObject({
          objectKey: changed!.object.key,
          sha256: sha(newBytes),
          runId: result.run.id,
        });
        expect(
          (await records.history(result.dataset.id)).filter((r) => r.name === "Metadata/SRA_Accessions.tab"),
        ).toHaveLength(2);
      });
    },
  );
}
