import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { openSqlClient, type Lake, type SqlClient } from "@omicslake/core";
import { freshSchemaName, lakeCombos, type ComboLake } from "@omicslake/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRequest } from "./asset-job.js";
import { AssetQueue, defaultQueueSchema } from "./asset-queue.js";
import { WORKER_STEP, failDeadJobs } from "./fail-dead-jobs.js";
import { workAssetJobs, type MaterializeJob } from "./work-asset-jobs.js";
import { PgBossPartitionRunner } from "./pg-boss-partition-runner.js";
import { SqlAssetStateStore } from "../../state/sql-asset-state-store.js";
import { AssetGraph } from "../../graph/asset-graph.js";
import type { RequestOutcome } from "../../execution/materialization-request.js";

const url = process.env["DATABASE_URL"];
const combo = lakeCombos().find((c) => c.store === "fs" && c.engine === "postgres");
const SEND = { retryLimit: 3, retryDelaySeconds: 0, expireInSeconds: 3600 };

/** The one asset the worker tests' jobs name; its materialize is never called (the tests pass their own). */
const GRAPH = new AssetGraph([
  {
    key: "demo/items",
    description: "",
    group: "demo",
    tags: [],
    deps: [],
    automation: { kind: "manual" },
    automationText: "manual",
    retry: { maxRetries: 0, delayMs: 0, backoff: "constant", maxDelayMs: 0 },
    materialize: () => Promise.reject(new Error("not called")),
  },
]);

/** Polls `probe` every 20 ms until it gives a value. */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function request(partition: string): JobRequest {
  return { key: "demo/items", partition, origin: "cli", reason: "test", requestId: `req-${partition}` };
}

/** A worker run whose process is gone (its pid exited), as a SIGKILLed worker leaves it. */
async function deadWorkerRun(lake: Lake): Promise<number> {
  const pid = spawnSync(process.execPath, ["-e", ""]).pid;
  const run = await lake.catalog.startRun({
    step: WORKER_STEP,
    owner: { host: hostname(), pid, token: "dead-worker" },
    leaseExpiresAt: new Date(Date.now() + 3_600_000),
  });
  return run.id;
}

it("refuses an embedded catalog: the queue needs a PostgreSQL server", async () => {
  // Refused on the client's kind alone, before anything is opened.
  const embedded = { kind: "pglite" } as SqlClient;
  const opening = AssetQueue.open(embedded, { connectionString: "unused" });
  await expect(opening).rejects.toMatchObject({ code: "config_error" });
  await expect(opening).rejects.toThrow(/the pg-boss queue needs a PostgreSQL catalog/);
});

