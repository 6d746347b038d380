// h5ad (CSR float32 X, anndata encoding) -> Parquet, end to end, with anndata.read_h5ad on the same file as a
// reference. Build first: npx tsc -b packages/formats
// Env: BENCH_H5AD_NNZ (default 50,000,000), BENCH_H5AD_COMPRESSION (none|gzip, default none, anndata's default),
// BENCH_RUNS (default 3), BENCH_PEER_RUNS (default = BENCH_RUNS), BENCH_H5AD_CONCURRENCY (matrix files encoded at
// once; default the machine's cores). The same conversion with one file at a time runs too, as the one-core figure.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PYTHON as python, dataDir, lastError, lastLine, median, runPythonPeer } from "./lib/bench-kit.mjs";

// One conversion per process (so peak RSS is its own): `--child <input> <outDir> <concurrency|default>`.
if (process.argv[2] === "--child") {
  const { convertH5ad } = await import("@omicslake/formats");
  const [, , , input, outDir, concurrency] = process.argv;
  rmSync(outDir, { recursive: true, force: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await convertH5ad(
    input,
    outDir,
    concurrency === "default" ? {} : { concurrency: Number(concurrency) },
  );
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const matrix = result.outputs.filter((o) => o.table === "matrix_X");
  const nnz = matrix.reduce((sum, o) => sum + o.rows, 0);
  process.stdout.write(
    JSON.stringify({
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      nnz,
      files: matrix.length,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    }) + "\n",
  );
  rmSync(outDir, { recursive: true, force: true });
  process.exit(0);
}

function measure(input, outDir, concurrency, n) {
  const seconds = [];
  const cpuSeconds = [];
  let maxRssMB = 0;
  let nnz = 0;
  let files = 0;
  for (let i = 0; i < n; i++) {
    const child = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), "--child", input, outDir, concurrency],
      { encoding: "utf8" },
    );
    if (child.status !== 0) throw new Error(`conversion failed: ${child.stderr}`);
    const r = JSON.parse(lastLine(child.stdout));
    seconds.push(r.seconds);
    cpuSeconds.push(r.cpuSeconds);
    maxRssMB = Math.max(maxRssMB, r.maxRssMB);
    nnz = r.nnz;
    files = r.files;
  }
  return { seconds, cpuSeconds, maxRssMB, nnz, files };
}

const targetNnz = Number(process.env.BENCH_H5AD_NNZ ?? 50_000_000);
const compression = process.env.BENCH_H5AD_COMPRESSION ?? "none";
const runs = Number(process.env.BENCH_RUNS ?? 3);
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? runs);

// Written with h5py in anndata's current encoding (deterministic seed): 33,538 genes, ~2,000 per cell.
const GENERATE = `
import sys, numpy as np, h5py
path, nnz_target, compression = sys.argv[1], int(sys.argv[2]), sys.argv[3]
comp = None if compression == "none" else compression
genes, per_cell = 33538, 2000
cells = max(1, round(nnz_target / per_cell))
rng = np.random.default_rng(42)
step = genes / per_cell
indptr = np.arange(cells + 1, dtype=np.int64) * per_cell
str_dt = h5py.special_dtype(vlen=str)
def frame(g, names):
    g.attrs["encoding-type"] = "dataframe"; g.attrs["encoding-version"] = "0.2.0"
    g.attrs["_index"] = "_index"; g.attrs["column-order"] = np.array([], dtype="S")
    d = g.create_dataset("_index", data=np.array(names, dtype=object), dtype=str_dt)
    d.attrs["encoding-type"] = "string-array"; d.attrs["encoding-version"] = "0.2.0"
with h5py.File(path, "w") as f:
    f.attrs["encoding-type"] = "anndata"; f.attrs["encoding-version"] = "0.1.0"
    x = f.create_group("X")
    x.attrs["encoding-type"] = "csr_matrix"; x.attrs["encoding-version"] = "0.1.0"; x.attrs["shape"] = np.array([cells, genes])
    nnz = cells * per_cell
    data = x.create_dataset("data", shape=(nnz,), dtype=np.float32, compression=comp, chunks=(1 << 18,) if comp else None)
    indices = x.create_dataset("indices", shape=(nnz,), dtype=np.int32, compression=comp, chunks=(1 << 18,) if comp else None)
    x.create_dataset("indptr", data=indptr)
    block = 1000
    for c0 in range(0, cells, block):
        c1 = min(cells, c0 + block)
        n = c1 - c0
        idx = np.floor(np.arange(per_cell)[None, :] * step + rng.random((n, per_cell)) * step).astype(np.int32)
        val = np.log1p(rng.poisson(1.5, (n, per_cell)) + 1).astype(np.float32)
        data[c0 * per_cell:c1 * per_cell] = val.ravel()
        indices[c0 * per_cell:c1 * per_cell] = idx.ravel()
    frame(f.create_group("obs"), [f"cell{i}" for i in range(cells)])
    frame(f.create_group("var"), [f"GENE{j}" for j in range(genes)])
    for k in ("layers", "obsm", "varm", "obsp", "varp", "uns"):
        g = f.create_group(k); g.attrs["encoding-type"] = "dict"; g.attrs["encoding-version"] = "0.1.0"
print(nnz)
`;

