import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { openSqlClient, type Lake } from "@omicslake/core";
import { freshSchemaName, lakeCombos, type ComboLake } from "@omicslake/core/testing";
import { describe, expect, it } from "vitest";
import {
  InProcessPartitionRunner,
  PgBossPartitionRunner,
  SqlAssetStateStore,
  executeRequests,
  type MaterializationRecord,
  type RequestOutcome,
} from "@omicslake/assets";
import { ITEM_PARTITIONS, demoGraph } from "./fixtures/demo-assets.js";

// Distributed execution end to end: a coordinator (this process, executeRequests + the pg-boss runner)
// and three `omicslake worker` processes on one PostgreSQL lake. One worker is SIGKILLed in the middle
// of a materialization; its job must be handed to another worker by the liveness sweep (not after the
// job's expiry), and the result must be what the in-process executor gives on a lake of its own.

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, "fixtures", "distributed-worker-child.ts");
const url = process.env["DATABASE_URL"];
const combo = lakeCombos().find((c) => c.store === "fs" && c.engine === "postgres");

/** One worker process: its output so far, and how it ended once it has. */
interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(location: ComboLake, queueSchema: string): WorkerProcess {
  const { root, storage, database } = location;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", CHILD, JSON.stringify({ root, storage, database }), queueSchema],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  if (child.pid === undefined) throw new Error("the worker process did not start");
  const worker: WorkerProcess = {
    child,
    pid: child.pid,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
  };
  child.stdout?.on("data", (d: Buffer) => (worker.stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (worker.stderr += d.toString()));
  return worker;
}

/** Polls `probe` until it gives a value; fails with `what` (and the workers' output) after `ms`. */
async function until<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined> | T | undefined,
  workers: readonly WorkerProcess[] = [],
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const output = workers.map((w) => `--- worker ${w.pid}\n${w.stdout}${w.stderr}`).join("\n");
      throw new Error(`timed out waiting for ${what}\n${output}`);
    }
    await sleep(25);
  }
}

/** `promise`, or a failure naming `what` (with the workers' output) after `ms`, so a hang ends the test. */
async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  workers: readonly WorkerProcess[],
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const output = workers.map((w) => `--- worker ${w.pid}\n${w.stdout}${w.stderr}`).join("\n");
      reject(new Error(`timed out waiting for ${what}\n${output}`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const requests = [
  ...ITEM_PARTITIONS.map((partition) => ({
    key: "demo/items",
    partition,
    origin: "cli" as const,
    reason: "distributed test",
  })),
  { key: "demo/summary", partition: undefined, origin: "cli" as const, reason: "distributed test" },
];

async function allRecords(store: SqlAssetStateStore, key: string): Promise<MaterializationRecord[]> {
  return [...(await store.list({ key, limit: 500 })).items].sort((a, b) => a.id - b.id);
}

/** Each asset-partition's data version after the run, `key|partition` → version. */
async function versions(store: SqlAssetStateStore): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const key of ["demo/items", "demo/summary"]) {
    for (const record of await allRecords(store, key)) {
      if (record.status === "succeeded") out.set(`${key}|${record.partition ?? ""}`, record.dataVersion);
    }
  }
  return out;
}

async function runInProcess(lake: Lake): Promise<Map<string, string | null>> {
  const graph = demoGraph();
  const store = new SqlAssetStateStore(lake);
  const runner = new InProcessPartitionRunner({ lake, graph, store });
  try {
    const outcomes = await executeRequests(requests, {
      graph,
      runner,
      concurrency: 3,
      signal: new AbortController().signal,
    });
    expect(outcomes.map((o) => o.status)).toEqual(requests.map(() => "succeeded"));
  } finally {
    await runner.close();
  }
  return versions(store);
}