describe.skipIf(url === undefined || combo === undefined)(
  `the asset queue on PostgreSQL${url === undefined ? " — skipped: DATABASE_URL is not set" : ""}`,
  () => {
    let opened: ComboLake;
    let queue: AssetQueue;
    const schema = freshSchemaName().replace("olk_test_", "olk_jobs_");
    beforeAll(async () => {
      opened = await combo!.open();
      queue = await AssetQueue.open(opened.lake.servingClient(), { connectionString: url!, schema });
    });
    afterAll(async () => {
      await queue?.close();
      const admin = await openSqlClient({ url: url! });
      await admin.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.close());
      await opened?.dispose();
    });

    it("keeps the queue of a lake with a schema of its own apart from other lakes", async () => {
      const client = opened.lake.servingClient();
      const lakeSchema = opened.database.schema!;
      expect(await defaultQueueSchema(client)).toBe(`${lakeSchema}_jobs`);
      const admin = await openSqlClient({ url: url! });
      try {
        expect(await defaultQueueSchema(admin)).toBe("omicslake_jobs");
      } finally {
        await admin.close();
      }
    });

    it("lets only the activation that holds a job complete or fail it", async () => {
      const id = await queue.send(request("fence"), SEND);
      const first = await queue.fetch();
      expect(first).toMatchObject({ id, retryCount: 0, data: { key: "demo/items", partition: "fence" } });
      // As a liveness sweep does to a holder it found dead: failed, so pg-boss retries it.
      expect(await queue.fail(first!, { code: "run_abandoned", message: "gone" })).toBe(true);
      expect((await queue.status(id))?.state).toBe("retry");
      const second = await queue.fetch();
      expect(second).toMatchObject({ id, retryCount: 1 });

      // The first holder comes back (it was only slow): it must leave the new holder's job alone.
      expect(await queue.lost([first!, second!])).toEqual(new Set([id]));
      expect(await queue.complete(first!, { status: "succeeded" })).toBe(false);
      expect(await queue.fail(first!, { code: "x", message: "late" })).toBe(false);
      expect((await queue.status(id))?.state).toBe("active");

      expect(await queue.complete(second!, { status: "succeeded" })).toBe(true);
      expect(await queue.status(id)).toMatchObject({ state: "completed", output: { status: "succeeded" } });
      expect(await queue.lost([second!])).toEqual(new Set([id]));
    });

    it("fails the jobs whose holder is gone, once, and leaves live and unclaimed holders alone", async () => {
      const lake = opened.lake;
      const live = await lake.catalog.startRun({
        step: WORKER_STEP,
        owner: { host: hostname(), pid: process.pid, token: "live-worker" },
        leaseExpiresAt: new Date(Date.now() + 3_600_000),
      });
      const dead = await deadWorkerRun(lake);
      const ids = [];
      for (const partition of ["dead", "live", "unclaimed"])
        ids.push(await queue.send(request(partition), SEND));
      const [deadJob, liveJob, unclaimed] = [await queue.fetch(), await queue.fetch(), await queue.fetch()];
      expect([deadJob?.id, liveJob?.id, unclaimed?.id]).toEqual(ids);
      expect(await queue.claim(deadJob!, dead)).toBe(true);
      expect(await queue.claim(liveJob!, live.id)).toBe(true);
      expect((await queue.active()).map((j) => [j.id, j.holderRunId])).toEqual([
        [ids[0], dead],
        [ids[1], live.id],
        [ids[2], undefined],
      ]);

      expect(await failDeadJobs(lake, queue)).toEqual([ids[0]]);
      expect((await lake.catalog.getRun(dead)).status).toBe("abandoned");
      const failed = await queue.status(ids[0]!);
      expect(failed?.state).toBe("retry");
      expect(failed?.output).toMatchObject({ code: "run_abandoned" });
      expect((failed?.output as { message: string }).message).toMatch(
        /^worker .+ holding demo\/items \[dead\] is gone: owner process \d+/,
      );
      // Retried and fetched again: its new holder has not claimed it yet, and must not be taken for dead.
      const retried = await queue.fetch();
      expect(retried).toMatchObject({ id: ids[0], retryCount: 1 });
      expect(await failDeadJobs(lake, queue)).toEqual([]);
      expect((await queue.status(ids[1]!))?.state).toBe("active");
      // A claim by a stale activation does nothing.
      expect(await queue.claim(deadJob!, live.id)).toBe(false);
    });

    it("a stopping worker cancels its job's run and hands the job back to the queue", async () => {
      const id = await queue.send(request("stop"), SEND);
      const stop = new AbortController();
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const materialize: MaterializeJob = (job, signal) =>
        new Promise<RequestOutcome>((resolve) => {
          started();
          signal.addEventListener("abort", () =>
            resolve({ request: job, status: "cancelled", attempts: 1, durationMs: 1 }),
          );
        });
      const worker = workAssetJobs({
        lake: opened.lake,
        graph: GRAPH,
        store: undefined as never,
        connectionString: url!,
        schema,
        concurrency: 1,
        signal: stop.signal,
        pollIntervalMs: 20,
        livenessIntervalMs: 60_000,
        materialize,
      });
      await running;
      expect((await queue.active()).find((j) => j.id === id)?.holderRunId).toEqual(expect.any(Number));
      stop.abort();
      expect(await worker).toEqual({ jobs: 1, succeeded: 0, notSucceeded: 1, handedBack: 1 });
      expect(await queue.status(id)).toMatchObject({ state: "retry", output: { code: "cancelled" } });
      await queue.fetch(); // out of the next test's way
    });

    it("a worker taken for dead stops, saying why, instead of claiming jobs it would lose at once", async () => {
      const worker = workAssetJobs({
        lake: opened.lake,
        graph: GRAPH,
        store: undefined as never,
        connectionString: url!,
        schema,
        concurrency: 1,
        signal: new AbortController().signal,
        pollIntervalMs: 20,
        livenessIntervalMs: 50,
        materialize: () => Promise.reject(new Error("no job expected")),
      });
      const run = await until(async () => {
        const runs = await opened.lake.catalog.listRuns({ step: WORKER_STEP, status: "running" });
        return runs.items.find((r) => r.owner?.pid === process.pid && r.parameters["schema"] === schema);
      });
      // As another process does when this one's lease lapsed.
      await opened.lake.catalog.abandonRun(run.id, run.leaseExpiresAt, {
        code: "run_abandoned",
        message: "lease expired",
      });
      await expect(worker).rejects.toThrow(/this worker's run \d+ was marked abandoned \(lease expired\)/);
    });

    it("reads a finished job's outcome back from the state store, and a busy one from the job", async () => {
      const lake = opened.lake;
      const store = new SqlAssetStateStore(lake);
      const runner = new PgBossPartitionRunner({
        lake,
        store,
        connectionString: url!,
        schema,
        pollIntervalMs: 20,
      });
      try {
        const signal = new AbortController().signal;
        const done = runner.run(request("outcome"), signal);
        // A worker's part, by hand: one recorded attempt, then the job completed.
        const job = await until(() => queue.fetch());
        const { result: record } = await lake.withRun("asset", {}, async (run) => {
          const started = await store.start({
            key: "demo/items",
            partition: "outcome",
            runId: run.id,
            inputs: [],
            attempt: 1,
            origin: "cli",
            reason: "test",
            requestId: "req-outcome",
          });
          return store.finish(started.id, { status: "succeeded", dataVersion: "v7" });
        });
        expect(await queue.complete(job, { status: "succeeded" })).toBe(true);
        expect(await done).toMatchObject({
          status: "succeeded",
          dataVersion: "v7",
          attempts: 1,
          materializationId: record.id,
          runId: record.runId,
        });

        const busy = runner.run(request("busy"), signal);
        const busyJob = await until(() => queue.fetch());
        const error = { code: "asset_busy", message: "demo/items [busy] is already being materialized" };
        await queue.complete(busyJob, { status: "busy", error });
        expect(await busy).toMatchObject({ status: "busy", attempts: 0, error });
      } finally {
        await runner.close();
      }
    });

    it("withdraws the job of a run whose caller aborts", async () => {
      const store = new SqlAssetStateStore(opened.lake);
      const runner = new PgBossPartitionRunner({
        lake: opened.lake,
        store,
        connectionString: url!,
        schema,
        pollIntervalMs: 20,
      });
      const abort = new AbortController();
      try {
        const done = runner.run(request("abort"), abort.signal);
        const state = async (): Promise<string | undefined> => {
          const { rows } = await opened.lake
            .servingClient()
            .query<{ state: string }>(
              `SELECT state FROM ${schema}.job WHERE data->>'requestId' = 'req-abort'`,
            );
          return rows[0]?.state;
        };
        expect(await until(state)).toBe("created");
        abort.abort();
        expect(await done).toMatchObject({ status: "cancelled", attempts: 0, error: { code: "cancelled" } });
        expect(await state()).toBe("cancelled");
      } finally {
        await runner.close();
      }
    });
  },
);
