import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import { openInput, recordParser, type RecordFormat } from "@omicslake/parsers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Lake } from "@omicslake/core";
import { DuckLakeCatalog, DuckLakeReader } from "@omicslake/ducklake";
import { consolidateMetadata } from "../src/consolidation/consolidate-metadata.js";
import { resolveCuratedLinks } from "../src/links/curated-links.js";
import { resolveLinks } from "../src/links/resolve-links.js";
import { ServingLinkReader } from "../src/links/serving-link-reader.js";
import { loadCuratedIntoServing } from "../src/pipeline/metadata-pipeline.js";
import { SERVING_ENTITY_NAMES } from "../src/entities/index.js";
import { processDataset, type ProcessResult } from "../src/processing/process-dataset.js";
import { queryCurated } from "../src/query/query-curated.js";
import { buildSnapshot } from "../src/snapshot/build-snapshot.js";
import {
  bioprojectXml,
  biosampleSetXml,
  geoSoft,
  pubmedXml,
  sraExperimentSetXml,
  sraAccessionsTab,
  sraRunSetXml,
  sraSampleSetXml,
  sraStudySetXml,
  sraSubmissionSetXml,
} from "../src/synthetic/synthetic-ncbi-files.js";
import { NCBI_FIXTURES, NCBI_FIXTURES_MISSING, readFixture } from "@omicslake/core/testing";
import { lakeEngines, type LakeEngine, type OpenedLake } from "@omicslake/core/testing";

process.env["TZ"] = "UTC";

