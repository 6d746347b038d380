// Scaffolding shared by the benchmarks: where inputs go, medians, peak RSS, deterministic inputs, the
// one-conversion-per-process child and the Python peer runs. Not a benchmark itself (run-all only picks
// up files ending in .bench.mjs).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Generated inputs and outputs, git-ignored and reused between runs. */
export const dataDir = join(repoRoot, "bench", ".data");
export const PYTHON = "/usr/bin/python3";

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The last line of `stdout` with a trailing newline trimmed: what a child or peer printed last. */
export const lastLine = (stdout) => stdout.trim().split("\n").pop();

/** A spawned process's stderr (or spawn error), last line only: enough to say why something is unavailable. */
export const lastError = (result) => (result.stderr || result.error?.message || "").trim().split("\n").pop();

/**
 * VmHWM, not getrusage: Linux carries ru_maxrss across exec, so a child would report its parent's peak
 * (the generator's) instead of its own.
 */
export function peakRssMB() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m === null ? process.resourceUsage().maxRSS / 1024 : Number(m[1]) / 1024;
}

/** Deterministic PRNG (mulberry32) so every run and machine sees the same file. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Child side of a conversion benchmark (`<script> --child <input> <outDir>`): runs the named converter of
 * the built @omicslake/formats once, prints its wall and CPU time, matrix nnz and peak RSS as JSON, and exits.
 * One conversion per process so that peak RSS belongs to it alone.
 */
export async function runConversionChild(name) {
  const convert = (await import("@omicslake/formats"))[name];
  if (typeof convert !== "function")
    throw new Error(`@omicslake/formats does not export ${name}; build the package first`);
  const [, , , input, outDir] = process.argv;
  rmSync(outDir, { recursive: true, force: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await convert(input, outDir);
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

/** Parent side: `runs` conversions of `input`, each in a fresh `script --child` process. */
export function measureConversions(script, input, outDir, runs) {
  const seconds = [];
  const cpuSeconds = [];
  let maxRssMB = 0;
  let nnz = 0;
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, [script, "--child", input, outDir], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`conversion failed: ${child.stderr}`);
    const r = JSON.parse(lastLine(child.stdout));
    seconds.push(r.seconds);
    cpuSeconds.push(r.cpuSeconds);
    maxRssMB = Math.max(maxRssMB, r.maxRssMB);
    nnz = r.nnz;
  }
  return { seconds, cpuSeconds, maxRssMB, nnz };
}

/**
 * Runs the Python peer `code` on `input` up to `runs` times; it prints its own seconds first. Returns those
 * seconds, or stops at the first failure after printing "<label>: unavailable (why)".
 */
export function runPythonPeer(label, code, input, runs) {
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const py = spawnSync(PYTHON, ["-c", code, input], { encoding: "utf8" });
    if (py.status !== 0) {
      console.log(`${label}: unavailable (${lastError(py)})`);
      break;
    }
    seconds.push(Number(py.stdout.trim().split(/\s+/)[0]));
  }
  return seconds;
}
