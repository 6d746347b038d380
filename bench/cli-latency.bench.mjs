// How long one-shot CLI commands take from spawn to exit, next to a bare `node -e 0` (the floor every
// command pays): `--help`, `--version`, `config check`, `catalog ls` on an embedded (PGlite) lake holding
// one added file, and the first `add` into a fresh lake (which creates the catalog). Build first:
// npm run build
// Env: BENCH_RUNS (default 9; medians are printed), OMICSLAKE_BIN (default this checkout's
// apps/cli/bin/omicslake.js; point it at another build to compare two versions on the same machine).
// Runs are interleaved (one of each case per round) so a burst of load on a shared machine colours every
// case alike; CPU time (user + system of the child) is printed beside wall time because it varies less.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { median, repoRoot } from "./lib/bench-kit.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const BIN = process.env.OMICSLAKE_BIN ?? join(repoRoot, "apps", "cli", "bin", "omicslake.js");
const scratch = mkdtempSync(join(tmpdir(), "omicslake-cli-latency-"));

// The embedded catalog is the case measured: a DATABASE_URL in the caller's environment would select PostgreSQL.
const env = { ...process.env };
delete env.DATABASE_URL;

/** Clock ticks per second of /proc's CPU times; 100 on every Linux we run on, asked to be sure. */
const ticksPerSecond = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU seconds used by this process's waited-for children so far (Linux), or undefined elsewhere. */
function childrenCpuSeconds() {
  try {
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17 of the line.
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** Runs one command to completion; returns its wall and CPU seconds, failing loudly on a non-zero exit. */
function timed(args, cwd) {
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env, encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = childrenCpuSeconds();
  if (result.status !== 0) {
    throw new Error(`${args.join(" ")} exited with ${result.status}: ${(result.stderr || "").trim()}`);
  }
  return { seconds, cpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

/** A fresh lake with its starter config (not timed). */
function freshLake(name) {
  const dir = join(scratch, name);
  const init = spawnSync(process.execPath, [BIN, "init", dir], { env, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  writeFileSync(join(dir, "samples.csv"), "id,value\n1,2\n3,4\n");
  return dir;
}

const lakes = [];
const cases = [
  { name: "node -e 0", run: () => timed(["-e", "0"], scratch) },
  { name: "omicslake --help", run: () => timed([BIN, "--help"], scratch) },
  { name: "omicslake --version", run: () => timed([BIN, "--version"], scratch) },
  {
    name: "first add (creates catalog)",
    run: (round) => {
      const dir = freshLake(`lake-${round}`);
      lakes.push(dir);
      return timed([BIN, "add", "samples.csv", "--dataset", "samples"], dir);
    },
  },
  // Both read the lake the first round's `add` made.
  { name: "config check", run: () => timed([BIN, "config", "check"], lakes[0]) },
  { name: "catalog ls", run: () => timed([BIN, "catalog", "ls"], lakes[0]) },
];

const load0 = loadavg();
const samples = new Map(cases.map((c) => [c.name, { seconds: [], cpuSeconds: [] }]));
try {
  for (let round = 0; round < RUNS; round++) {
    for (const c of cases) {
      const { seconds, cpuSeconds } = c.run(round);
      samples.get(c.name).seconds.push(seconds);
      if (cpuSeconds !== undefined) samples.get(c.name).cpuSeconds.push(cpuSeconds);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const load1 = loadavg();

const ms = (s) => (s === undefined ? "-" : String(Math.round(s * 1000)));
const floor = median(samples.get("node -e 0").seconds);
const floorCpu = median(samples.get("node -e 0").cpuSeconds);
process.stdout.write(
  `${BIN}\n${RUNS} runs each; load average ${load0[0].toFixed(2)} before, ${load1[0].toFixed(2)} after\n`,
);
const rows = [["case", "median ms", "min ms", "× node", "cpu ms", "cpu × node"]];
for (const c of cases) {
  const { seconds, cpuSeconds } = samples.get(c.name);
  const cpu = cpuSeconds.length > 0 ? median(cpuSeconds) : undefined;
  rows.push([
    c.name,
    ms(median(seconds)),
    ms(Math.min(...seconds)),
    (median(seconds) / floor).toFixed(1),
    ms(cpu),
    cpu === undefined || !floorCpu ? "-" : (cpu / floorCpu).toFixed(1),
  ]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const row of rows) {
  process.stdout.write(
    `${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")}\n`,
  );
}
