// Expression analytics end to end on a generated 1 M cells x 20 k genes x ~100 M nonzeros matrix: the store
// build (nonzeros/s, and peak RSS at a 10x smaller size to show it does not grow with the matrix), then the
// three statistics the issue sets targets for, warm, on DuckDB and on ClickHouse in the same run (with the
// load time and the ratio), and numpy/scipy on the same nonzeros as the speed and correctness reference.
// Build first: npx tsc -b
//
//   node bench/expression/expression.bench.mjs            (or: npm run bench -- expression)
//
// Env: BENCH_EXPR_CELLS (1,000,000), BENCH_EXPR_GENES (20,000), BENCH_EXPR_NNZ (100,000,000),
// BENCH_EXPR_SEED (42), BENCH_EXPR_SMALL (10: the peak-RSS comparison builds a matrix this many times smaller
// in cells and nonzeros; 0 skips it), BENCH_RUNS (10 warm runs per query), BENCH_EXPR_SKIP (comma list of
// clickhouse, numpy, small), BENCH_EXPR_CLICKHOUSE_URL (use this server instead of starting one),
// BENCH_EXPR_OUT (the JSON report; default bench/.data/expression-<size>.json).
//
// PERFORMANCE targets (issue): Pearson pair <= 100 ms, one gene vs all top 50 <= 2 s, CV ranking of all genes
// in one cell type <= 2 s, build >= 10 M nonzeros/s with peak memory independent of size. The generated data
// is cached in bench/.data; the lake is a temp directory removed at the end.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dataDir, lastError, lastLine, median, peakRssMB, PYTHON } from "../lib/bench-kit.mjs";
import { CELL_TYPES, generateDataset, geneLayout } from "./generate-dataset.mjs";

const script = fileURLToPath(import.meta.url);
const here = join(script, "..");

// ---- children: one lake operation per process, so the build's peak RSS is the build's alone ----------------

function lakeConfig(root) {
  return {
    root,
    storage: { url: `file://${join(root, "objects")}` },
    database: { pgliteDir: join(root, "catalog") },
  };
}

async function withLake(root, fn) {
  const { openLake } = await import("@omicslake/core");
  const lake = await openLake(lakeConfig(root), { onNotice: () => {} });
  try {
    return await fn(lake);
  } finally {
    await lake.close();
  }
}

if (process.argv[2] === "--add") {
  // The generated files become processed dataset <name>, as `omicslake convert` leaves a 10x conversion.
  const [, , , root, name, datasetDir] = process.argv;
  await withLake(root, async (lake) => {
    await lake.withRun("bench-add", { parameters: { dataset: name } }, async () => {
      const dataset = await lake.ensureDataset({ name, layer: "processed", source: "bench" });
      for (const file of readdirSync(datasetDir).sort())
        await lake.putObject(dataset, { file: join(datasetDir, file), name: file });
    });
  });
  process.exit(0);
}

if (process.argv[2] === "--build") {
  const [, , , root, name, workDir] = process.argv;
  const { buildExpressionStore } = await import("@omicslake/expression");
  if (typeof buildExpressionStore !== "function")
    throw new Error("@omicslake/expression does not export buildExpressionStore; build the package first");
  const out = await withLake(root, async (lake) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const { manifest } = await buildExpressionStore(lake, name, { workDir });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      nnz: manifest.counts.nonzeros,
      build: manifest.build,
    };
  });
  process.stdout.write(JSON.stringify({ ...out, peakRssMB: peakRssMB() }) + "\n");
  process.exit(0);
}

// ---- parent -------------------------------------------------------------------------------------------------

const size = {
  cells: Number(process.env.BENCH_EXPR_CELLS ?? 1_000_000),
  genes: Number(process.env.BENCH_EXPR_GENES ?? 20_000),
  nonzeros: Number(process.env.BENCH_EXPR_NNZ ?? 100_000_000),
  seed: Number(process.env.BENCH_EXPR_SEED ?? 42),
};
const smallFactor = Number(process.env.BENCH_EXPR_SMALL ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 10);
const skip = new Set((process.env.BENCH_EXPR_SKIP ?? "").split(",").filter(Boolean));
const label = (s) => `${s.cells}x${s.genes}-${s.nonzeros}-s${s.seed}`;
const outPath = process.env.BENCH_EXPR_OUT ?? join(dataDir, `expression-${label(size)}.json`);

