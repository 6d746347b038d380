// `omicslake catalog ls` from spawn to exit on the embedded catalog opened directly (nothing else running),
// through the socket of a running `omicslake serve` that holds it, and on PostgreSQL; plus the latency of
// one small catalog query in a process that already has the catalog open, the same three ways.
// Build first: npm run build
// Env: BENCH_RUNS (default 7; medians are printed), DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test; a scratch schema is created and dropped; unreachable = skipped).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlClient } from "@omicslake/core";
import { median, repoRoot } from "./lib/bench-kit.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const QUERIES = 200;
const BIN = join(repoRoot, "apps", "cli", "bin", "omicslake.js");
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `bench_socket_${process.pid}`;
const scratch = mkdtempSync(join(tmpdir(), "omicslake-socket-bench-"));
const env = { ...process.env };
delete env.DATABASE_URL;

function lake(name, database) {
  const dir = join(scratch, name);
  const init = spawnSync(process.execPath, [BIN, "init", dir], { env, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  if (database)
    writeFileSync(
      join(dir, "omicslake.toml"),
      `[lake]\nroot = ".omicslake"\ndatabase = "${url}"\ndatabase_schema = "${schema}"\n`,
    );
  writeFileSync(join(dir, "samples.csv"), "id,value\n1,2\n3,4\n");
  const added = spawnSync(process.execPath, [BIN, "add", "samples.csv", "--dataset", "samples"], {
    cwd: dir,
    env,
    encoding: "utf8",
  });
  if (added.status !== 0) throw new Error(`add failed: ${added.stderr}`);
  return dir;
}

function catalogLs(dir) {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [BIN, "catalog", "ls", "--json"], {
    cwd: dir,
    env,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`catalog ls failed: ${result.stderr}`);
  return (performance.now() - t0) / 1000;
}

async function queryLatency(config) {
  const db = await openSqlClient(config);
  try {
    const times = [];
    for (let i = 0; i < QUERIES; i++) {
      const t0 = performance.now();
      await db.query("SELECT count(*) AS n FROM datasets WHERE id > $1", [i]);
      times.push(performance.now() - t0);
    }
    return { kind: db.constructor.name, ms: median(times) };
  } finally {
    await db.close();
  }
}

function startServe(dir) {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
    cwd: dir,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      if (/serving http/.test(stderr)) resolve(child);
    });
    child.on("close", () => reject(new Error(`serve exited: ${stderr}`)));
  });
}

const load0 = loadavg();
const rows = [["case", "catalog ls median ms", "min ms", "query median ms"]];
try {
  const embedded = lake("embedded");
  const pgliteDir = join(embedded, ".omicslake", "catalog");
  const direct = Array.from({ length: RUNS }, () => catalogLs(embedded));
  const directQuery = await queryLatency({ pgliteDir });
  const serve = await startServe(embedded);
  let shared;
  let sharedQuery;
  try {
    shared = Array.from({ length: RUNS }, () => catalogLs(embedded));
    sharedQuery = await queryLatency({ pgliteDir });
  } finally {
    serve.kill("SIGTERM");
  }
  rows.push(["PGlite, direct", ...summary(direct), directQuery.ms.toFixed(2)]);
  rows.push(["PGlite, through serve's socket", ...summary(shared), sharedQuery.ms.toFixed(2)]);
  let postgres;
  try {
    postgres = lake("postgres", url);
  } catch (error) {
    rows.push(["PostgreSQL", `skipped: ${String(error.message).split("\n")[0]}`, "", ""]);
  }
  if (postgres) {
    const times = Array.from({ length: RUNS }, () => catalogLs(postgres));
    const q = await queryLatency({ url, schema });
    rows.push(["PostgreSQL", ...summary(times), q.ms.toFixed(2)]);
    const db = await openSqlClient({ url });
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const load1 = loadavg();
process.stdout.write(
  `${RUNS} runs each; load average ${load0[0].toFixed(2)} before, ${load1[0].toFixed(2)} after\n`,
);
for (const row of rows)
  process.stdout.write(
    `${row[0].padEnd(34)} ${row
      .slice(1)
      .map((c) => String(c).padStart(12))
      .join(" ")}\n`,
  );

function summary(seconds) {
  return [Math.round(median(seconds) * 1000), Math.round(Math.min(...seconds) * 1000)];
}
