import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Lake } from "../src/lake/lake.js";
import { DuckLakeCatalog } from "../src/ducklake/ducklake-catalog.js";
import { consolidateMetadata } from "../src/metadata-flow/consolidation/consolidate-metadata.js";
import { processDataset } from "../src/metadata-flow/processing/process-dataset.js";
import { queryCurated } from "../src/metadata-flow/query/query-curated.js";
import { buildSnapshot } from "../src/metadata-flow/snapshot/build-snapshot.js";
import {
  bioprojectXml,
  biosampleSetXml,
  geoSoft,
  pubmedXml,
  sraExperimentSetXml,
  sraRunSetXml,
  sraSampleSetXml,
  sraStudySetXml,
} from "../src/metadata-flow/synthetic/synthetic-ncbi-files.js";
import { lakeEngines, type OpenedLake } from "./helpers/lake-matrix.js";

process.env["TZ"] = "UTC";

/** Adds one object (gzip when asked) to a raw dataset, creating it with the given source. */
async function addRaw(
  lake: Lake,
  dataset: string,
  source: string,
  name: string,
  text: string,
  gzip = false,
): Promise<void> {
  const ds = await lake.ensureDataset({ name: dataset, layer: "raw", source });
  await lake.addObject(ds, { name, body: gzip ? gzipSync(text) : Buffer.from(text) });
}

const study = (n: number, title: string) => ({
  accession: `SRP90000${n}`,
  title,
  bioproject: `PRJNA90000${n}`,
});
const sample = (n: number) => ({
  accession: `SRS90000${n}`,
  title: `sample ${n}`,
  taxonId: 9606,
  scientificName: "Homo sapiens",
  biosample: `SAMN90000${n}`,
});
const experiment = (n: number, studyN: number) => ({
  accession: `SRX90000${n}`,
  title: `experiment ${n}`,
  study: `SRP90000${studyN}`,
  sample: `SRS90000${n}`,
  strategy: n === 2 ? "ChIP-Seq" : "RNA-Seq",
  source: "TRANSCRIPTOMIC",
  selection: "cDNA",
  layout: "PAIRED" as const,
  instrument: "Illumina NovaSeq 6000",
});
const run = (n: number, experimentN: number, spots: number) => ({
  accession: `SRR90000${n}`,
  experiment: `SRX90000${experimentN}`,
  totalSpots: spots,
  totalBases: spots * 100,
  published: "2025-01-09 10:00:00",
});

/**
 * Upstream history the flow must untangle: an old SRA Full, a newer Full, an Incremental on the Full's
 * date that retitles a study, a later Incremental that changes a run; a GEO sample updated in a later
 * month and a stale copy of another; PubMed revisions and a DeleteCitation; re-fetched BioSample and
 * BioProject dumps.
 */
