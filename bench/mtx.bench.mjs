// Matrix Market (.mtx.gz, integer, genes x cells like 10x) -> Parquet, end to end, against scipy.io.mmread
// reading the same file in the same run. Build first: npx tsc -b packages/formats
// Env: BENCH_MTX_NNZ (default 50,000,000), BENCH_RUNS (default 3), BENCH_PEER_RUNS (default = BENCH_RUNS).
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, ".data");

if (process.argv[2] === "--child") {
  // One conversion per process so that peak RSS belongs to it alone.
  const { convertMtx } = await import("@omicslake/formats");
  if (typeof convertMtx !== "function")
    throw new Error("@omicslake/formats does not export convertMtx; build the package first");
  const [, , , input, outDir] = process.argv;
  rmSync(outDir, { recursive: true, force: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await convertMtx(input, outDir);
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  // CPU time of all threads (DuckDB's, the inflating worker's): on a shared machine it says more than wall time.
  const cpuSeconds = (used.user + used.system) / 1e6;
  const nnz = result.outputs.find((o) => o.name === "matrix.X.parquet").rows;
  process.stdout.write(
    JSON.stringify({ seconds, cpuSeconds, nnz, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + "\n",
  );
  rmSync(outDir, { recursive: true, force: true });
  process.exit(0);
}

const targetNnz = Number(process.env.BENCH_MTX_NNZ ?? 50_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? runs);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Deterministic PRNG (mulberry32) so every run and machine sees the same file.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 10x-shaped: 33,538 genes, ~2,000 detected genes per cell, counts mostly 1-5, sorted by cell then gene. */
async function generate(path, nnzTarget) {
  const genes = 33538;
  const perCell = 2000;
  const cells = Math.max(1, Math.round(nnzTarget / perCell));
  const random = rng(42);
  const counts = new Int32Array(cells);
  let nnz = 0;
  for (let c = 0; c < cells; c++) {
    counts[c] = Math.max(1, Math.round(perCell * (0.5 + random())));
    nnz += counts[c];
  }
  const gzip = createGzip({ level: 6 });
  const tmp = `${path}.tmp`;
  const done = pipeline(gzip, createWriteStream(tmp));
  gzip.write(
    `%%MatrixMarket matrix coordinate integer general\n%metadata_json: {"software_version": "bench"}\n${genes} ${cells} ${nnz}\n`,
  );
  const buf = Buffer.allocUnsafe(1 << 22);
  let pos = 0;
  const flush = async () => {
    if (!gzip.write(Buffer.from(buf.subarray(0, pos)))) await new Promise((r) => gzip.once("drain", r));
    pos = 0;
  };
  for (let c = 0; c < cells; c++) {
    const n = counts[c];
    const step = genes / n;
    for (let k = 0; k < n; k++) {
      const gene = Math.min(genes, Math.floor(k * step + random() * step) + 1);
      const r = random();
      const value = r < 0.6 ? 1 : r < 0.8 ? 2 : r < 0.9 ? 3 : 4 + Math.floor(random() * 60);
      pos += buf.write(`${gene} ${c + 1} ${value}\n`, pos, "latin1");
      if (pos > buf.length - 64) await flush();
    }
  }
  await flush();
  gzip.end();
  await done;
  renameSync(tmp, path);
  return nnz;
}

mkdirSync(dataDir, { recursive: true });
const input = join(dataDir, `bench-${targetNnz}.mtx.gz`);
if (!existsSync(input)) {
  const t0 = performance.now();
  await generate(input, targetNnz);
  console.log(`generated ${input} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`input: ${(statSync(input).size / 1e6).toFixed(1)} MB gzip`);

const ours = [];
const oursCpu = [];
let rss = 0;
let nnz = 0;
for (let i = 0; i < runs; i++) {
  const child = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--child", input, join(dataDir, "mtx-out")],
    { encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`conversion failed: ${child.stderr}`);
  const r = JSON.parse(child.stdout.trim().split("\n").pop());
  ours.push(r.seconds);
  oursCpu.push(r.cpuSeconds);
  rss = Math.max(rss, r.maxRssMB);
  nnz = r.nnz;
}
const oursSeconds = median(ours);
console.log(
  `omicslake mtx.gz -> parquet: ${(nnz / oursSeconds / 1e6).toFixed(2)} M nnz/s (median of ${runs}: ${oursSeconds.toFixed(2)} s, nnz ${nnz})`,
);
console.log(
  `omicslake CPU time: ${median(oursCpu).toFixed(2)} s (all threads; ${(nnz / median(oursCpu) / 1e6).toFixed(2)} M nnz per CPU-second)`,
);
console.log(`omicslake peak RSS: ${rss.toFixed(0)} MB`);

const peer = [];
for (let i = 0; i < peerRuns; i++) {
  const py = spawnSync(
    "/usr/bin/python3",
    [
      "-c",
      "import sys, time, scipy.io\nt = time.perf_counter()\nm = scipy.io.mmread(sys.argv[1])\nprint(time.perf_counter() - t, m.nnz)",
      input,
    ],
    { encoding: "utf8" },
  );
  if (py.status !== 0) {
    console.log(
      `scipy.io.mmread: unavailable (${(py.stderr || py.error?.message || "").trim().split("\n").pop()})`,
    );
    break;
  }
  peer.push(Number(py.stdout.trim().split(/\s+/)[0]));
}
if (peer.length > 0) {
  const peerSeconds = median(peer);
  console.log(
    `scipy.io.mmread alone: ${(nnz / peerSeconds / 1e6).toFixed(2)} M nnz/s (median of ${peer.length}: ${peerSeconds.toFixed(2)} s)`,
  );
  console.log(`ratio omicslake / scipy: ${(peerSeconds / oursSeconds).toFixed(2)}x`);
}
