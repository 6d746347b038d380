// REST entity API on PostgreSQL: a list page of 100 (keyset, varied cursors) and a lookup by accession
// (varied accessions), measured with wrk (64 connections) against the omicslake server, then against an
// equivalent FastAPI + asyncpg app (Debian's python3-fastapi, python3-uvicorn, python3-asyncpg) on the
// same table in the same run. Also prints the serving loader's rate on the generated runs.
// Build first: npm run build
// Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a scratch schema is created and
// dropped), BENCH_REST_ROWS (generated SRA runs, default 200000), BENCH_REST_SECONDS (wrk duration,
// default 10), BENCH_RUNS (wrk runs per figure, default 3; the median is printed), BENCH_REST_CONNECTIONS (64).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { cpuUsage } from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";
import { openLake } from "@omicslake/core";
import { loadEntity } from "@omicslake/metadata";
import { buildServer } from "@omicslake/server";

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, ".data", "rest-api");
const ROWS = Number(process.env.BENCH_REST_ROWS ?? 200_000);
const SECONDS = Number(process.env.BENCH_REST_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_REST_CONNECTIONS ?? 64);
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const PYTHON = "/usr/bin/python3";

if (!existsSync("/usr/bin/wrk")) throw new Error("wrk is not installed (apt-get install wrk)");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString("en-US");
const accessionOf = (i) => `SRR${String(i).padStart(8, "0")}`;

/** Deterministic SRA run records shaped like the curated Parquet (record fields as columns), written by DuckDB. */
async function generateRuns(path) {
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  try {
    await c.run(`COPY (
      SELECT 'sra_run' AS kind,
        'SRR' || lpad(CAST(i AS VARCHAR), 8, '0') AS accession,
        'run_' || i AS alias,
        'GEO' AS centerName,
        {'primary': 'SRR' || lpad(CAST(i AS VARCHAR), 8, '0'), 'secondary': []::VARCHAR[],
         'external': [{'namespace': 'GEO', 'label': NULL, 'value': 'GSM' || (3000000 + i // 2)}],
         'submitter': [{'namespace': 'GEO', 'value': 'GSM' || (3000000 + i // 2) || '_r1'}]} AS identifiers,
        [{'tag': 'tissue', 'value': ['liver', 'brain', 'blood', 'kidney'][i % 4 + 1], 'units': NULL},
         {'tag': 'replicate', 'value': CAST(i % 5 AS VARCHAR), 'units': NULL}] AS attributes,
        []::STRUCT(db VARCHAR, id VARCHAR)[] AS xrefLinks,
        []::STRUCT(label VARCHAR, url VARCHAR)[] AS urlLinks,
        'GSM' || (3000000 + i // 2) AS geoAccession,
        'SAMN' || (10000000 + i // 2) AS biosample,
        'PRJNA' || (500000 + i // 100) AS bioproject,
        []::BIGINT[] AS pubmedIds,
        ['Illumina NovaSeq 6000', 'Illumina HiSeq 2500', 'MinION'][i % 3 + 1] || ' sequencing; GSM' || (3000000 + i // 2) || ': ' ||
          ['liver', 'brain', 'blood', 'kidney'][i % 4 + 1] || ' sample ' || i AS title,
        'SRX' || lpad(CAST(i // 2 AS VARCHAR), 8, '0') AS experimentAccession,
        'SRP' || lpad(CAST(i // 100 AS VARCHAR), 6, '0') AS studyAccession,
        'SRS' || lpad(CAST(i // 2 AS VARCHAR), 8, '0') AS sampleAccession,
        strftime(DATE '2012-01-01' + CAST(i % 4000 AS INTEGER), '%Y-%m-%d') || ' 10:00:00' AS published,
        CAST((i * 7919) % 50000000 AS BIGINT) AS totalSpots,
        CAST((i * 7919) % 50000000 AS BIGINT) * 150 AS totalBases,
        CAST((i * 104729) % 3000000000 AS BIGINT) AS size,
        true AS isPublic,
        ['ILLUMINA', 'ILLUMINA', 'OXFORD_NANOPORE'][i % 3 + 1] AS platform,
        ['Illumina NovaSeq 6000', 'Illumina HiSeq 2500', 'MinION'][i % 3 + 1] AS instrumentModel,
        [{'index': 0, 'count': CAST((i * 7919) % 50000000 AS DOUBLE), 'average': 151.0, 'stdev': 0.0},
         {'index': 1, 'count': CAST((i * 7919) % 50000000 AS DOUBLE), 'average': 151.0, 'stdev': 0.0}] AS reads,
        [{'filename': 'SRR' || lpad(CAST(i AS VARCHAR), 8, '0'), 'url': 'https://sra-downloadb.be-md.ncbi.nlm.nih.gov/sos5/sra-pub-zq-11/SRR' || lpad(CAST(i AS VARCHAR), 8, '0') || '/SRR' || lpad(CAST(i AS VARCHAR), 8, '0') || '.lite.1',
          'size': CAST((i * 104729) % 3000000000 AS BIGINT), 'md5': md5(CAST(i AS VARCHAR)), 'semanticName': 'SRA Lite', 'supertype': 'Primary ETL'}] AS files
      FROM range(${ROWS}) AS t(i)
    ) TO '${path}' (FORMAT parquet)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err || out}`)),
    );
  });
}