describe.skipIf(url === undefined || combo === undefined)(
  `three pg-boss workers, one killed mid-run${url === undefined ? " — skipped: DATABASE_URL is not set (run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)" : ""}`,
  () => {
    it("materializes every partition exactly once, retries the killed worker's job elsewhere, and equals the in-process result", async () => {
      const opened = await combo!.open();
      const reference = await combo!.open();
      const queueSchema = freshSchemaName().replace("olk_test_", "olk_jobs_");
      const workers: WorkerProcess[] = [];
      const graph = demoGraph();
      const store = new SqlAssetStateStore(opened.lake);
      const runner = new PgBossPartitionRunner({
        lake: opened.lake,
        store,
        connectionString: url!,
        schema: queueSchema,
        pollIntervalMs: 100,
        livenessIntervalMs: 250,
      });
      try {
        for (let i = 0; i < 3; i++) workers.push(startWorker(opened, queueSchema));
        // The reference run overlaps the workers' start-up; it has a lake (and schema) of its own.
        const expected = await runInProcess(reference.lake);
        await until(
          "three workers to be ready",
          60_000,
          () => (workers.every((w) => w.stdout.includes("is taking jobs")) ? true : undefined),
          workers,
        );

        const pids = new Set(workers.map((w) => w.pid));
        const running = executeRequests(requests, {
          graph,
          runner,
          concurrency: 3,
          signal: new AbortController().signal,
        });
        // Kill a worker in the middle of an attempt: its materialization is running, in a run it owns.
        const victim = await until(
          "a worker to run a materialization",
          30_000,
          async () => {
            for (const record of (await store.list({ status: "running", limit: 100 })).items) {
              // Well inside its 300-500 ms of work (same host, same clock), so it cannot end before the kill.
              if (Date.now() - record.startedAt.getTime() > 150) continue;
              const run = record.runId === null ? undefined : await opened.lake.catalog.getRun(record.runId);
              if (run?.status === "running" && run.owner !== null && pids.has(run.owner.pid)) return run;
            }
            return undefined;
          },
          workers,
        );
        const killed = workers.find((w) => w.pid === victim.owner!.pid)!;
        killed.child.kill("SIGKILL");
        // A supervisor would start a new worker in its place.
        workers.push(startWorker(opened, queueSchema));
        const outcomes: RequestOutcome[] = await within(running, 60_000, "every request to end", workers);

        expect(outcomes.map((o) => [o.request.key, o.request.partition, o.status])).toEqual(
          expect.arrayContaining(requests.map((r) => [r.key, r.partition, "succeeded"])),
        );
        expect(outcomes).toHaveLength(requests.length);

        // Every partition has exactly one succeeded materialization, and nothing is left running.
        const items = await allRecords(store, "demo/items");
        for (const partition of ITEM_PARTITIONS) {
          expect(items.filter((r) => r.partition === partition && r.status === "succeeded")).toHaveLength(1);
        }
        expect(items.filter((r) => r.status === "running")).toEqual([]);

        // The killed attempt is failed as abandoned; its run too; its request was finished on another worker.
        const killedAttempt = items.find((r) => r.runId === victim.id);
        expect(killedAttempt).toMatchObject({ status: "failed", error: { code: "run_abandoned" } });
        expect((await opened.lake.catalog.getRun(victim.id)).status).toBe("abandoned");
        const retried = items.find(
          (r) => r.requestId === killedAttempt!.requestId && r.status === "succeeded",
        );
        expect(retried).toBeDefined();
        const retriedRun = await opened.lake.catalog.getRun(retried!.runId!);
        expect(retriedRun.owner?.pid).not.toBe(killed.pid);
        const killedOutcome = outcomes.find((o) => o.request.partition === killedAttempt!.partition)!;
        expect(killedOutcome.attempts).toBeGreaterThanOrEqual(2);

        // The summary ran once, after every item, and read all nine.
        const summaries = await allRecords(store, "demo/summary");
        expect(summaries.map((r) => r.status)).toEqual(["succeeded"]);
        const lastItemEnd = Math.max(
          ...items.filter((r) => r.status === "succeeded").map((r) => r.finishedAt!.getTime()),
        );
        expect(summaries[0]!.startedAt.getTime()).toBeGreaterThanOrEqual(lastItemEnd);
        expect(summaries[0]!.inputs).toHaveLength(ITEM_PARTITIONS.length);

        // The same data versions as the in-process executor's, partition by partition.
        expect(Object.fromEntries(await versions(store))).toEqual(Object.fromEntries(expected));

        // Every living worker stops cleanly on SIGTERM.
        const living = workers.filter((w) => w !== killed);
        expect(living).toHaveLength(3);
        // (The replacement must have its SIGTERM handler in place, as the others do.)
        await until(
          "the replacement worker to be ready",
          60_000,
          () => (living.every((w) => w.stdout.includes("is taking jobs")) ? true : undefined),
          living,
        );
        for (const w of living) w.child.kill("SIGTERM");
        for (const w of living) {
          expect(await w.exited, `${w.pid}\n${w.stdout}\n${w.stderr}`).toEqual({ code: 0, signal: null });
          expect(w.stdout).toMatch(/^stopped \{/m);
        }
        expect(await killed.exited).toEqual({ code: null, signal: "SIGKILL" });
      } finally {
        for (const w of workers)
          if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
        await Promise.all(workers.map((w) => w.exited));
        await runner.close();
        const admin = await openSqlClient({ url: url! });
        await admin.exec(`DROP SCHEMA IF EXISTS "${queueSchema}" CASCADE`).finally(() => admin.close());
        await opened.dispose();
        await reference.dispose();
      }
    });
  },
);
