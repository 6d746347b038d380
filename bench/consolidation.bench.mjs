// Rows per second of the metadata flow on generated SRA Mirroring batches (a Full and an Incremental that
// re-sends a tenth of the records): processing (raw XML → typed Parquet: parse, NDJSON batches, DuckDB COPY)
// and consolidation (processed Parquet → one deduplicated Parquet per entity, published, DuckLake commit).
// Peers, on the same input in the same run: for processing, the parser alone reading the same objects
// (the floor any converter built on it pays); for consolidation, the bare DuckDB statement over the same
// local Parquet files (what the lake bookkeeping costs on top).
// Build first: npm run build
// Env: BENCH_SRA_RUNS (runs in the Full batch, default 500000; experiments and samples are half that,
// studies a twentieth, so the default is ~1.1 M processed rows), BENCH_RUNS (default 3; medians printed).
import { mkdirSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import * as parsers from "@omicslake/parsers";
import { openLake } from "@omicslake/core";
import * as flow from "@omicslake/metadata";

const here = dirname(fileURLToPath(import.meta.url));
const RUNS_IN_FULL = Number(process.env.BENCH_SRA_RUNS ?? 500_000);
const REPEATS = Number(process.env.BENCH_RUNS ?? 3);
const dataDir = join(here, ".data", `consolidation-${RUNS_IN_FULL}`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString("en-US");

/** Deterministic records: runs i, experiments i/2, samples i/2, studies i/20. */
function* range(n, f) {
  for (let i = 1; i <= n; i++) yield f(i);
}
const studyOf = (i, tag) => ({
  accession: `SRP${1_000_000 + i}`,
  title: `study ${i} ${tag}`,
  bioproject: `PRJNA${1_000_000 + i}`,
});
const sampleOf = (i) => ({
  accession: `SRS${1_000_000 + i}`,
  title: `sample ${i}`,
  taxonId: i % 2 ? 9606 : 10090,
  scientificName: i % 2 ? "Homo sapiens" : "Mus musculus",
  biosample: `SAMN${1_000_000 + i}`,
});
const experimentOf = (i) => ({
  accession: `SRX${1_000_000 + i}`,
  title: `experiment ${i}`,
  study: `SRP${1_000_000 + Math.ceil(i / 10)}`,
  sample: `SRS${1_000_000 + i}`,
  strategy: ["RNA-Seq", "WGS", "ChIP-Seq", "ATAC-seq"][i % 4],
  source: "TRANSCRIPTOMIC",
  selection: "cDNA",
  layout: i % 3 ? "PAIRED" : "SINGLE",
  instrument: "Illumina NovaSeq 6000",
});
const runOf = (i, spots) => ({
  accession: `SRR${1_000_000 + i}`,
  experiment: `SRX${1_000_000 + Math.ceil(i / 2)}`,
  totalSpots: spots,
  totalBases: spots * 150,
  published: "2025-01-09 10:00:00",
});

/** Writes the two batches once (gzip, as upstream serves them); reruns reuse them. */
function generate() {
  const done = join(dataDir, ".complete");
  if (existsSync(done)) return;
  rmSync(dataDir, { recursive: true, force: true });
  const R = RUNS_IN_FULL;
  const write = (batch, set, xml) => {
    mkdirSync(join(dataDir, batch), { recursive: true });
    writeFileSync(join(dataDir, batch, `meta_${set}_set.xml.gz`), gzipSync(xml, { level: 6 }));
  };
  const full = "NCBI_SRA_Mirroring_20250110_Full";
  const inc = "NCBI_SRA_Mirroring_20250110";
  write(full, "study", flow.sraStudySetXml(range(R / 20, (i) => studyOf(i, "full"))));
  write(full, "sample", flow.sraSampleSetXml(range(R / 2, sampleOf)));
  write(full, "experiment", flow.sraExperimentSetXml(range(R / 2, experimentOf)));
  write(full, "run", flow.sraRunSetXml(range(R, (i) => runOf(i, i))));
  write(inc, "study", flow.sraStudySetXml(range(R / 200, (i) => studyOf(i * 10, "incremental"))));
  write(inc, "sample", flow.sraSampleSetXml(range(R / 20, (i) => sampleOf(i * 10))));
  write(inc, "experiment", flow.sraExperimentSetXml(range(R / 20, (i) => experimentOf(i * 10))));
  write(inc, "run", flow.sraRunSetXml(range(R / 10, (i) => runOf(i * 10, 1))));
  writeFileSync(done, "");
}

async function withLake(fn) {
  const root = await mkdtemp(join(tmpdir(), "omicslake-bench-flow-"));
  const lake = await openLake({
    root,
    storage: { url: `file://${join(root, "objects")}` },
    database: { pgliteDir: "memory://" },
  });
  try {
    return await fn(lake, root);
  } finally {
    await lake.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function addBatches(lake) {
  const files = [];
  for (const batch of readdirSync(dataDir)
    .filter((d) => d.startsWith("NCBI_"))
    .sort()) {
    for (const file of readdirSync(join(dataDir, batch)).sort()) files.push({ batch, file });
  }
  const ds = await lake.ensureDataset({ name: "sra", layer: "raw", source: "sra" });
  const objects = [];
  for (const { batch, file } of files) {
    objects.push(
      await lake.addObject(ds, { name: `Mirroring/${batch}/${file}`, file: join(dataDir, batch, file) }),
    );
  }
  return objects;
}

generate();
const processRates = [];
const parseRates = [];
const consolidateRates = [];
const bareRates = [];
let processedRows = 0;
let curatedRows = 0;
for (let repeat = 0; repeat < REPEATS; repeat++) {
  await withLake(async (lake, root) => {
    const objects = await addBatches(lake);

    // Peer: the parser alone over the same stored objects.
    let parsed = 0;
    let t = performance.now();
    for (const object of objects) {
      const input = parsers.openInput("-", { stdin: await lake.readObject(object) });
      for await (const record of parsers.parseSra(input, { file: object.key })) if (record) parsed++;
    }
    parseRates.push(parsed / ((performance.now() - t) / 1000));

    t = performance.now();
    const processed = await flow.processDataset(lake, "raw:sra");
    const seconds = (performance.now() - t) / 1000;
    processedRows = Object.values(processed.rowCounts).reduce((a, b) => a + b, 0);
    processRates.push(processedRows / seconds);

    t = performance.now();
    const consolidated = await flow.consolidateMetadata(lake, {
      lakeRoot: root,
      entities: ["sra_study", "sra_sample", "sra_experiment", "sra_run"],
    });
    const cSeconds = (performance.now() - t) / 1000;
    const inputRows = consolidated.entities.reduce((a, e) => a + e.inputRows, 0);
    curatedRows = consolidated.entities.reduce((a, e) => a + e.rows, 0);
    consolidateRates.push(inputRows / cSeconds);

    // Peer: the same deduplication as one bare DuckDB statement per entity over local copies of the files.
    const local = join(root, "bare");
    mkdirSync(local, { recursive: true });
    const manifests = await flow.readManifests(lake, await lake.dataset("processed:sra"));
    const byKind = new Map();
    let n = 0;
    for (const m of manifests) {
      for (const out of m.outputs) {
        const path = join(local, `${n++}.parquet`);
        const chunks = [];
        for await (const chunk of await lake.readObject(await lake.catalog.findObjectByKey(out.key)))
          chunks.push(chunk);
        writeFileSync(path, Buffer.concat(chunks));
        byKind.set(out.kind, [...(byKind.get(out.kind) ?? []), path]);
      }
    }
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    t = performance.now();
    let bareInput = 0;
    for (const kind of ["sra_study", "sra_sample", "sra_experiment", "sra_run"]) {
      const list = (byKind.get(kind) ?? []).map((p) => `'${p}'`).join(", ");
      await c.run(`COPY (SELECT * EXCLUDE (_source, _order, _line) FROM read_parquet([${list}], union_by_name = true)
        QUALIFY row_number() OVER (PARTITION BY accession ORDER BY _order DESC, _line DESC) = 1 ORDER BY accession)
        TO '${join(local, `${kind}.out.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`);
      bareInput += Number(
        (await c.runAndReadAll(`SELECT count(*) FROM read_parquet([${list}])`)).getRows()[0][0],
      );
    }
    bareRates.push(bareInput / ((performance.now() - t) / 1000));
    c.closeSync();
    db.closeSync();
  });
}

const p = median(processRates);
const pp = median(parseRates);
const cr = median(consolidateRates);
const br = median(bareRates);
console.log(
  `input: ${fmt(processedRows)} SRA records in 2 batches (${fmt(RUNS_IN_FULL)} runs in the Full), ${fmt(curatedRows)} curated rows; median of ${REPEATS}`,
);
console.log(`processing (raw XML.gz → Parquet): ${fmt(p)} rows/s`);
console.log(
  `  peer parseSra alone on the same objects: ${fmt(pp)} rows/s; processing/parser = ${(p / pp).toFixed(2)}`,
);
console.log(`consolidation (4 SRA entities, publish + DuckLake): ${fmt(cr)} input rows/s`);
console.log(
  `  peer bare DuckDB dedup statements on local files: ${fmt(br)} input rows/s; consolidation/bare = ${(cr / br).toFixed(2)}`,
);
