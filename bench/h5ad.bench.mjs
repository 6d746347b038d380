// h5ad (CSR float32 X, anndata encoding) -> Parquet, end to end, with anndata.read_h5ad on the same file as a
// reference. Build first: npx tsc -b packages/formats
// Env: BENCH_H5AD_NNZ (default 50,000,000), BENCH_H5AD_COMPRESSION (none|gzip, default none, anndata's default),
// BENCH_RUNS (default 3), BENCH_PEER_RUNS (default = BENCH_RUNS).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  PYTHON as python,
  dataDir,
  lastError,
  measureConversions,
  median,
  runConversionChild,
  runPythonPeer,
} from "./lib/bench-kit.mjs";

if (process.argv[2] === "--child") await runConversionChild("convertH5ad");

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

const {
  seconds: ours,
  cpuSeconds: oursCpu,
  maxRssMB: rss,
  nnz,
} = measureConversions(fileURLToPath(import.meta.url), input, join(dataDir, "h5ad-out"), runs);
const oursSeconds = median(ours);
console.log(
  `omicslake h5ad -> parquet: ${(nnz / oursSeconds / 1e6).toFixed(2)} M nnz/s (median of ${runs}: ${oursSeconds.toFixed(2)} s, nnz ${nnz})`,
);
console.log(
  `omicslake CPU time: ${median(oursCpu).toFixed(2)} s (all threads; ${(nnz / median(oursCpu) / 1e6).toFixed(2)} M nnz per CPU-second)`,
);
console.log(`omicslake peak RSS: ${rss.toFixed(0)} MB (input ${(statSync(input).size / 1e6).toFixed(0)} MB)`);

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