/** CPU milliseconds a server process has used so far: this process via cpuUsage, the peer from /proc. */
function cpuMs(pid) {
  if (pid === undefined) {
    const { user, system } = cpuUsage();
    return (user + system) / 1000;
  }
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime in clock ticks of 10 ms
}

/**
 * CPU milliseconds used so far by each PostgreSQL backend serving `applicationName`, by pid; empty when the
 * server is not on this machine (its /proc entries are missing), and the figure is then left out.
 */
async function backendCpu(admin, applicationName) {
  const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [
    applicationName,
  ]);
  const cpu = new Map();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuMs(pid));
    } catch {
      return new Map();
    }
  }
  return cpu;
}

/** Backend CPU between two backendCpu snapshots; a backend opened in between counts from zero. */
function backendDelta(before, after) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return after.size > 0 ? total : Number.NaN;
}

const UNITS = { us: 0.001, ms: 1, s: 1000 };
/** One wrk run over the paths in `pathsFile` (a Lua script cycles through them, each thread from its own offset). */
async function wrk(base, pathsFile, seconds = SECONDS) {
  const script = join(dataDir, `paths-${randomBytes(4).toString("hex")}.lua`);
  writeFileSync(
    script,
    `local paths = {}
for line in io.lines("${pathsFile}") do paths[#paths + 1] = line end
local i = math.random(1, #paths)
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
`,
  );
  try {
    const out = await run("/usr/bin/wrk", [
      "-t2",
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      "--latency",
      "-s",
      script,
      base,
    ]);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
    const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors:[^\n]*/.exec(out)?.[0] ?? "";
    if (!Number.isFinite(rps) || !p99) throw new Error(`cannot read wrk output:\n${out}`);
    return { rps, requests, p99: Number(p99[1]) * UNITS[p99[2]], bad, socket };
  } finally {
    rmSync(script, { force: true });
  }
}

/**
 * Median req/s and p99 over RUNS wrk runs, and the server's CPU time per request: on a shared, loaded
 * machine throughput follows the scheduler, while CPU per request is what the server itself costs.
 */
