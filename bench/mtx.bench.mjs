// Matrix Market (.mtx.gz, integer, genes x cells like 10x) -> Parquet, end to end, against scipy.io.mmread
// reading the same file in the same run. Build first: npx tsc -b packages/formats
// Env: BENCH_MTX_NNZ (default 50,000,000), BENCH_RUNS (default 3), BENCH_PEER_RUNS (default = BENCH_RUNS),
// BENCH_MTX_PLAIN=1 to convert the uncompressed .mtx (as Cell Ranger v2 writes) instead of the .mtx.gz.
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGunzip, createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import {
  dataDir,
  measureConversions,
  median,
  rng,
  runConversionChild,
  runPythonPeer,
} from "./lib/bench-kit.mjs";

if (process.argv[2] === "--child") await runConversionChild("convertMtx");

const targetNnz = Number(process.env.BENCH_MTX_NNZ ?? 50_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? runs);
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
const gzInput = join(dataDir, `bench-${targetNnz}.mtx.gz`);
if (!existsSync(gzInput)) {
  const t0 = performance.now();
  await generate(gzInput, targetNnz);
  console.log(`generated ${gzInput} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const plain = process.env.BENCH_MTX_PLAIN === "1";
const input = plain ? gzInput.replace(/\.gz$/, "") : gzInput;
if (plain && !existsSync(input)) {
  await pipeline(createReadStream(gzInput), createGunzip(), createWriteStream(`${input}.tmp`));
  renameSync(`${input}.tmp`, input);
}
console.log(`input: ${(statSync(input).size / 1e6).toFixed(1)} MB ${plain ? "plain" : "gzip"}`);

const {
  seconds: ours,
  cpuSeconds: oursCpu,
  maxRssMB: rss,
  nnz,
} = measureConversions(fileURLToPath(import.meta.url), input, join(dataDir, "mtx-out"), runs);
const oursSeconds = median(ours);
console.log(
  `omicslake ${plain ? "mtx" : "mtx.gz"} -> parquet: ${(nnz / oursSeconds / 1e6).toFixed(2)} M nnz/s (median of ${runs}: ${oursSeconds.toFixed(2)} s, nnz ${nnz})`,
);
console.log(
  `omicslake CPU time: ${median(oursCpu).toFixed(2)} s (all threads; ${(nnz / median(oursCpu) / 1e6).toFixed(2)} M nnz per CPU-second)`,
);
console.log(`omicslake peak RSS: ${rss.toFixed(0)} MB`);

const peer = runPythonPeer(
  "scipy.io.mmread",
  "import sys, time, scipy.io\nt = time.perf_counter()\nm = scipy.io.mmread(sys.argv[1])\nprint(time.perf_counter() - t, m.nnz)",
  input,
  peerRuns,
);
if (peer.length > 0) {
  const peerSeconds = median(peer);
  console.log(
    `scipy.io.mmread alone: ${(nnz / peerSeconds / 1e6).toFixed(2)} M nnz/s (median of ${peer.length}: ${peerSeconds.toFixed(2)} s)`,
  );
  console.log(`ratio omicslake / scipy: ${(peerSeconds / oursSeconds).toFixed(2)}x`);
}