async function seedUpstreamHistory(lake: Lake): Promise<void> {
  const full = (date: string) => `Mirroring/NCBI_SRA_Mirroring_${date}_Full`;
  await addRaw(
    lake,
    "sra",
    "sra",
    `${full("20250101")}/meta_study_set.xml.gz`,
    sraStudySetXml([study(1, "old full title")]),
    true,
  );
  await addRaw(
    lake,
    "sra",
    "sra",
    `${full("20250110")}/meta_study_set.xml.gz`,
    sraStudySetXml([study(1, "  full title  "), study(2, "second study"), study(3, "third study")]),
    true,
  );
  await addRaw(
    lake,
    "sra",
    "sra",
    `${full("20250110")}/meta_sample_set.xml.gz`,
    sraSampleSetXml([1, 2, 3, 4].map(sample)),
    true,
  );
  await addRaw(
    lake,
    "sra",
    "sra",
    `${full("20250110")}/meta_experiment_set.xml.gz`,
    sraExperimentSetXml([experiment(1, 1), experiment(2, 1), experiment(3, 2), experiment(4, 3)]),
    true,
  );
  await addRaw(
    lake,
    "sra",
    "sra",
    `${full("20250110")}/meta_run_set.xml.gz`,
    sraRunSetXml([run(1, 1, 100), run(2, 1, 200), run(3, 2, 300), run(4, 3, 400), run(5, 4, 500)]),
    true,
  );
  await addRaw(
    lake,
    "sra",
    "sra",
    "Mirroring/NCBI_SRA_Mirroring_20250110/meta_study_set.xml.gz",
    sraStudySetXml([study(1, "incremental title")]),
    true,
  );
  await addRaw(
    lake,
    "sra",
    "sra",
    "Mirroring/NCBI_SRA_Mirroring_20250112/meta_run_set.xml.gz",
    sraRunSetXml([run(1, 1, 999)]),
    true,
  );
  await addRaw(lake, "sra", "sra", "Metadata/SRA_Accessions.tab", "Accession\tStatus\nSRR900001\tlive\n");

  const supp = (acc: string) => [`ftp://ftp.ncbi.nlm.nih.gov/geo/x/${acc}/suppl/${acc}_RAW.tar`];
  await addRaw(
    lake,
    "geo",
    "geo",
    "2024/05/GSE900001.soft",
    geoSoft({
      platforms: [
        { accession: "GPL900001", title: "platform", lastUpdateDate: "2024-05-01", seriesIds: ["GSE900001"] },
      ],
      series: [
        {
          accession: "GSE900001",
          title: "series one",
          lastUpdateDate: "2024-05-03",
          sampleIds: ["GSM900001", "GSM900002"],
          platformIds: ["GPL900001"],
          supplementaryFiles: supp("GSE900001"),
        },
      ],
      samples: [
        {
          accession: "GSM900001",
          title: "sample one",
          lastUpdateDate: "2024-05-03",
          platformId: "GPL900001",
          seriesIds: ["GSE900001"],
          supplementaryFiles: supp("GSM900001"),
        },
        {
          accession: "GSM900002",
          title: "sample two",
          lastUpdateDate: "2024-05-03",
          platformId: "GPL900001",
          seriesIds: ["GSE900001"],
        },
      ],
    }),
  );
  await addRaw(
    lake,
    "geo",
    "geo",
    "2024/06/GSM900001.soft",
    geoSoft({
      samples: [
        {
          accession: "GSM900001",
          title: "sample one, updated",
          lastUpdateDate: "2024-06-10",
          platformId: "GPL900001",
          seriesIds: ["GSE900001"],
        },
      ],
    }),
  );
  // Fetched by accession later than the month files, yet older: the date decides, not the fetch.
  await addRaw(
    lake,
    "geo",
    "geo",
    "accessions/GSM900002.soft",
    geoSoft({
      samples: [
        {
          accession: "GSM900002",
          title: "stale copy",
          lastUpdateDate: "2024-04-01",
          platformId: "GPL900001",
          seriesIds: ["GSE900001"],
        },
      ],
    }),
  );

  const article = (pmid: number, title: string, dateRevised = "2020-01-01") => ({ pmid, title, dateRevised });
  await addRaw(
    lake,
    "pubmed",
    "pubmed",
    "baseline/pubmed25n0001.xml.gz",
    pubmedXml([1001, 1002, 1003, 1004, 1005].map((p) => article(p, `article ${p}`))),
    true,
  );
  await addRaw(
    lake,
    "pubmed",
    "pubmed",
    "updatefiles/pubmed25n0002.xml.gz",
    pubmedXml([article(1002, "article 1002, revised", "2024-02-02")], [1003]),
    true,
  );
  // 1005 is deleted, then sent again in a later file: it comes back.
  await addRaw(lake, "pubmed", "pubmed", "updatefiles/pubmed25n0003.xml.gz", pubmedXml([], [1005]), true);
  await addRaw(
    lake,
    "pubmed",
    "pubmed",
    "updatefiles/pubmed25n0004.xml.gz",
    pubmedXml([article(1005, "article 1005, restored", "2024-03-03")]),
    true,
  );

  const bs = (n: number, title: string, lastUpdate = "2020-01-01T00:00:00.000") => ({
    accession: `SAMN90000${n}`,
    id: 900000 + n,
    title,
    lastUpdate,
  });
  await addRaw(
    lake,
    "biosample",
    "biosample",
    "biosample_set.xml.gz",
    biosampleSetXml([bs(1, "biosample one"), bs(2, "biosample two"), bs(3, "biosample three")]),
    true,
  );
  await addRaw(
    lake,
    "biosample",
    "biosample",
    "versions/20250201T000000Z/biosample_set.xml.gz",
    biosampleSetXml([bs(1, "biosample one, updated", "2025-02-01T00:00:00.000"), bs(2, "biosample two")]),
    true,
  );

  const bp = (n: number, title: string) => ({
    accession: `PRJNA90000${n}`,
    id: 900000 + n,
    title,
    lastUpdate: "2020-01-01",
  });
  await addRaw(
    lake,
    "bioproject",
    "bioproject",
    "bioproject.xml",
    bioprojectXml([bp(1, "project one"), bp(2, "project two")]),
  );
  await addRaw(
    lake,
    "bioproject",
    "bioproject",
    "versions/20250201T000000Z/bioproject.xml",
    bioprojectXml([bp(1, "project one, release 2")]),
  );
}