async function measure(label, base, pathsFile, pid, admin, applicationName) {
  // An unrecorded first run, so the JIT and the connection pools are warm for both servers alike.
  await wrk(base, pathsFile, Math.min(3, SECONDS));
  const results = [];
  for (let r = 0; r < RUNS; r++) {
    const before = cpuMs(pid);
    const dbBefore = await backendCpu(admin, applicationName);
    const result = await wrk(base, pathsFile);
    const db = backendDelta(dbBefore, await backendCpu(admin, applicationName)) / result.requests;
    results.push({ ...result, cpu: (cpuMs(pid) - before) / result.requests, db });
  }
  const rps = median(results.map((x) => x.rps));
  const p99 = median(results.map((x) => x.p99));
  const cpu = median(results.map((x) => x.cpu));
  const db = median(results.map((x) => x.db));
  const bad = results.reduce((n, x) => n + x.bad, 0);
  const socket = results
    .map((x) => x.socket)
    .filter(Boolean)
    .join("; ");
  console.log(
    `${label}: ${fmt(rps)} req/s, p99 ${p99.toFixed(1)} ms, server CPU ${cpu.toFixed(3)} ms/request${Number.isFinite(db) ? `, database CPU ${db.toFixed(3)} ms/request` : ""}${bad ? `, ${bad} non-2xx` : ""}${socket ? ` (${socket})` : ""}`,
  );
  return { rps, p99, cpu, db };
}

