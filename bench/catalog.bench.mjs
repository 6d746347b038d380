// Catalog insert and list rates on PGlite (a data directory, the default) and on PostgreSQL, through the
// catalog (`openCatalog`) and, as the peer, the same statements sent straight through each engine's own
// driver (PGlite / pg) into an identical table. Build first: npm run build
// Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a scratch schema is created and
// dropped), BENCH_CATALOG_ROWS (datasets per measurement, default 1000; objects are twice that),
// BENCH_RUNS (default 3; the median is printed), BENCH_CATALOG_ENGINES (default "pglite,postgres").
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { openCatalog } from "@omicslake/core";

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, ".data");
const ROWS = Number(process.env.BENCH_CATALOG_ROWS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PAGE_SECONDS = 1.5;
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const engines = (process.env.BENCH_CATALOG_ENGINES ?? "pglite,postgres").split(",").map((s) => s.trim());
const LAYERS = ["raw", "processed", "curated", "archive"];
const SOURCES = ["geo", "sra", "biosample", "bioproject", "pubmed"];
const WORDS = [
  "quokka survey",
  "wombat census",
  "platypus atlas",
  "breast cancer relapse",
  "liver single cell",
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString("en-US");
const sha = (i) => (i.toString(16).padStart(8, "0") + "0".repeat(56)).slice(0, 64);
const yieldNow = () => new Promise((resolve) => setImmediate(resolve));

/** Deterministic dataset number i of a measurement. */
function datasetInput(tag, i) {
  return {
    name: `${tag}-${String(i).padStart(6, "0")}`,
    layer: LAYERS[i % LAYERS.length],
    source: SOURCES[i % SOURCES.length],
    externalId: `GSE${100000 + i}`,
    description: WORDS[i % WORDS.length],
    metadata: { organism: i % 3 === 0 ? "Homo sapiens" : "Mus musculus", samples: i % 97 },
    tags: i % 2 === 0 ? ["bench", "even"] : ["bench", "odd"],
  };
}

/** The peer: the same INSERT with the values the catalog would send, through the driver, into a copy of the table. */
const RAW_INSERT = `INSERT INTO bench_raw_datasets (name, layer, source, external_id, description, metadata, tags)
  VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text[])`;
function rawParams(tag, i) {
  const d = datasetInput(tag, i);
  const metadata = { ...d.metadata, source: d.source, date: "2026-01-01", version: "1" };
  return [d.name, d.layer, d.source, d.externalId, d.description, JSON.stringify(metadata), d.tags];
}
const RAW_PAGE = `SELECT id, name, layer, source, external_id, description, metadata, tags, object_count, total_bytes,
  created_at, updated_at FROM bench_raw_datasets WHERE id > $1 ORDER BY id LIMIT 101`;

async function timeRows(count, fn) {
  const t0 = performance.now();
  await fn();
  return count / ((performance.now() - t0) / 1000);
}

/** Pages of 100 through the whole table, over and over, for PAGE_SECONDS; returns pages per second. */
async function timePages(nextPage) {
  const t0 = performance.now();
  let pages = 0;
  let cursor = null;
  while (performance.now() - t0 < PAGE_SECONDS * 1000) {
    cursor = await nextPage(cursor);
    pages++;
    if (pages % 32 === 0) await yieldNow();
  }
  return pages / ((performance.now() - t0) / 1000);
}

async function benchEngine(engine) {
  const schema = `bench_catalog_${process.pid}`;
  const pgliteDir = join(dataDir, `catalog-pglite-${process.pid}`);
  const peerDir = join(dataDir, `catalog-pglite-peer-${process.pid}`);
  let catalog;
  let peer; // { query(sql, params), close() }
  if (engine === "pglite") {
    mkdirSync(dataDir, { recursive: true });
    catalog = await openCatalog({ pgliteDir });
    // The peer's PGlite gets the catalog's tables the same way (migrations), then is opened bare.
    await (await openCatalog({ pgliteDir: peerDir })).close();
    const db = await PGlite.create(peerDir);
    peer = { query: (sql, params) => db.query(sql, params), close: () => db.close() };
  } else {
    catalog = await openCatalog({ url, schema });
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    peer = { query: (sql, params) => client.query(sql, params), close: () => client.end() };
  }
  const results = {};
  const add = (key, value) => (results[key] ??= []).push(value);
  try {
    // An exact copy of the catalog's table: generated search column, constraints and indexes.
    await peer.query("CREATE TABLE bench_raw_datasets (LIKE datasets INCLUDING ALL)");
    // Run 0 warms caches and the JIT and is not counted; catalog and peer swap order every run.
    for (let run = 0; run <= RUNS; run++) {
      const tag = `r${run}`;
      const record = run === 0 ? () => undefined : add;
      const pair = async (first, second) => {
        const ordered = run % 2 === 0 ? [first, second] : [second, first];
        for (const [key, fn] of ordered) record(key, await fn());
      };
      await pair(
        [
          "datasets single",
          () =>
            timeRows(ROWS, async () => {
              for (let i = 0; i < ROWS; i++) await catalog.createDataset(datasetInput(`${tag}-s`, i));
            }),
        ],
        [
          "peer datasets single",
          () =>
            timeRows(ROWS, async () => {
              for (let i = 0; i < ROWS; i++) {
                await peer.query(RAW_INSERT, rawParams(`${tag}-s`, i));
                if (i % 32 === 0) await yieldNow();
              }
            }),
        ],
      );
      await pair(
        [
          "datasets in a transaction",
          () =>
            timeRows(ROWS, () =>
              catalog.db.transaction(async () => {
                for (let i = 0; i < ROWS; i++) await catalog.createDataset(datasetInput(`${tag}-t`, i));
              }),
            ),
        ],
        [
          "peer datasets in a transaction",
          () =>
            timeRows(ROWS, async () => {
              await peer.query("BEGIN");
              for (let i = 0; i < ROWS; i++) {
                await peer.query(RAW_INSERT, rawParams(`${tag}-t`, i));
                if (i % 32 === 0) await yieldNow();
              }
              await peer.query("COMMIT");
            }),
        ],
      );
      const single = await catalog.createDataset({
        name: `${tag}-objects-single`,
        layer: "raw",
        source: "bench",
      });
      record(
        "objects single",
        await timeRows(2 * ROWS, async () => {
          for (let i = 0; i < 2 * ROWS; i++) {
            const name = `file-${String(i).padStart(6, "0")}.fastq.gz`;
            await catalog.addObject({
              datasetId: single.id,
              key: `raw/bench/${tag}-s/${name}`,
              name,
              size: i * 1000,
              sha256: sha(i),
            });
          }
        }),
      );
      const batched = await catalog.createDataset({
        name: `${tag}-objects-tx`,
        layer: "raw",
        source: "bench",
      });
      record(
        "objects in a transaction",
        await timeRows(2 * ROWS, () =>
          catalog.db.transaction(async () => {
            for (let i = 0; i < 2 * ROWS; i++) {
              const name = `file-${String(i).padStart(6, "0")}.fastq.gz`;
              await catalog.addObject({
                datasetId: batched.id,
                key: `raw/bench/${tag}-t/${name}`,
                name,
                size: i * 1000,
                sha256: sha(i),
              });
            }
          }),
        ),
      );
    }
    for (let run = 0; run < RUNS; run++) {
      add(
        "list pages (all)",
        await timePages(
          async (cursor) =>
            (await catalog.listDatasets({ limit: 100, ...(cursor ? { cursor } : {}) })).nextCursor,
        ),
      );
      add(
        "peer list pages (all)",
        await timePages(async (after) => {
          const { rows } = await peer.query(RAW_PAGE, [after ?? 0]);
          return rows.length > 100 ? rows[99].id : null;
        }),
      );
      add(
        "list pages (layer + tag)",
        await timePages(
          async (cursor) =>
            (
              await catalog.listDatasets({
                layer: "processed",
                tags: ["odd"],
                limit: 100,
                ...(cursor ? { cursor } : {}),
              })
            ).nextCursor,
        ),
      );
      add(
        "list pages (q)",
        await timePages(
          async (cursor) =>
            (await catalog.listDatasets({ q: "wombat", limit: 100, ...(cursor ? { cursor } : {}) }))
              .nextCursor,
        ),
      );
    }
    const total = (await catalog.stats()).datasets;
    return { results, total };
  } finally {
    await catalog.close();
    await peer.close();
    if (engine === "pglite") {
      rmSync(pgliteDir, { recursive: true, force: true });
      rmSync(peerDir, { recursive: true, force: true });
    } else {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  }
}

const all = {};
for (const engine of ["pglite", "postgres"]) {
  if (!engines.includes(engine)) continue;
  const { results, total } = await benchEngine(engine);
  all[engine] = results;
  console.log(
    `# ${engine}: ${RUNS} runs after a warm-up run, ${ROWS} datasets and ${2 * ROWS} objects per insert measurement, ${fmt(total)} datasets listed`,
  );
  const line = (label, key, unit, peerKey) => {
    const value = median(results[key]);
    const peerText = peerKey
      ? ` (driver INSERT peer ${fmt(median(results[peerKey]))} ${unit}, catalog/peer ${(value / median(results[peerKey])).toFixed(2)})`
      : "";
    console.log(`catalog ${engine} ${label}: ${fmt(value)} ${unit}${peerText}`);
  };
  line("insert datasets, single", "datasets single", "rows/s", "peer datasets single");
  line(
    "insert datasets, one transaction",
    "datasets in a transaction",
    "rows/s",
    "peer datasets in a transaction",
  );
  line("insert objects, single", "objects single", "rows/s");
  line("insert objects, one transaction", "objects in a transaction", "rows/s");
  const pages = median(results["list pages (all)"]);
  const peerPages = median(results["peer list pages (all)"]);
  console.log(
    `catalog ${engine} list pages of 100 (keyset): ${fmt(pages)} pages/s (driver SELECT peer ${fmt(peerPages)} pages/s, catalog/peer ${(pages / peerPages).toFixed(2)})`,
  );
  console.log(
    `catalog ${engine} list pages of 100, layer + tag filter: ${fmt(median(results["list pages (layer + tag)"]))} pages/s`,
  );
  console.log(
    `catalog ${engine} list pages of 100, text search: ${fmt(median(results["list pages (q)"]))} pages/s`,
  );
}
if (all.pglite && all.postgres) {
  for (const [label, key] of [
    ["insert datasets, single", "datasets single"],
    ["insert objects, one transaction", "objects in a transaction"],
    ["list pages of 100", "list pages (all)"],
  ]) {
    console.log(
      `catalog postgres/pglite ${label}: ${(median(all.postgres[key]) / median(all.pglite[key])).toFixed(2)}`,
    );
  }
}
