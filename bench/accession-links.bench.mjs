// Accession-link lookups on a large link table: a GEO series → its runs (gse-to-srr), every accession within 3
// links of a run, and a batch of 1,000 runs → their GSM, from the serving table (PGlite, indexed) and from the
// curated Parquet (DuckDB); the peer in the same run is the serving table without its index (a scan per level).
// Build first: npx tsc -b packages/metadata
// Env: BENCH_SERIES (default 10000; each with 6 samples, experiments and runs: 100 link rows), BENCH_RUNS (default 5).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake, withDuckDb } from "@omicslake/core";
import {
  buildAccessionLinks,
  loadAccessionLinks,
  ParquetLinkReader,
  resolveLinks,
  ServingLinkReader,
} from "@omicslake/metadata";
import { median, peakRssMB } from "./lib/bench-kit.mjs";

const series = Number(process.env.BENCH_SERIES ?? 10_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const work = mkdtempSync(join(tmpdir(), "omicslake-links-bench-"));

/** Curated tables of `series` series, each with one study and six samples, experiments and runs. */
async function buildLinks(file) {
  await withDuckDb({ tempDirectory: join(work, "spill") }, async (duck) => {
    await duck.run(`CREATE TABLE s AS SELECT i, j FROM range(1, ${series + 1}) a(i), range(1, 7) b(j)`);
    await duck.run(
      `CREATE VIEW geo_series AS SELECT 'GSE' || i AS accession, list('GSM' || (i * 10 + j)) AS sampleIds, ['SRP' || i] AS sraStudies, ['GPL' || (i % 50)] AS platformIds FROM s GROUP BY i`,
    );
    await duck.run(
      `CREATE VIEW geo_sample AS SELECT 'GSM' || (i * 10 + j) AS accession, ['SRX' || (i * 10 + j)] AS sraExperiments, 'GPL' || (i % 50) AS platformId FROM s`,
    );
    await duck.run(
      `CREATE VIEW sra_experiment AS SELECT 'SRX' || (i * 10 + j) AS accession, 'SRP' || i AS studyAccession, 'SRS' || (i * 10 + j) AS sampleAccession FROM s`,
    );
    await duck.run(
      `CREATE VIEW sra_run AS SELECT 'SRR' || (i * 10 + j) AS accession, 'SRX' || (i * 10 + j) AS experimentAccession, 'SRP' || i AS studyAccession, 'SRS' || (i * 10 + j) AS sampleAccession FROM s`,
    );
    const t0 = performance.now();
    const result = await buildAccessionLinks(duck, file);
    console.log(`built ${result.rows} link rows in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  });
}

async function time(label, fn) {
  const seconds = [];
  let out;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    out = await fn();
    seconds.push((performance.now() - t0) / 1000);
  }
  return { label, ms: median(seconds) * 1000, out };
}

const mid = Math.floor(series / 2);
const batch = Array.from({ length: 1000 }, (_, k) => `SRR${(1 + ((k * 7919) % series)) * 10 + 1}`);
const cases = [
  ["gse-to-srr", [`GSE${mid}`], { to: "srr" }],
  ["run, depth 3", [`SRR${mid * 10 + 3}`], { depth: 3 }],
  ["1,000 runs to gsm", batch, { to: "gsm" }],
];

const file = join(work, "accession_links.parquet");
try {
  await buildLinks(file);
  const lake = await openLake({
    root: work,
    storage: { url: `file://${join(work, "objects")}` },
    database: { pgliteDir: "memory://" },
  });
  try {
    const db = lake.servingClient();
    let t0 = performance.now();
    const load = await loadAccessionLinks(db, file);
    console.log(
      `loaded ${load.rows} rows into ${load.table} in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );
    const serving = new ServingLinkReader(db);
    const rows = [];
    await withDuckDb({}, async (duck) => {
      const parquet = new ParquetLinkReader(duck, file);
      for (const [label, accessions, options] of cases) {
        const indexed = await time(label, () => resolveLinks(serving, accessions, options));
        const fromParquet = await time(label, () => resolveLinks(parquet, accessions, options));
        if (JSON.stringify(indexed.out) !== JSON.stringify(fromParquet.out))
          throw new Error(`${label}: the serving table and the Parquet file disagree`);
        const found = indexed.out.found.reduce((n, f) => n + f.links.length, 0);
        rows.push({ label, found, serving: indexed.ms, parquet: fromParquet.ms });
      }
    });
    t0 = performance.now();
    await db.exec(`DROP INDEX ${load.table}_from_idx`);
    for (const row of rows) {
      const [, accessions, options] = cases.find(([label]) => label === row.label);
      const unindexed = await time(row.label, () => resolveLinks(serving, accessions, options));
      row.unindexed = unindexed.ms;
    }
    console.log("case                 found  serving ms  parquet ms  no-index ms  no-index/serving");
    for (const r of rows)
      console.log(
        `${r.label.padEnd(20)} ${String(r.found).padStart(5)} ${r.serving.toFixed(1).padStart(11)} ${r.parquet.toFixed(1).padStart(11)} ${r.unindexed.toFixed(1).padStart(12)} ${(r.unindexed / r.serving).toFixed(1).padStart(17)}x`,
      );
    console.log(`peak RSS ${peakRssMB()} MB`);
  } finally {
    await lake.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