const report = {
  size,
  runs,
  loadavgStart: loadavg(),
  node: process.version,
  cpus: (await import("node:os")).cpus().length,
};
const log = (line) => console.log(line);
log(
  `load average at start: ${report.loadavgStart.map((x) => x.toFixed(2)).join(" ")} (${report.cpus} cores)`,
);

mkdirSync(dataDir, { recursive: true });
async function dataset(s) {
  const dir = join(dataDir, `expression-${label(s)}`);
  if (!existsSync(join(dir, "manifest.json"))) {
    const m = await generateDataset(dir, s);
    log(`generated ${dir}: ${m.matrices.X.nnz} nonzeros in ${m.generator.seconds.toFixed(1)} s`);
  }
  return dir;
}

function child(args) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0)
    throw new Error(`${args[0]} failed: ${r.stderr.trim().split("\n").slice(-8).join("\n")}`);
  return r.stdout;
}

/** Adds and builds `datasetDir` in a fresh lake under `root`; the build's figures. */
function addAndBuild(root, name, datasetDir) {
  child(["--add", root, name, datasetDir]);
  const work = join(root, "work");
  mkdirSync(work, { recursive: true });
  return JSON.parse(lastLine(child(["--build", root, name, work])));
}

const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
async function timeWarm(fn) {
  const t0 = performance.now();
  let result = await fn();
  const cold = performance.now() - t0;
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    ms.push(performance.now() - t);
  }
  return { result, coldMs: cold, ms, medianMs: median(ms), p95Ms: p95(ms) };
}

const layout = geneLayout(size.genes);
// Two genes of module 1 (co-expressed, marker of the largest cell type) and that type for the CV ranking.
const pairGenes = [layout.moduleStart, layout.moduleStart + 1];
const queryGene = layout.moduleStart;
const K = 50;
const cvType = CELL_TYPES[0][0];
const cvFilter = { cell_type: { in: [cvType] } };
const queries = {
  pair: (engine, build) =>
    engine.correlation(build, { a: pairGenes[0], b: pairGenes[1], method: "pearson", cells: {} }),
  top: (engine, build) =>
    engine.topCorrelated(build, { gene: queryGene, method: "pearson", cells: {}, k: K, order: "r" }),
  cv: (engine, build) => engine.variability(build, { cells: cvFilter, min_mean: 0, limit: K }),
};
const cvAll = (engine, build) =>
  engine.variability(build, { cells: cvFilter, min_mean: 0, limit: size.genes });

async function runEngine(kind, engine, build) {
  const out = { kind };
  const t0 = performance.now();
  await engine.prepare(build);
  out.prepareSeconds = (performance.now() - t0) / 1000;
  for (const [name, q] of Object.entries(queries)) out[name] = await timeWarm(() => q(engine, build));
  // The full ranking, once, for the comparison with numpy (the timed query returns a page of 50).
  const t1 = performance.now();
  out.cvAll = { result: await cvAll(engine, build), ms: performance.now() - t1 };
  return out;
}