async function waitFor(base, path, child) {
  const deadline = Date.now() + 60_000;
  let exited = false;
  child?.once("exit", () => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(base + path);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${base}${path} did not answer`);
}

const PEER = String.raw`
import base64, json, os
from typing import Optional
import asyncpg
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

app = FastAPI()
state = {}

@app.on_event("startup")
async def startup():
    state["pool"] = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=10, max_size=10,
                                              server_settings={"search_path": os.environ["BENCH_SCHEMA"],
                                                               "application_name": "fastapi_peer"})

def error(status, code, message):
    return JSONResponse({"error": {"code": code, "message": message, "details": {}}}, status_code=status)

@app.get("/v1/sra/runs/{accession}")
async def lookup(accession: str):
    record = await state["pool"].fetchval("SELECT record::text FROM sra_run WHERE accession = $1", accession)
    if record is None:
        return error(404, "not_found", f"SRA run {json.dumps(accession)} does not exist")
    return Response(record, media_type="application/json")

def encode(accession):
    raw = json.dumps({"e": "sra_run", "a": accession}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

@app.get("/v1/sra/runs")
async def runs(request: Request, limit: int = Query(50, ge=1, le=500), cursor: Optional[str] = Query(None, max_length=2000)):
    pool = state["pool"]
    if cursor is None:
        rows = await pool.fetch("SELECT accession, record::text AS r FROM sra_run ORDER BY accession LIMIT $1", limit + 1)
    else:
        try:
            payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            if payload.get("e") != "sra_run" or not isinstance(payload.get("a"), str):
                raise ValueError("foreign cursor")
        except Exception:
            return error(400, "invalid_cursor", "invalid page cursor")
        rows = await pool.fetch("SELECT accession, record::text AS r FROM sra_run WHERE accession > $1 ORDER BY accession LIMIT $2",
                                payload["a"], limit + 1)
    more = len(rows) > limit
    page = rows[:limit]
    next_cursor = encode(page[-1]["accession"]) if more and page else None
    self_link = request.url.path + ("?" + request.url.query if request.url.query else "")
    next_link = None
    if next_cursor is not None:
        params = dict(request.query_params)
        params["cursor"] = next_cursor
        next_link = request.url.path + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    body = ('{"data":[' + ",".join(r["r"] for r in page) + '],"meta":{"count":%d,"next_cursor":%s},"links":%s}'
            % (len(page), json.dumps(next_cursor), json.dumps({"self": self_link, "next": next_link})))
    return Response(body, media_type="application/json")
`;

async function main() {
  mkdirSync(dataDir, { recursive: true });
  const schema = `bench_rest_${randomBytes(4).toString("hex")}`;
  const parquet = join(dataDir, `sra_run-${ROWS}.parquet`);
  if (!existsSync(parquet)) await generateRuns(parquet);
  console.log(
    `rest-api: ${fmt(ROWS)} generated SRA runs, wrk ${CONNECTIONS} connections × ${SECONDS} s, median of ${RUNS}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );

  const root = join(dataDir, `lake-${schema}`);
  const lake = await openLake({
    root,
    storage: { url: `file://${join(root, "objects")}` },
    database: { url, schema },
  });
  let app;
  let peer;
  let admin;
  try {
    const loaded = await loadEntity(lake.catalog.db, "sra_run", parquet);
    console.log(
      `serving load (PostgreSQL, A/B): ${fmt(loaded.rows / loaded.seconds)} rows/s (${fmt(loaded.rows)} rows in ${loaded.seconds.toFixed(1)} s, indexes and ANALYZE included)`,
    );

    app = await buildServer({ lake, rateLimit: 0, logger: false });
    const base = await app.listen({ host: "127.0.0.1", port: 0 });

    // Lookups: accessions spread over the table. List pages: cursors collected by walking the API.
    const lookups = join(dataDir, "lookup-paths.txt");
    const lists = join(dataDir, "list-paths.txt");
    const accessions = [];
    for (let k = 0; k < 5000; k++) accessions.push(`/v1/sra/runs/${accessionOf((k * 7919) % ROWS)}`);
    writeFileSync(lookups, accessions.join("\n") + "\n");
    const pages = ["/v1/sra/runs?limit=100"];
    let next = "/v1/sra/runs?limit=500";
    for (let k = 0; k < 200 && next; k++) {
      const body = await (await fetch(base + next)).json();
      if (body.meta.next_cursor) pages.push(`/v1/sra/runs?limit=100&cursor=${body.meta.next_cursor}`);
      next = body.links.next;
    }
    writeFileSync(lists, pages.join("\n") + "\n");

    // Reads which backends serve each side, to report the database's CPU per request too.
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const ours = {
      list: await measure("omicslake list page of 100", base, lists, undefined, admin, "omicslake"),
      lookup: await measure("omicslake lookup by accession", base, lookups, undefined, admin, "omicslake"),
    };
    await app.close();
    app = undefined;

    const script = join(dataDir, "fastapi_peer.py");
    writeFileSync(script, PEER);
    const port = await freePort();
    peer = spawn(
      PYTHON,
      [
        "-m",
        "uvicorn",
        "fastapi_peer:app",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--log-level",
        "warning",
        "--no-access-log",
      ],
      {
        cwd: dataDir,
        env: { ...process.env, BENCH_DSN: url, BENCH_SCHEMA: schema },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    const peerBase = `http://127.0.0.1:${port}`;
    await waitFor(peerBase, `/v1/sra/runs/${accessionOf(1)}`, peer);
    const theirs = {
      list: await measure(
        "FastAPI + asyncpg list page of 100",
        peerBase,
        lists,
        peer.pid,
        admin,
        "fastapi_peer",
      ),
      lookup: await measure(
        "FastAPI + asyncpg lookup by accession",
        peerBase,
        lookups,
        peer.pid,
        admin,
        "fastapi_peer",
      ),
    };
    for (const [name, a, b] of [
      ["list page", ours.list, theirs.list],
      ["lookup", ours.lookup, theirs.lookup],
    ]) {
      console.log(
        `ratio ${name} (omicslake / FastAPI): ${(a.rps / b.rps).toFixed(2)}× req/s, p99 ${a.p99.toFixed(1)} vs ${b.p99.toFixed(1)} ms, ${(b.cpu / a.cpu).toFixed(2)}× less server CPU per request${Number.isFinite(a.db) && Number.isFinite(b.db) ? `, ${((b.cpu + b.db) / (a.cpu + a.db)).toFixed(2)}× less server + database CPU` : ""}`,
      );
    }
    console.log(
      `load average after: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(" ")}`,
    );
  } finally {
    peer?.kill("SIGTERM");
    await app?.close();
    await lake.close();
    await admin?.end();
    const dropper = new pg.Client({ connectionString: url });
    await dropper.connect();
    await dropper.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dropper.end();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