/** Adds one object (gzip when asked) to a raw dataset, creating it with the given source. */
async function addRaw(
  lake: Lake,
  dataset: string,
  source: string,
  name: string,
  text: string | Buffer,
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
const run = (
  n: number,
  experimentN: number,
  spots: number,
  published = "2025-01-09 10:00:00",
  bases = spots * 100,
) => ({
  accession: `SRR90000${n}`,
  experiment: `SRX90000${experimentN}`,
  totalSpots: spots,
  totalBases: bases,
  published,
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
    // Dates as NCBI sometimes has them (no month, impossible, partial) and a count past 2^31.
    sraRunSetXml([
      run(1, 1, 100),
      run(2, 1, 200, "0000-00-00 00:00:00"),
      run(3, 2, 300, "2019-13-45"),
      run(4, 3, 400, "2019-03"),
      run(5, 4, 500, "2019-03-01 23:30:05", 3_803_482_950),
    ]),
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
  await addRaw(
    lake,
    "sra",
    "sra",
    `${full("20250110")}/meta_submission_set.xml.gz`,
    sraSubmissionSetXml([
      { accession: "SRA900001", alias: "GEO: GSE900001", submissionDate: "2025-01-02T00:00:00Z" },
    ]),
    true,
  );
  // Two fetches of SRA_Accessions.tab: only the later one counts (SRR900005 is listed by the first only).
  const accessionRow = (accession: string, type: "STUDY" | "RUN", status = "live") => ({
    accession,
    submission: "SRA900001",
    type,
    status,
    updated: "2025-01-10T08:00:00Z",
    received: "2025-01-02T10:00:00Z",
  });
  await addRaw(
    lake,
    "sra",
    "sra",
    "Metadata/SRA_Accessions.tab",
    sraAccessionsTab([accessionRow("SRP900001", "STUDY", "suppressed"), accessionRow("SRR900005", "RUN")]),
  );
  await addRaw(
    lake,
    "sra",
    "sra",
    "versions/20250115T000000Z/Metadata/SRA_Accessions.tab",
    sraAccessionsTab([
      { ...accessionRow("SRA900001", "STUDY"), type: "SUBMISSION" },
      {
        ...accessionRow("SRP900001", "STUDY"),
        updated: "2025-01-14T23:30:00Z",
        published: "2025-01-12T00:00:00Z",
      },
      accessionRow("SRP900002", "STUDY", "suppressed"),
      {
        ...accessionRow("SRR900001", "RUN"),
        study: "SRP900001",
        experiment: "SRX900001",
        spots: 999,
        bases: 99_900,
      },
      {
        ...accessionRow("SRR900002", "RUN", "withdrawn"),
        visibility: "controlled_access",
        replacedBy: "SRR900003",
      },
    ]),
  );

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

  // A GDS file: its subsets, then the dataset's table block; the description line is Latin-1 in a UTF-8 file.
  const gds = (updateDate: string, title: string): Buffer =>
    Buffer.concat([
      Buffer.from(
        [
          "^DATABASE = Geo",
          "^DATASET = GDS900001",
          `!dataset_title = ${title}`,
          "!dataset_type = Expression profiling by array",
          "!dataset_platform = GPL900001",
          "!dataset_sample_organism = Homo sapiens",
          "!dataset_sample_count = 2",
          "!dataset_reference_series = GSE900001",
          `!dataset_update_date = ${updateDate}`,
          "",
        ].join("\n"),
      ),
      Buffer.from(
        "!dataset_description = Kidney samples from the Universit\u00e9 de Montr\u00e9al\n",
        "latin1",
      ),
      Buffer.from(
        [
          "^SUBSET = GDS900001_1",
          "!subset_dataset_id = GDS900001",
          "!subset_description = normal",
          "!subset_sample_id = GSM900001",
          "!subset_type = disease state",
          "^SUBSET = GDS900001_2",
          "!subset_dataset_id = GDS900001",
          "!subset_description = tumour",
          "!subset_sample_id = GSM900002",
          "!subset_type = disease state",
          "^DATASET = GDS900001",
          "!dataset_table_begin",
          "ID_REF\tIDENTIFIER\tGSM900001\tGSM900002",
          "1\tA1BG\t1.5\t2.5",
          "!dataset_table_end",
          "",
        ].join("\n"),
      ),
    ]);
  await addRaw(lake, "geo", "geo", "2024/05/GDS900001.soft", gds("May 02 2024", "dataset one"));
  // Fetched by accession later, yet updated earlier: the update date decides.
  await addRaw(lake, "geo", "geo", "accessions/GDS900001.soft", gds("Jan 02 2024", "stale dataset"));

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
async function processAll(
  lake: Lake,
  options: Parameters<typeof processDataset>[2] = {},
): Promise<Record<(typeof SOURCES)[number], ProcessResult>> {
  const results = {} as Record<(typeof SOURCES)[number], ProcessResult>;
  for (const source of SOURCES)
    results[source] = await processDataset(lake, `raw:${source}`, { gunzipInWorker: false, ...options });
  return results;
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

/** A new lake and scratch folder for each test of the enclosing describe: every test writes its own history. */
function freshLakeEachTest(engine: LakeEngine): () => { opened: OpenedLake; scratch: string } {
  let opened: OpenedLake | undefined;
  let scratch: string | undefined;
  beforeEach(async () => {
    opened = await engine.open();
    scratch = await mkdtemp(join(tmpdir(), "omicslake-flow-test-"));
  }, 60_000);
  afterEach(async () => {
    await opened?.dispose();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    opened = scratch = undefined;
  });
  return () => {
    if (opened === undefined || scratch === undefined) throw new Error("the test's lake is not open yet");
    return { opened, scratch };
  };
}

for (const engine of lakeEngines()) {
  describe.skipIf(engine.skip !== undefined)(
    `metadata flow on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ""}`,
    () => {
      const fresh = freshLakeEachTest(engine);

      it("processes, consolidates by each entity's rule, snapshots and registers in DuckLake", async () => {
        const { lake, root } = fresh().opened;
        await seedUpstreamHistory(lake);
        const processedResults = await processAll(lake);

        // A SOFT line that is not UTF-8 is read as Latin-1, and the run says where, in its log and result.
        const latin1 = (key: string) =>
          `warning: GEO SOFT ${key} line 10 (GDS900001): not valid UTF-8; decoded as Latin-1 (Windows-1252)`;
        const gdsKeys = ["2024/05/GDS900001.soft", "accessions/GDS900001.soft"].map((n) =>
          lake.objectKey(processedResults.geo.raw, n),
        );
        expect([...processedResults.geo.warnings].sort()).toEqual(gdsKeys.map(latin1).sort());
        for (const key of gdsKeys) expect(processedResults.geo.run.log).toContain(latin1(key));
        expect(processedResults.sra.warnings).toEqual([]);

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
        const fieldType = (name: string): string | undefined =>
          versions[0]!.fields.find((f) => f.name === name)?.type;
        expect(fieldType("totalSpots")).toBe("BIGINT");
        expect(fieldType("published")).toBe("TIMESTAMP WITH TIME ZONE");
        expect(fieldType("published_raw")).toBe("VARCHAR");
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
          // BIGINT: DuckDB's JSON rows carry 64-bit integers as text.
          { totalSpots: "999" },
        ]);
        // Counts are BIGINT and dates typed; a date that does not parse is NULL with its text kept.
        expect(
          await rows(
            lake,
            "SELECT accession, typeof(totalBases) AS t, totalBases::VARCHAR AS bases, strftime(published, '%Y-%m-%dT%H:%M:%S') AS published, published_raw FROM sra_run ORDER BY accession",
          ),
        ).toEqual([
          {
            accession: "SRR900001",
            t: "BIGINT",
            bases: "99900",
            published: "2025-01-09T10:00:00",
            published_raw: null,
          },
          {
            accession: "SRR900002",
            t: "BIGINT",
            bases: "20000",
            published: null,
            published_raw: "0000-00-00T00:00:00",
          },
          {
            accession: "SRR900003",
            t: "BIGINT",
            bases: "30000",
            published: null,
            published_raw: "2019-13-45",
          },
          { accession: "SRR900004", t: "BIGINT", bases: "40000", published: null, published_raw: "2019-03" },
          {
            accession: "SRR900005",
            t: "BIGINT",
            bases: "3803482950",
            published: "2019-03-01T23:30:05",
            published_raw: null,
          },
        ]);
        const curatedTypes = async (table: string): Promise<Record<string, string>> =>
          Object.fromEntries(
            (await rows(lake, `SELECT column_name, column_type FROM (DESCRIBE ${table})`)).map((r) => [
              String(r["column_name"]),
              String(r["column_type"]),
            ]),
          );
        expect(await curatedTypes("sra_run")).toMatchObject({
          totalSpots: "BIGINT",
          size: "BIGINT",
          published: "TIMESTAMP WITH TIME ZONE",
        });
        expect(await curatedTypes("geo_sample")).toMatchObject({
          lastUpdateDate: "DATE",
          submissionDate: "DATE",
        });
        expect(await curatedTypes("biosample")).toMatchObject({
          lastUpdate: "TIMESTAMP WITH TIME ZONE",
          taxonomyId: "BIGINT",
        });
        expect(await curatedTypes("bioproject")).toMatchObject({
          lastUpdate: "DATE",
          releaseDate: "TIMESTAMP WITH TIME ZONE",
        });
        expect(await curatedTypes("pubmed_article")).toMatchObject({ pmid: "BIGINT", dateRevised: "DATE" });
        // SRA_Accessions.tab: the latest fetch only, typed; every SRA object takes its state from it.
        expect(
          await rows(
            lake,
            "SELECT accession, type, status, visibility, strftime(updated, '%Y-%m-%dT%H:%M:%S') AS updated, typeof(updated) AS t, spots, typeof(spots) AS ts, replacedBy FROM sra_accessions ORDER BY accession",
          ),
        ).toEqual([
          {
            accession: "SRA900001",
            type: "SUBMISSION",
            status: "live",
            visibility: "public",
            updated: "2025-01-10T08:00:00",
            t: "TIMESTAMP WITH TIME ZONE",
            spots: null,
            ts: "BIGINT",
            replacedBy: null,
          },
          {
            accession: "SRP900001",
            type: "STUDY",
            status: "live",
            visibility: "public",
            updated: "2025-01-14T23:30:00",
            t: "TIMESTAMP WITH TIME ZONE",
            spots: null,
            ts: "BIGINT",
            replacedBy: null,
          },
          {
            accession: "SRP900002",
            type: "STUDY",
            status: "suppressed",
            visibility: "public",
            updated: "2025-01-10T08:00:00",
            t: "TIMESTAMP WITH TIME ZONE",
            spots: null,
            ts: "BIGINT",
            replacedBy: null,
          },
          {
            accession: "SRR900001",
            type: "RUN",
            status: "live",
            visibility: "public",
            updated: "2025-01-10T08:00:00",
            t: "TIMESTAMP WITH TIME ZONE",
            spots: "999",
            ts: "BIGINT",
            replacedBy: null,
          },
          {
            accession: "SRR900002",
            type: "RUN",
            status: "withdrawn",
            visibility: "controlled_access",
            updated: "2025-01-10T08:00:00",
            t: "TIMESTAMP WITH TIME ZONE",
            spots: null,
            ts: "BIGINT",
            replacedBy: "SRR900003",
          },
        ]);
        expect(
          await rows(
            lake,
            "SELECT accession, status, visibility, strftime(updated, '%Y-%m-%dT%H:%M:%S') AS updated FROM sra_study ORDER BY accession",
          ),
        ).toEqual([
          { accession: "SRP900001", status: "live", visibility: "public", updated: "2025-01-14T23:30:00" },
          {
            accession: "SRP900002",
            status: "suppressed",
            visibility: "public",
            updated: "2025-01-10T08:00:00",
          },
          { accession: "SRP900003", status: null, visibility: null, updated: null },
        ]);
        expect(
          await rows(
            lake,
            "SELECT accession, status FROM sra_run WHERE accession IN ('SRR900002', 'SRR900005') ORDER BY 1",
          ),
        ).toEqual([
          { accession: "SRR900002", status: "withdrawn" },
          { accession: "SRR900005", status: null },
        ]);
        expect(
          await rows(
            lake,
            "SELECT accession, alias, status, strftime(submissionDate, '%Y-%m-%dT%H:%M:%S') AS submissionDate, typeof(submissionDate) AS t FROM sra_submission",
          ),
        ).toEqual([
          {
            accession: "SRA900001",
            alias: "GEO: GSE900001",
            status: "live",
            submissionDate: "2025-01-02T00:00:00",
            t: "TIMESTAMP WITH TIME ZONE",
          },
        ]);
        for (const table of SERVING_ENTITY_NAMES) {
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
        // GEO datasets: the latest update date wins; the Latin-1 description reads right; subsets kept.
        expect(
          await rows(
            lake,
            "SELECT accession, title, description, updateDate, platform, referenceSeries FROM geo_dataset",
          ),
        ).toEqual([
          {
            accession: "GDS900001",
            title: "dataset one",
            description: "Kidney samples from the Université de Montréal",
            updateDate: "2024-05-02",
            platform: "GPL900001",
            referenceSeries: ["GSE900001"],
          },
        ]);
        expect(
          await rows(
            lake,
            "SELECT accession, datasetId, type, description, sampleIds FROM geo_subset ORDER BY 1",
          ),
        ).toEqual([
          {
            accession: "GDS900001_1",
            datasetId: "GDS900001",
            type: "disease state",
            description: "normal",
            sampleIds: ["GSM900001"],
          },
          {
            accession: "GDS900001_2",
            datasetId: "GDS900001",
            type: "disease state",
            description: "tumour",
            sampleIds: ["GSM900002"],
          },
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

        // Queries stream and stop at the limit; the session cannot reach files outside its scratch space.
        const limited = await queryCurated(lake, "SELECT accession FROM sra_run ORDER BY accession", {
          limit: 2,
        });
        expect(limited).toMatchObject({
          columns: ["accession"],
          rows: [["SRR900001"], ["SRR900002"]],
          truncated: true,
        });
        await expect(queryCurated(lake, "SELECT * FROM read_csv('/etc/hostname')")).rejects.toMatchObject({
          code: "query_failed",
        });

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

        // DuckLake: one snapshot registering every entity table and the links with their row counts; raw never registered.
        const ducklake = await DuckLakeCatalog.open({
          metadataPath: join(root, "ducklake", "metadata.duckdb"),
          dataPath: join(root, "ducklake", "data"),
        });
        try {
          const tables = await ducklake.listTables();
          expect(tables.map((t) => t.name).sort()).toEqual([
            "accession_links",
            "bioproject",
            "biosample",
            "geo_dataset",
            "geo_platform",
            "geo_sample",
            "geo_series",
            "geo_subset",
            "pubmed_article",
            "sra_accessions",
            "sra_experiment",
            "sra_run",
            "sra_sample",
            "sra_study",
            "sra_submission",
          ]);
          expect(tables.find((t) => t.name === "sra_run")?.recordCount).toBe(5);
          const reader = await DuckLakeReader.open(join(root, "ducklake", "metadata.duckdb"));
          try {
            const types = Object.fromEntries((await reader.columns("sra_run")).map((c) => [c.name, c.type]));
            expect(types).toMatchObject({
              totalBases: "int64",
              published: "timestamptz",
              published_raw: "varchar",
            });
            const geo = Object.fromEntries((await reader.columns("geo_series")).map((c) => [c.name, c.type]));
            expect(geo).toMatchObject({ lastUpdateDate: "date" });
          } finally {
            await reader.close();
          }
          for (const entity of consolidated.entities) {
            expect(tables.find((t) => t.name === entity.entity)?.recordCount, entity.entity).toBe(
              entity.rows,
            );
          }
          expect((await ducklake.currentSnapshot()).snapshotId).toBe(consolidated.ducklakeSnapshot);
          for (const t of tables)
            for (const f of await ducklake.tableFiles(t.name)) expect(f.absolutePath).not.toContain("/raw/");
        } finally {
          await ducklake.close();
        }

        // Snapshot: tables, views and _metadata counts.
        const snapshot = await buildSnapshot(lake, { now: new Date("2025-03-01T12:00:00Z") });
        expect(snapshot.object.key).toBe("curated/metadata/omicslake.duckdb");
        const file = await downloadSnapshot(lake, fresh().scratch);
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
          sra_submission: 1,
          sra_accessions: 5,
          pubmed_article: 4,
          geo_sample: 2,
          geo_dataset: 1,
          geo_subset: 2,
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
            // BIGINT: DuckDB's JSON rows carry 64-bit integers as text.
            total_spots: "300",
          },
        ]);
        expect(
          await snapshotRows(
            file,
            "SELECT typeof(total_bases) AS bases, typeof(run_published) AS published, typeof(taxon_id) AS taxon FROM sra LIMIT 1",
          ),
        ).toEqual([{ bases: "BIGINT", published: "TIMESTAMP WITH TIME ZONE", taxon: "BIGINT" }]);
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
        expect(await snapshotRows(file, "SELECT * FROM gds_gse")).toEqual([
          { gds: "GDS900001", gse: "GSE900001" },
        ]);
        expect(await snapshotRows(file, "SELECT * FROM gds_gsm ORDER BY gsm")).toEqual([
          {
            gds: "GDS900001",
            gsm: "GSM900001",
            subset: "GDS900001_1",
            subset_type: "disease state",
            subset_description: "normal",
          },
          {
            gds: "GDS900001",
            gsm: "GSM900002",
            subset: "GDS900001_2",
            subset_type: "disease state",
            subset_description: "tumour",
          },
        ]);
        const [built] = await snapshotRows(file, "SELECT DISTINCT built_at::VARCHAR AS b FROM _metadata");
        expect(String(built!["b"])).toMatch(/^2025-03-01 12:00:00/);

        // Consolidating and snapshotting again replaces the curated objects in place and archives the
        // previous snapshot: same object count, catalog and store agree.
        await consolidateMetadata(lake, { lakeRoot: root });
        const again = await buildSnapshot(lake);
        expect(again.archived?.sha256).toBe(snapshot.object.sha256);
        expect((await lake.dataset("curated:metadata")).objectCount).toBe(SERVING_ENTITY_NAMES.length + 2);
        expect((await lake.fsck()).problems).toEqual([]);
      }, 180_000);
    },
  );
}

/** Throws on the n-th call of a publish hook, as a process killed at that point would stop. */
function crashOn(predicate: (name: string, call: number) => boolean): (name: string) => void {
  let call = 0;
  return (name) => {
    call++;
    if (predicate(name, call)) throw new Error(`simulated crash before publishing ${name}`);
  };
}

describe("metadata flow interrupted at any step (fs + pglite)", () => {
  const fresh = freshLakeEachTest(lakeEngines()[0]!);

  it("writes the same Parquet bytes when workers parse slices of the raw objects", async () => {
    const { lake } = fresh().opened;
    await seedUpstreamHistory(lake);
    const outputs = async (threads: number, processedName: string): Promise<string[]> => {
      await processDataset(lake, "raw:sra", {
        gunzipInWorker: false,
        rowsPerFile: 2,
        threads,
        parseSliceBytes: 1,
        processedName,
      });
      const { readManifests } = await import("../src/processing/processed-manifest.js");
      const manifests = await readManifests(lake, await lake.dataset(`processed:${processedName}`));
      return manifests
        .flatMap((m) => m.outputs)
        .map((o) => `${o.name} ${o.rows} ${o.sha256}`)
        .sort();
    };
    const one = await outputs(1, "sra-one-thread");
    expect(one.length).toBeGreaterThan(4);
    expect(await outputs(2, "sra-two-threads")).toEqual(one);
  });

  it("finishes processing after a crash mid-unit, with nothing partial read and no duplicate", async () => {
    const { lake, root } = fresh().opened;
    await seedUpstreamHistory(lake);
    // Crash before the 6th publish: some units are complete, one has part of its files and no manifest.
    await expect(
      processDataset(lake, "raw:sra", {
        gunzipInWorker: false,
        unitObjects: 1,
        rowsPerFile: 2,
        beforePublish: crashOn((_, call) => call === 6),
      }),
    ).rejects.toThrow(/simulated crash/);
    const failed = (await lake.catalog.listRuns({ step: "process:sra" })).items[0]!;
    expect(failed.status).toBe("failed");

    // What consolidation sees now comes only from complete units (listed by a manifest).
    const processed = await lake.dataset("processed:sra");
    const manifestsBefore = (await lake.listObjects(processed, { limit: 500 })).items.filter((o) =>
      o.name.startsWith("_manifests/"),
    );
    expect(manifestsBefore.length).toBeGreaterThan(0);
    for (const source of SOURCES.filter((s) => s !== "sra"))
      await processDataset(lake, `raw:${source}`, { gunzipInWorker: false });
    const partial = await consolidateMetadata(lake, { lakeRoot: root, entities: ["sra_study", "sra_run"] });
    const listed = new Set<string>();
    const { readManifests } = await import("../src/processing/processed-manifest.js");
    for (const m of await readManifests(lake, processed)) for (const o of m.outputs) listed.add(o.key);
    const sraInputs = partial.run.inputs.filter((i) => i.key?.startsWith("processed/sra/"));
    expect(sraInputs.length).toBeGreaterThan(0);
    for (const input of sraInputs) expect(listed.has(input.key!)).toBe(true);

    // The rerun skips complete units, adopts the file published before the crash, and finishes.
    const rerun = await processDataset(lake, "raw:sra", {
      gunzipInWorker: false,
      unitObjects: 1,
      rowsPerFile: 2,
    });
    expect(rerun.skippedUnits).toBe(manifestsBefore.length);
    expect(rerun.processedUnits + rerun.skippedUnits).toBe(10);
    const again = await processDataset(lake, "raw:sra", {
      gunzipInWorker: false,
      unitObjects: 1,
      rowsPerFile: 2,
    });
    expect(again.processedUnits).toBe(0);
    const manifests = await readManifests(lake, processed);
    expect(manifests).toHaveLength(10);
    const runRows = manifests
      .flatMap((m) => m.outputs)
      .filter((o) => o.kind === "sra_run")
      .reduce((n, o) => n + o.rows, 0);
    expect(runRows).toBe(6); // five runs in the Full, one in the later Incremental
    // Two rows per file: the Full's five runs span three files, the Incremental's one run a fourth.
    expect(manifests.flatMap((m) => m.outputs).filter((o) => o.kind === "sra_run")).toHaveLength(4);

    await consolidateMetadata(lake, { lakeRoot: root });
    expect(
      await rows(
        lake,
        "SELECT count(*) AS n, count(DISTINCT accession) AS d, max(totalSpots) AS top FROM sra_run",
      ),
    ).toEqual([{ n: "5", d: "5", top: "999" }]);
    expect(await rows(lake, "SELECT title FROM sra_study WHERE accession = 'SRP900001'")).toEqual([
      { title: "incremental title" },
    ]);
  }, 180_000);

  it("converts only raw objects a later ingest added, leaving finished units alone", async () => {
    const { lake } = fresh().opened;
    await seedUpstreamHistory(lake);
    await processAll(lake);
    const before = (await lake.dataset("processed:geo")).objectCount;
    // A later ingest of the same month adds one more accession to 2024/05/.
    await addRaw(
      lake,
      "geo",
      "geo",
      "2024/05/GSE900002.soft",
      geoSoft({
        series: [
          {
            accession: "GSE900002",
            title: "series two",
            lastUpdateDate: "2024-05-20",
            sampleIds: [],
            platformIds: [],
          },
        ],
      }),
    );
    const result = await processDataset(lake, "raw:geo", { gunzipInWorker: false });
    expect(result).toMatchObject({ processedUnits: 1, rowCounts: { geo_series: 1 } });
    expect(result.skippedUnits).toBeGreaterThan(0);
    // One new Parquet file and one manifest: nothing reconverted.
    expect((await lake.dataset("processed:geo")).objectCount).toBe(before + 2);
  }, 120_000);

  it("keeps the previous curated files and DuckLake snapshot when consolidation dies, and the rerun completes", async () => {
    const { lake, root } = fresh().opened;
    await seedUpstreamHistory(lake);
    await processAll(lake);
    const first = await consolidateMetadata(lake, { lakeRoot: root });
    await buildSnapshot(lake, { now: new Date("2025-03-01T00:00:00Z") });

    // A new update file revises 1001; consolidation dies before publishing pubmed_article.
    await addRaw(
      lake,
      "pubmed",
      "pubmed",
      "updatefiles/pubmed25n0005.xml.gz",
      pubmedXml([{ pmid: 1001, title: "article 1001, revised", dateRevised: "2025-01-05" }]),
      true,
    );
    await processAll(lake);
    await expect(
      consolidateMetadata(lake, {
        lakeRoot: root,
        beforePublish: crashOn((name) => name === "pubmed_article.parquet"),
      }),
    ).rejects.toThrow(/simulated crash/);
    expect(await rows(lake, "SELECT title FROM pubmed_article WHERE pmid = 1001")).toEqual([
      { title: "article 1001" },
    ]);
    const ducklake = await DuckLakeCatalog.open({
      metadataPath: join(root, "ducklake", "metadata.duckdb"),
      dataPath: join(root, "ducklake", "data"),
    });
    try {
      expect((await ducklake.currentSnapshot()).snapshotId).toBe(first.ducklakeSnapshot);
    } finally {
      await ducklake.close();
    }

    const second = await consolidateMetadata(lake, { lakeRoot: root });
    expect(second.ducklakeSnapshot).toBe(first.ducklakeSnapshot! + 1);
    expect(await rows(lake, "SELECT title FROM pubmed_article WHERE pmid = 1001")).toEqual([
      { title: "article 1001, revised" },
    ]);
    expect(await rows(lake, "SELECT count(*) AS n FROM pubmed_article")).toEqual([{ n: "4" }]);
    const curated = await lake.dataset("curated:metadata");
    // One file per entity, the links and the snapshot: replacing never adds a second object.
    expect(curated.objectCount).toBe(SERVING_ENTITY_NAMES.length + 2);

    // The snapshot dies after archiving the previous one: the old snapshot stays published; the rerun
    // archives it under the same key (no second copy) and publishes the new one.
    const before = await lake.catalog.findObjectByKey("curated/metadata/omicslake.duckdb");
    await expect(
      buildSnapshot(lake, {
        beforePublish: (step) => {
          if (step === "publish") throw new Error("simulated crash before publish");
        },
      }),
    ).rejects.toThrow(/simulated crash/);
    expect((await lake.catalog.findObjectByKey("curated/metadata/omicslake.duckdb"))!.sha256).toBe(
      before!.sha256,
    );
    const rebuilt = await buildSnapshot(lake);
    expect(rebuilt.archived?.sha256).toBe(before!.sha256);
    expect(rebuilt.archived?.key).toMatch(
      /^archive\/metadata\/snapshots\/\d{4}-\d{2}-\d{2}\/omicslake-.*\.duckdb$/,
    );
    expect((await lake.dataset("archive:metadata")).objectCount).toBe(1);
    const file = await downloadSnapshot(lake, fresh().scratch);
    expect(await snapshotRows(file, "SELECT title FROM pubmed_article WHERE pmid = 1001")).toEqual([
      { title: "article 1001, revised" },
    ]);
    const fsck = await lake.fsck();
    expect(fsck.problems).toEqual([]);
  }, 240_000);
});

/** Where each real fixture goes in raw, under the names the source adapters use. */
const FIXTURE_OBJECTS: readonly { file: string; dataset: RecordFormat; name: string; gzip?: boolean }[] = [
  {
    file: "sra_study_set_SRP178136.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_study_set.xml.gz",
    gzip: true,
  },
  {
    file: "sra_sample_set_SRS4237519.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_sample_set.xml.gz",
    gzip: true,
  },
  {
    file: "sra_experiment_set_SRX5692097.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_experiment_set.xml.gz",
    gzip: true,
  },
  {
    file: "sra_run_set_SRR8426358.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_run_set.xml.gz",
    gzip: true,
  },
  {
    file: "sra_pkgset_87pkgs.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250111/pkgset_87pkgs.xml",
  },
  {
    file: "sra_pkgset_ERS3331676_srafiles.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250111/pkgset_ERS3331676.xml",
  },
  {
    file: "sra_pkgset_SRR5100239_qualities.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250111/pkgset_SRR5100239.xml",
  },
  {
    file: "sra_pkg_ERR1662611_ena.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250112/pkg_ERR1662611.xml",
  },
  {
    file: "sra_pkg_SRR3001915_taxanalysis.xml",
    dataset: "sra",
    name: "Mirroring/NCBI_SRA_Mirroring_20250112/pkg_SRR3001915.xml",
  },
  { file: "geo_GPL20814_family.soft", dataset: "geo", name: "accessions/GPL20814.soft" },
  { file: "geo_GSE105845_family.soft", dataset: "geo", name: "accessions/GSE105845.soft" },
  { file: "geo_GSE138657_series_brief.soft", dataset: "geo", name: "accessions/GSE138657.soft" },
  { file: "geo_GSE138657_samples_brief.soft", dataset: "geo", name: "accessions/GSE138657-samples.soft" },
  { file: "geo_GSE146537_series_brief.soft", dataset: "geo", name: "2022/03/GSE146537.soft", gzip: true },
  { file: "geo_GSE146537_samples_brief.soft", dataset: "geo", name: "2022/03/GSE146537-samples.soft" },
  { file: "geo_GSM32878_with_table.soft", dataset: "geo", name: "accessions/GSM32878.soft" },
  {
    file: "pubmed_set_pretty_2018dtd.xml",
    dataset: "pubmed",
    name: "baseline/pubmed25n0001.xml.gz",
    gzip: true,
  },
  {
    file: "pubmed_set_2articles_2025dtd.xml",
    dataset: "pubmed",
    name: "baseline/pubmed25n0002.xml.gz",
    gzip: true,
  },
  {
    file: "pubmed_set_2articles_b.xml",
    dataset: "pubmed",
    name: "updatefiles/pubmed25n1300.xml.gz",
    gzip: true,
  },
  { file: "pubmed_26732976.xml", dataset: "pubmed", name: "updatefiles/pubmed25n1301.xml.gz", gzip: true },
  { file: "pubmed_29768149.xml", dataset: "pubmed", name: "updatefiles/pubmed25n1302.xml.gz", gzip: true },
  { file: "biosample_120060.xml", dataset: "biosample", name: "biosample_set.xml.gz", gzip: true },
  {
    file: "biosample_SAMN02261463.xml",
    dataset: "biosample",
    name: "versions/20250101T000000Z/biosample_set.xml.gz",
    gzip: true,
  },
  {
    file: "biosample_SAMN02981965.xml",
    dataset: "biosample",
    name: "versions/20250102T000000Z/biosample_set.xml.gz",
    gzip: true,
  },
  {
    file: "biosample_SAMN03502652_dbgap.xml",
    dataset: "biosample",
    name: "versions/20250103T000000Z/biosample_set.xml.gz",
    gzip: true,
  },
  { file: "bioproject_12384_recordset.xml", dataset: "bioproject", name: "bioproject.xml" },
  {
    file: "bioproject_73819_recordset.xml",
    dataset: "bioproject",
    name: "versions/20250101T000000Z/bioproject.xml",
  },
  {
    file: "bioproject_PRJNA350852_recordset.xml",
    dataset: "bioproject",
    name: "versions/20250102T000000Z/bioproject.xml",
  },
  {
    file: "bioproject_PRJNA258012_docsum.xml",
    dataset: "bioproject",
    name: "versions/20250103T000000Z/bioproject.xml",
  },
];

describe.skipIf(NCBI_FIXTURES_MISSING !== undefined)(
  `metadata flow on the real NCBI fixtures${NCBI_FIXTURES_MISSING ? ` (skipped: ${NCBI_FIXTURES_MISSING})` : ""}`,
  () => {
    const fresh = freshLakeEachTest(lakeEngines()[0]!);

    it("carries every distinct accession the parsers read through to curated and the snapshot", async () => {
      const { lake, root } = fresh().opened;
      // What the parsers alone read from the files: the distinct accessions per record kind.
      const expected = new Map<string, Set<string>>();
      for (const f of FIXTURE_OBJECTS) {
        const path = join(NCBI_FIXTURES, f.file);
        for await (const record of recordParser(f.dataset)(openInput(path, { worker: false }), {
          file: path,
        })) {
          expected.set(record.kind, (expected.get(record.kind) ?? new Set()).add(record.accession));
        }
        const bytes = await readFixture(f.file);
        const ds = await lake.ensureDataset({ name: f.dataset, layer: "raw", source: f.dataset });
        await lake.addObject(ds, { name: f.name, body: f.gzip ? gzipSync(bytes) : bytes });
      }
      await processAll(lake);
      await consolidateMetadata(lake, { lakeRoot: root });
      await buildSnapshot(lake);
      const file = await downloadSnapshot(lake, fresh().scratch);
      const meta: Record<string, number> = Object.fromEntries(
        (await snapshotRows(file, "SELECT name, row_count FROM _metadata")).map((r) => [
          String(r["name"]),
          Number(r["row_count"]),
        ]),
      );
      for (const table of [
        "sra_study",
        "sra_sample",
        "sra_experiment",
        "sra_run",
        "sra_submission",
        "geo_series",
        "geo_sample",
        "geo_platform",
        "biosample",
        "bioproject",
        "pubmed_article",
      ]) {
        const want = expected.get(table)?.size ?? 0;
        expect(want, `${table} has fixture records`).toBeGreaterThan(0);
        expect(meta[table], table).toBe(want);
      }
      expect(await rows(lake, "SELECT title FROM sra_study WHERE accession = 'SRP178136'")).toEqual([
        { title: "Multi-modal analysis of the aging mouse lung at cellular resolution" },
      ]);
      expect(
        await rows(lake, "SELECT lastUpdateDate, platformIds FROM geo_series WHERE accession = 'GSE146537'"),
      ).toEqual([{ lastUpdateDate: "2022-03-25", platformIds: ["GPL16791"] }]);
      expect(
        await snapshotRows(
          file,
          "SELECT study_accession, experiment_accession, library_strategy FROM sra WHERE run_accession = 'SRR11217925'",
        ),
      ).toEqual([
        { study_accession: "SRP251352", experiment_accession: "SRX7830165", library_strategy: "RNA-Seq" },
      ]);
      expect(
        await snapshotRows(file, "SELECT count(*)::INTEGER AS n FROM gse_gsm WHERE gse = 'GSE146537'"),
      ).toEqual([{ n: 6 }]);
      // Accession links, from the curated entities into the snapshot, DuckLake and serving.
      expect(meta["accession_links"]).toBeGreaterThan(1000);
      const pairs = await snapshotRows(
        file,
        `SELECT count(*)::INTEGER AS rows,
           count(DISTINCT (from_accession, to_accession, relation))::INTEGER AS distinct_rows,
           count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM accession_links b WHERE b.from_accession = a.to_accession
             AND b.to_accession = a.from_accession AND b.relation = a.relation))::INTEGER AS one_way
         FROM accession_links a`,
      );
      expect(pairs).toEqual([
        { rows: meta["accession_links"], distinct_rows: meta["accession_links"], one_way: 0 },
      ]);
      // Written sorted, so a rebuild of the same curated input gives the same file.
      const unsorted = await snapshotRows(
        file,
        `SELECT count(*)::INTEGER AS n FROM (SELECT from_accession, to_accession, relation,
           lag((from_accession, to_accession, relation)) OVER () AS previous FROM accession_links)
         WHERE previous >= (from_accession, to_accession, relation)`,
      );
      expect(unsorted).toEqual([{ n: 0 }]);
      // Every link of the snapshot's GEO views is there, and the SRA hierarchy of every run.
      expect(
        await snapshotRows(
          file,
          `SELECT count(*)::INTEGER AS n FROM gse_gsm g WHERE NOT EXISTS (SELECT 1 FROM accession_links l
             WHERE l.from_accession = g.gse AND l.to_accession = g.gsm AND l.relation = 'gse_gsm')`,
        ),
      ).toEqual([{ n: 0 }]);
      expect(
        await snapshotRows(
          file,
          `SELECT count(*)::INTEGER AS n FROM sra s WHERE experiment_accession IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM accession_links l WHERE l.from_accession = s.run_accession
               AND l.to_accession = s.experiment_accession AND l.to_type = 'srx')`,
        ),
      ).toEqual([{ n: 0 }]);
      const ducklake = await DuckLakeCatalog.open({
        metadataPath: join(root, "ducklake", "metadata.duckdb"),
        dataPath: join(root, "ducklake", "data"),
      });
      try {
        const links = (await ducklake.listTables()).find((t) => t.name === "accession_links");
        expect(links?.recordCount).toBe(meta["accession_links"]);
      } finally {
        await ducklake.close();
      }

      // gse-to-srr: the runs of the series' study, computed here from the snapshot's own SRA view.
      const runsOfSeries = (
        await snapshotRows(
          file,
          "SELECT run_accession FROM sra WHERE study_accession IN (SELECT accession FROM sra_study WHERE geoAccession = 'GSE146256') ORDER BY 1",
        )
      ).map((r) => String(r["run_accession"]));
      expect(runsOfSeries.length).toBeGreaterThan(5);
      const asked = ["GSE146256", "srr11217925", "PRJNA258012", "SRR404", "GSE146537"];
      const curatedLinks = await resolveCuratedLinks(lake, asked, { to: "srr" });
      expect(curatedLinks.missing).toEqual(["SRR404"]);
      const gse = curatedLinks.found.find((f) => f.accession === "GSE146256")!;
      expect(gse.links.map((l) => l.accession)).toEqual(runsOfSeries);
      expect(gse.links[0]).toMatchObject({ type: "srr", depth: 2, relation: "srp_srr" });
      expect(gse.links[0]!.path).toEqual(["GSE146256", "SRP251352", runsOfSeries[0]]);
      // GSE146537's samples have experiments, but the fixtures hold none of their runs.
      expect(curatedLinks.found.find((f) => f.accession === "GSE146537")!.links).toEqual([]);
      // A run reaches its GSM through its own experiment, never on through its sample (SRS6240844), which
      // other experiments may share.
      const toGsm = await resolveCuratedLinks(lake, ["SRR11217925"], { to: "gsm" });
      expect(toGsm.found[0]!.links.map((l) => `${l.accession} ${l.path.join(">")}`)).toEqual([
        "GSM4369051 SRR11217925>SRX7830165>GSM4369051",
      ]);
      const project = await resolveCuratedLinks(lake, ["PRJNA258012"], { depth: 1 });
      expect(project.found[0]!.links.map((l) => `${l.type} ${l.accession} ${l.source}`)).toEqual([
        "biosample SAMN02981965 biosample.bioprojects",
        "pmid 26732976 bioproject.pubmedIds",
        "srp SRP045429 sra_study.bioproject",
      ]);

      // Loaded into serving: the indexed table answers exactly as the curated Parquet does.
      await loadCuratedIntoServing(lake);
      const served = await resolveLinks(new ServingLinkReader(lake.servingClient()), asked, { to: "srr" });
      expect(served).toEqual(curatedLinks);
      const wide = ["GSE138657", "SRP178136", "SAMN02261463", "30814501"];
      expect(await resolveLinks(new ServingLinkReader(lake.servingClient()), wide, { depth: 3 })).toEqual(
        await resolveCuratedLinks(lake, wide, { depth: 3 }),
      );
    }, 240_000);
  },
);