const lakeRoot = await mkdtemp(join(tmpdir(), "omicslake-bench-expr-"));
let clickhouse;
try {
  const bigDir = await dataset(size);
  const name = "bench_expr";

  // Build: the full size, and a smaller one for the peak-RSS comparison (each in its own lake and process).
  if (smallFactor > 0 && !skip.has("small")) {
    const small = {
      ...size,
      cells: Math.round(size.cells / smallFactor),
      nonzeros: Math.round(size.nonzeros / smallFactor),
    };
    const smallDir = await dataset(small);
    const root = join(lakeRoot, "small");
    log(`building the store of ${small.nonzeros} nonzeros (peak-RSS comparison) ...`);
    report.buildSmall = { size: small, ...addAndBuild(root, name, smallDir) };
    await rm(root, { recursive: true, force: true });
  }
  const root = join(lakeRoot, "full");
  log(`building the store of ${size.nonzeros} nonzeros ...`);
  report.build = { size, ...addAndBuild(root, name, bigDir) };
  // The build as queries reach it: store.json, then its files copied to a local cache and verified.
  const build = await withLake(root, async (lake) => {
    const { LakeStoreAccess } = await import("@omicslake/expression");
    return new LakeStoreAccess(lake, { cacheDir: join(lakeRoot, "store-cache") }).current(name);
  });
  report.store = {
    counts: build.manifest.counts,
    groups: build.manifest.groups.length,
    valueType: build.manifest.valueType,
  };

  const { engineFactory } = await import("./engine-factory.mjs");
  const duckdb = await engineFactory("duckdb");
  if (duckdb.create === undefined) {
    report.duckdb = { skipped: duckdb.missing };
  } else {
    const duck = await duckdb.create({});
    try {
      log(`DuckDB: ${runs} warm runs per query ...`);
      report.duckdb = { from: duckdb.from, ...(await runEngine("duckdb", duck, build)) };
    } finally {
      await duck.close();
    }
  }

  const clickhouseFactory = await engineFactory("clickhouse");
  if (skip.has("clickhouse")) {
    report.clickhouse = { skipped: "BENCH_EXPR_SKIP has clickhouse" };
  } else if (clickhouseFactory.create === undefined) {
    report.clickhouse = { skipped: clickhouseFactory.missing };
  } else {
    let url = process.env.BENCH_EXPR_CLICKHOUSE_URL;
    const { clickHouseMissing, startClickHouse } = await import("./clickhouse-server.mjs");
    const missing = url === undefined ? clickHouseMissing() : null;
    if (missing !== null) {
      report.clickhouse = { skipped: missing };
    } else {
      if (url === undefined) {
        clickhouse = await startClickHouse();
        url = clickhouse.url;
        report.clickhouseVersion = clickhouse.version;
      }
      const ch = await clickhouseFactory.create({ url, database: "omicslake_bench" });
      try {
        log(`ClickHouse: loading the build, then ${runs} warm runs per query ...`);
        report.clickhouse = { from: clickhouseFactory.from, ...(await runEngine("clickhouse", ch, build)) };
      } finally {
        await ch.close();
      }
    }
  }

  if (skip.has("numpy")) {
    report.numpy = { skipped: "BENCH_EXPR_SKIP has numpy" };
  } else {
    const probe = spawnSync(PYTHON, ["-c", "import numpy, scipy"], { encoding: "utf8" });
    if (probe.status !== 0) {
      report.numpy = {
        skipped: `${PYTHON} has no numpy/scipy (apt-get install python3-scipy): ${lastError(probe)}`,
      };
    } else {
      const { exportTriplets } = await import("./export-triplets.mjs");
      const t0 = performance.now();
      log("numpy/scipy: the same statistics on the same nonzeros ...");
      const arrays = await exportTriplets(bigDir, `${bigDir}-numpy`);
      const exportSeconds = (performance.now() - t0) / 1000;
      const request = join(lakeRoot, "numpy-request.json");
      writeFileSync(
        request,
        JSON.stringify({
          cells: size.cells,
          genes: size.genes,
          repeat: Math.max(3, Math.min(runs, 5)),
          pair: pairGenes,
          query_gene: queryGene,
          k: K,
          cell_type: 0,
          cv_limit: size.genes,
        }),
      );
      const py = spawnSync(PYTHON, [join(here, "numpy-peer.py"), arrays, request], {
        encoding: "utf8",
        maxBuffer: 1 << 28,
      });
      if (py.status !== 0) report.numpy = { skipped: `the numpy peer failed: ${lastError(py)}` };
      else report.numpy = { exportSeconds, ...JSON.parse(lastLine(py.stdout)) };
    }
  }
} finally {
  if (clickhouse !== undefined) await clickhouse.stop();
  await rm(lakeRoot, { recursive: true, force: true });
}

report.loadavgEnd = loadavg();
report.comparison = await compareAll(report);
printTable(report);
writeFileSync(outPath, JSON.stringify(report, null, 2) + "\n");
log(`\nreport: ${outPath}`);
log(`load average at end: ${report.loadavgEnd.map((x) => x.toFixed(2)).join(" ")}`);