const SOURCES = ["sra", "geo", "pubmed", "biosample", "bioproject"] as const;

// Worker threads cannot load vitest's preload, so tests inflate gzip on the main thread.
async function processAll(lake: Lake, options: Parameters<typeof processDataset>[2] = {}): Promise<void> {
  for (const source of SOURCES)
    await processDataset(lake, `raw:${source}`, { gunzipInWorker: false, ...options });
}

async function rows(lake: Lake, sql: string): Promise<Record<string, unknown>[]> {
  const result = await queryCurated(lake, sql, { limit: 10_000 });
  return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]])));
}

/** Opens a DuckDB file read-only and returns the rows of a query. */
async function snapshotRows(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function downloadSnapshot(lake: Lake, dir: string): Promise<string> {
  const object = await lake.catalog.findObjectByKey("curated/metadata/omicslake.duckdb");
  expect(object).toBeDefined();
  const path = join(dir, `snapshot-${object!.sha256.slice(0, 8)}.duckdb`);
  const chunks: Buffer[] = [];
  for await (const chunk of await lake.readObject(object!)) chunks.push(chunk as Buffer);
  await writeFile(path, Buffer.concat(chunks));
  return path;
}

for (const engine of lakeEngines()) {
  describe.skipIf(engine.skip !== undefined)(
    `metadata flow on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ""}`,
    () => {
      let opened: OpenedLake;
      let scratch: string;
      beforeEach(async () => {
        opened = await engine.open();
        scratch = await mkdtemp(join(tmpdir(), "omicslake-flow-test-"));
      }, 60_000);
      afterEach(async () => {
        await opened?.dispose();
        await rm(scratch, { recursive: true, force: true });
      });

      it("processes, consolidates by each entity's rule, snapshots and registers in DuckLake", async () => {
        const { lake, root } = opened;
        await seedUpstreamHistory(lake);
        await processAll(lake);

        // Processed: partitioned as upstream is, one schema version per table.
        const processedSra = await lake.dataset("processed:sra");
        const sraNames = (await lake.listObjects(processedSra, { limit: 500 })).items.map((o) => o.name);
        expect(sraNames).toContain(
          sraNames.find((n) => n.startsWith("sra_study/batch=2025-01-10/stage=Incremental/part-")),
        );
        expect(sraNames.some((n) => n.startsWith("sra_study/batch=2025-01-10/stage=Full/"))).toBe(true);
        expect(sraNames.some((n) => n.startsWith("sra_run/batch=2025-01-12/stage=Incremental/"))).toBe(true);
        const geoNames = (await lake.listObjects("processed:geo", { limit: 500 })).items.map((o) => o.name);
        expect(geoNames.some((n) => n.startsWith("geo_sample/year=2024/month=06/"))).toBe(true);
        expect(geoNames.some((n) => n.startsWith("geo_sample/year=2024/month=04/"))).toBe(true);
        const pubmedNames = (await lake.listObjects("processed:pubmed", { limit: 500 })).items.map(
          (o) => o.name,
        );
        expect(pubmedNames.some((n) => n.startsWith("pubmed_deletion/file=pubmed25n0002/"))).toBe(true);
        const versions = await lake.catalog.listSchemaVersions(processedSra.id, "sra_run");
        expect(versions).toHaveLength(1);
        expect(versions[0]!.fields.find((f) => f.name === "totalSpots")?.type).toBe("DOUBLE");
        expect(versions[0]!.fields.find((f) => f.name === "readSpecs")?.type).toMatch(/^STRUCT\(.*\)\[\]$/);

        const consolidated = await consolidateMetadata(lake, { lakeRoot: root });
        expect(consolidated.entities.map((e) => e.key)).toContain("curated/metadata/sra_run.parquet");

        // SRA: the same-day Incremental beats the Full; the later Incremental changes the run; old Full loses.
        expect(await rows(lake, "SELECT accession, title FROM sra_study ORDER BY accession")).toEqual([
          { accession: "SRP900001", title: "incremental title" },
          { accession: "SRP900002", title: "second study" },
          { accession: "SRP900003", title: "third study" },
        ]);
        expect(await rows(lake, "SELECT totalSpots FROM sra_run WHERE accession = 'SRR900001'")).toEqual([
          { totalSpots: 999 },
        ]);
        for (const table of [
          "sra_study",
          "sra_sample",
          "sra_experiment",
          "sra_run",
          "geo_series",
          "geo_sample",
          "geo_platform",
          "biosample",
          "bioproject",
          "pubmed_article",
        ]) {
          const [dup] = await rows(lake, `SELECT count(*) - count(DISTINCT accession) AS d FROM ${table}`);
          expect(Number(dup!["d"]), table).toBe(0);
        }
        // GEO: the latest last-update date wins whatever the fetch order.
        expect(
          await rows(lake, "SELECT accession, title, lastUpdateDate FROM geo_sample ORDER BY accession"),
        ).toEqual([
          { accession: "GSM900001", title: "sample one, updated", lastUpdateDate: "2024-06-10" },
          { accession: "GSM900002", title: "sample two", lastUpdateDate: "2024-05-03" },
        ]);
        // PubMed: revision kept, deleted PMID gone, a PMID re-sent after its deletion back.
        expect(await rows(lake, "SELECT pmid, title FROM pubmed_article ORDER BY pmid")).toEqual([
          { pmid: "1001", title: "article 1001" },
          { pmid: "1002", title: "article 1002, revised" },
          { pmid: "1004", title: "article 1004" },
          { pmid: "1005", title: "article 1005, restored" },
        ]);
        expect(
          await rows(lake, "SELECT accession, title FROM biosample WHERE accession = 'SAMN900001'"),
        ).toEqual([{ accession: "SAMN900001", title: "biosample one, updated" }]);
        expect(await rows(lake, "SELECT title FROM bioproject ORDER BY accession")).toEqual([
          { title: "project one, release 2" },
          { title: "project two" },
        ]);

        // Curated schema and provenance: every processed input and, through it, raw.
        const curated = await lake.dataset("curated:metadata");
        expect((await lake.catalog.listSchemaVersions(curated.id, "pubmed_article")).length).toBe(1);
        const lineage = await lake.lineage(curated);
        const names = lineage.nodes.map((n) => `${n.layer}:${n.name}`);
        for (const source of SOURCES)
          expect(names).toEqual(expect.arrayContaining([`processed:${source}`, `raw:${source}`]));
        expect(
          lineage.edges
            .filter((e) => e.outputDatasetId === curated.id)
            .every((e) => e.action === "consolidation" && e.runId === consolidated.run.id),
        ).toBe(true);
        expect(lineage.edges.some((e) => e.action === "conversion")).toBe(true);
        expect(consolidated.run.rowCounts["sra_run"]).toBe(5);

        // DuckLake: one snapshot registering the ten tables with their row counts; raw never registered.
        const ducklake = await DuckLakeCatalog.open({
          metadataPath: join(root, "ducklake", "metadata.duckdb"),
          dataPath: join(root, "ducklake", "data"),
        });
        try {
          const tables = await ducklake.listTables();
          expect(tables.map((t) => t.name).sort()).toEqual([
            "bioproject",
            "biosample",
            "geo_platform",
            "geo_sample",
            "geo_series",
            "pubmed_article",
            "sra_experiment",
            "sra_run",
            "sra_sample",
            "sra_study",
          ]);
          expect(tables.find((t) => t.name === "sra_run")?.recordCount).toBe(5);
          expect((await ducklake.currentSnapshot()).snapshotId).toBe(consolidated.ducklakeSnapshot);
          for (const t of tables)
            for (const f of await ducklake.tableFiles(t.name)) expect(f.absolutePath).not.toContain("/raw/");
        } finally {
          await ducklake.close();
        }

        // Snapshot: tables, views and _metadata counts.
        const snapshot = await buildSnapshot(lake, { now: new Date("2025-03-01T12:00:00Z") });
        expect(snapshot.object.key).toBe("curated/metadata/omicslake.duckdb");
        const file = await downloadSnapshot(lake, scratch);
        const meta: Record<string, number> = Object.fromEntries(
          (await snapshotRows(file, "SELECT name, row_count FROM _metadata")).map((r) => [
            String(r["name"]),
            Number(r["row_count"]),
          ]),
        );
        expect(meta).toMatchObject({
          sra_study: 3,
          sra_sample: 4,
          sra_experiment: 4,
          sra_run: 5,
          pubmed_article: 4,
          geo_sample: 2,
          biosample: 3,
          bioproject: 2,
          sra: 5,
        });
        expect(
          await snapshotRows(
            file,
            "SELECT run_accession, experiment_accession, sample_accession, study_accession, study_title, library_strategy, scientific_name, total_spots FROM sra WHERE run_accession = 'SRR900003'",
          ),
        ).toEqual([
          {
            run_accession: "SRR900003",
            experiment_accession: "SRX900002",
            sample_accession: "SRS900002",
            study_accession: "SRP900001",
            study_title: "incremental title",
            library_strategy: "ChIP-Seq",
            scientific_name: "Homo sapiens",
            total_spots: 300,
          },
        ]);
        expect(await snapshotRows(file, "SELECT gse, gsm FROM gse_gsm ORDER BY gsm")).toEqual([
          { gse: "GSE900001", gsm: "GSM900001" },
          { gse: "GSE900001", gsm: "GSM900002" },
        ]);
        expect(await snapshotRows(file, "SELECT gse, gpl FROM gse_gpl")).toEqual([
          { gse: "GSE900001", gpl: "GPL900001" },
        ]);
        expect(
          await snapshotRows(
            file,
            "SELECT accession, entity_type, file_name FROM geo_supplementary_file ORDER BY accession",
          ),
        ).toEqual([{ accession: "GSE900001", entity_type: "series", file_name: "GSE900001_RAW.tar" }]);
        const [built] = await snapshotRows(file, "SELECT DISTINCT built_at::VARCHAR AS b FROM _metadata");
        expect(String(built!["b"])).toMatch(/^2025-03-01 12:00:00/);
      }, 180_000);
    },
  );
}