mkdirSync(dataDir, { recursive: true });
const input = join(dataDir, `bench-${targetNnz}-${compression}.h5ad`);
if (!existsSync(input)) {
  const t0 = performance.now();
  const gen = spawnSync(python, ["-c", GENERATE, `${input}.tmp`, String(targetNnz), compression], {
    encoding: "utf8",
  });
  if (gen.status !== 0) {
    console.log(
      `cannot generate the input: /usr/bin/python3 with numpy and h5py is needed (${lastError(gen)})`,
    );
    process.exit(1);
  }
  renameSync(`${input}.tmp`, input);
  console.log(`generated ${input} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`input: ${(statSync(input).size / 1e6).toFixed(1)} MB, compression ${compression}`);

const concurrency = process.env.BENCH_H5AD_CONCURRENCY ?? "default";
// Interleaved, so both see the same load on a shared machine.
const all = { seconds: [], cpuSeconds: [], maxRssMB: 0, nnz: 0, files: 0 };
const single = { seconds: [], cpuSeconds: [] };
for (let i = 0; i < runs; i++) {
  const r = measure(input, join(dataDir, "h5ad-out"), concurrency, 1);
  all.seconds.push(...r.seconds);
  all.cpuSeconds.push(...r.cpuSeconds);
  all.maxRssMB = Math.max(all.maxRssMB, r.maxRssMB);
  all.nnz = r.nnz;
  all.files = r.files;
  const one = measure(input, join(dataDir, "h5ad-out"), "1", 1);
  single.seconds.push(...one.seconds);
  single.cpuSeconds.push(...one.cpuSeconds);
}
const { nnz, maxRssMB: rss } = all;
const oursSeconds = median(all.seconds);
const oursCpu = all.cpuSeconds;
console.log(
  `omicslake h5ad -> parquet: ${(nnz / oursSeconds / 1e6).toFixed(2)} M nnz/s (median of ${runs}: ${oursSeconds.toFixed(2)} s, nnz ${nnz}, ${all.files} matrix files, concurrency ${concurrency})`,
);
console.log(
  `omicslake CPU time: ${median(oursCpu).toFixed(2)} s (all threads; ${(nnz / median(oursCpu) / 1e6).toFixed(2)} M nnz per CPU-second)`,
);
console.log(`omicslake peak RSS: ${rss.toFixed(0)} MB (input ${(statSync(input).size / 1e6).toFixed(0)} MB)`);
const singleSeconds = median(single.seconds);
console.log(
  `omicslake one file at a time (concurrency 1): ${(nnz / singleSeconds / 1e6).toFixed(2)} M nnz/s (median of ${runs}: ${singleSeconds.toFixed(2)} s; CPU ${median(single.cpuSeconds).toFixed(2)} s); speed-up ${(singleSeconds / oursSeconds).toFixed(2)}x`,
);

const peer = runPythonPeer(
  "anndata.read_h5ad",
  "import sys, time, anndata\nt = time.perf_counter()\na = anndata.read_h5ad(sys.argv[1])\nprint(time.perf_counter() - t, a.X.nnz)",
  input,
  peerRuns,
);
if (peer.length > 0) {
  const peerSeconds = median(peer);
  console.log(
    `anndata.read_h5ad alone (into memory, no output): ${(nnz / peerSeconds / 1e6).toFixed(2)} M nnz/s (median of ${peer.length}: ${peerSeconds.toFixed(2)} s)`,
  );
  console.log(
    `ratio anndata read time / omicslake conversion time: ${(peerSeconds / oursSeconds).toFixed(2)}x`,
  );
}