async function compareAll(r) {
  const { comparePair, compareTop, compareVariability } = await import("./compare-results.mjs");
  const out = {};
  const peer = r.numpy?.pair ? r.numpy : undefined;
  for (const kind of ["duckdb", "clickhouse"]) {
    const e = r[kind];
    if (e?.pair === undefined) continue;
    const against = (ref) => ({
      pair: comparePair(e.pair.result, ref.pair),
      top: compareTop(e.top.result, ref.top),
      cv: compareVariability(e.cvAll.result, ref.cv),
    });
    out[kind] = {};
    if (peer) out[kind].numpy = against(peer);
    if (kind === "clickhouse" && r.duckdb?.pair)
      out[kind].duckdb = against({
        pair: r.duckdb.pair.result,
        top: r.duckdb.top.result,
        cv: r.duckdb.cvAll.result,
      });
  }
  return out;
}

function printTable(r) {
  const f = (x, d = 1) => (x === undefined || x === null ? "-" : x.toFixed(d));
  const line = (cells) => log(cells.map((c, i) => String(c).padEnd(i === 0 ? 30 : 16)).join(""));
  log("");
  const b = r.build;
  log(
    `store: ${b.nnz} nonzeros, ${r.store.counts.cells} cells x ${r.store.counts.genes} genes, ${r.store.groups} cell types`,
  );
  log(
    `build: ${f(b.seconds)} s (${f(b.nnz / b.seconds / 1e6, 2)} M nonzeros/s, CPU ${f(b.cpuSeconds)} s), peak RSS ${f(b.peakRssMB, 0)} MB`,
  );
  if (r.buildSmall)
    log(
      `build at 1/${smallFactor} (${r.buildSmall.nnz} nonzeros): ${f(r.buildSmall.seconds)} s, ` +
        `${f(r.buildSmall.nnz / r.buildSmall.seconds / 1e6, 2)} M nonzeros/s, peak RSS ${f(r.buildSmall.peakRssMB, 0)} MB`,
    );
  const d = r.duckdb?.pair ? r.duckdb : undefined;
  const c = r.clickhouse?.pair ? r.clickhouse : undefined;
  const n = r.numpy?.pair ? r.numpy : undefined;
  log(
    d
      ? `DuckDB prepare: ${f(d.prepareSeconds, 2)} s (engine from ${d.from})`
      : `DuckDB: ${r.duckdb?.skipped}`,
  );
  log(
    c
      ? `ClickHouse ${r.clickhouseVersion ?? ""} load (prepare): ${f(c.prepareSeconds, 1)} s (engine from ${c.from})`
      : `ClickHouse: ${r.clickhouse?.skipped}`,
  );
  if (n)
    log(
      `numpy ${n.numpy} / scipy ${n.scipy}: arrays ${f(n.load_seconds)} s, CSR+CSC ${f(n.matrix_seconds)} s (not timed below)`,
    );
  else log(`numpy: ${r.numpy?.skipped}`);
  log("");
  line([
    "query (warm ms)",
    "target",
    "DuckDB med",
    "DuckDB p95",
    "ClickHouse med",
    "CH p95",
    "CH / DuckDB",
    "numpy med",
    "DuckDB cold",
  ]);
  const targets = { pair: 100, top: 2000, cv: 2000 };
  const titles = { pair: "Pearson pair, all cells", top: `one vs all, top ${K}`, cv: `CV rank in ${cvType}` };
  for (const q of ["pair", "top", "cv"]) {
    const npMs = n ? median(n[q].seconds) * 1000 : undefined;
    line([
      titles[q],
      `<= ${targets[q]}`,
      f(d?.[q].medianMs),
      f(d?.[q].p95Ms),
      f(c?.[q].medianMs),
      f(c?.[q].p95Ms),
      c && d ? f(c[q].medianMs / d[q].medianMs, 2) : "-",
      f(npMs),
      f(d?.[q].coldMs),
    ]);
  }
  log("");
  for (const [kind, against] of Object.entries(r.comparison)) {
    for (const [ref, cmp] of Object.entries(against)) {
      const e = (x) => (x === Infinity ? "MISMATCH" : x.toExponential(1));
      log(
        `${kind} vs ${ref}: pair r ${e(cmp.pair.r)}; top ${K} r ${e(cmp.top.r)} (${cmp.top.missing} missing, ${cmp.top.misordered} misordered); ` +
          `CV ${e(cmp.cv.cv)}, mean ${e(cmp.cv.mean)}, variance ${e(cmp.cv.variance)}, fraction ${e(cmp.cv.fraction)} ` +
          `over ${cmp.cv.rows} genes (${cmp.cv.missing} missing, ${cmp.cv.misordered} misordered)`,
      );
    }
  }
}
