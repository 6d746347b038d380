import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { FsObjectStore, Lake, type SqlClient } from "@omicslake/core";
import { forEachDatabase } from "@omicslake/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ASSET_RUN_STEP,
  AssetGraph,
  InProcessPartitionRunner,
  SqlAssetStateStore,
  executeRequests,
  type MaterializationRequest,
  type StartMaterialization,
} from "@omicslake/assets";
import { fakeClock, testAsset } from "./asset-fixtures.js";

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid;
}

const pair = { kind: "static" as const, name: "pair", keys: ["p1", "p2"] };
const req = (key: string, partition?: string): MaterializationRequest => ({
  key,
  partition,
  origin: "cli",
  reason: "selected by test",
});

// The state store on each engine, and the executor end to end on a real lake: runs recorded per attempt
// and tagged with their asset, the state in the catalog, another process's attempt respected or taken over.
forEachDatabase((ctx) => {
  let root: string;
  let lake: Lake;
  let store: SqlAssetStateStore;
  let db: SqlClient;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-asset-state-"));
    lake = new Lake(new FsObjectStore(join(root, "objects")), ctx().catalog);
    store = new SqlAssetStateStore(lake);
    db = ctx().db;
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A run of this process (alive), to attach attempts to. */
  const liveRun = async (): Promise<number> =>
    (
      await ctx().catalog.startRun({
        step: "asset",
        owner: { host: hostname(), pid: process.pid, token: "live" },
        leaseExpiresAt: new Date(Date.now() + 3_600_000),
      })
    ).id;

  const start = (
    key: string,
    partition: string | undefined,
    runId: number,
    extra: Partial<StartMaterialization> = {},
  ) =>
    store.start({
      key,
      partition,
      runId,
      inputs: [],
      attempt: 1,
      origin: "cli",
      reason: "test",
      requestId: `req-${key}-${partition ?? ""}`,
      ...extra,
    });

  describe("SqlAssetStateStore", () => {
    it("records an attempt, tags its run, and finishes it with its version, outputs and metadata", async () => {
      const runId = await liveRun();
      const inputs = [{ key: "t1/raw", partition: "2024-05", dataVersion: "v1", materializationId: 7 }];
      const started = await start("t1/processed", "2024-05", runId, { inputs, attempt: 2 });
      expect(started).toMatchObject({
        key: "t1/processed",
        partition: "2024-05",
        status: "running",
        runId,
        attempt: 2,
      });
      expect(started.inputs).toEqual(inputs);
      const run = await ctx().catalog.getRun(runId);
      expect(run.asset).toEqual({ key: "t1/processed", partition: "2024-05" });
      expect(
        (await ctx().catalog.listRuns({ asset: "t1/processed", partition: "2024-05" })).items.map(
          (r) => r.id,
        ),
      ).toEqual([runId]);
      expect((await ctx().catalog.listRuns({ asset: "t1/processed", partition: "2024-04" })).items).toEqual(
        [],
      );

      const finished = await store.finish(started.id, {
        status: "succeeded",
        dataVersion: "abc",
        outputs: [{ dataset: "geo", rows: 3 }],
        metadata: { fetched: 3 },
      });
      expect(finished).toMatchObject({
        status: "succeeded",
        dataVersion: "abc",
        outputs: [{ dataset: "geo", rows: 3 }],
      });
      expect(finished.metadata).toEqual({ fetched: 3 });
      expect(finished.finishedAt).toBeInstanceOf(Date);
      expect(await store.get(started.id)).toEqual(finished);
      // Finishing twice is refused: the record already ended.
      await expect(store.finish(started.id, { status: "failed" })).rejects.toMatchObject({
        code: "conflict",
      });
    });

    it("keeps an unpartitioned asset's partition undefined", async () => {
      const runId = await liveRun();
      const started = await start("t2/single", undefined, runId);
      expect(started.partition).toBeUndefined();
      expect((await ctx().catalog.getRun(runId)).asset).toEqual({ key: "t2/single", partition: null });
      await store.finish(started.id, { status: "succeeded", dataVersion: "x" });
      const state = (await store.snapshot(["t2/single"])).get("t2/single", undefined);
      expect(state.latest?.id).toBe(started.id);
    });

    it("lets exactly one of two concurrent starts of one asset-partition win; the other is asset_busy", async () => {
      const [a, b] = [await liveRun(), await liveRun()];
      const results = await Promise.allSettled([start("t3/x", "p", a), start("t3/x", "p", b)]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = (won[0] as PromiseFulfilledResult<{ runId: number }>).value;
      const error = (lost[0] as PromiseRejectedResult).reason as Error & {
        code: string;
        details: Record<string, unknown>;
      };
      expect(error.code).toBe("asset_busy");
      expect(error.message).toContain("t3/x partition p");
      expect(error.message).toContain(`run ${winner.runId}`);
      expect(error.details).toMatchObject({ key: "t3/x", partition: "p", runId: winner.runId });
      // Another partition of the same asset is independent.
      await expect(start("t3/x", "q", await liveRun())).resolves.toMatchObject({ status: "running" });
    });

    it("takes over the attempt of a run whose process died, marking it failed as run_abandoned", async () => {
      const dead = await ctx().catalog.startRun({
        step: "asset",
        owner: { host: hostname(), pid: deadPid(), token: "gone" },
        leaseExpiresAt: new Date(Date.now() + 3_600_000),
      });
      const orphan = await start("t4/x", "p", dead.id);
      const next = await start("t4/x", "p", await liveRun());
      expect(next.status).toBe("running");
      expect((await ctx().catalog.getRun(dead.id)).status).toBe("abandoned");
      const old = await store.get(orphan.id);
      expect(old).toMatchObject({ status: "failed", error: { code: "run_abandoned" } });
      // The dead process finishing late cannot overwrite the takeover.
      await expect(
        store.finish(orphan.id, { status: "succeeded", dataVersion: "late" }),
      ).rejects.toMatchObject({
        code: "conflict",
      });
    });

    it("frees the slot of an attempt whose run already ended without finishing it", async () => {
      const runId = await liveRun();
      const stuck = await start("t5/x", undefined, runId);
      await ctx().catalog.finishRun(runId, { status: "failed", error: { code: "boom", message: "boom" } });
      // The snapshot already reads it as failed, not running.
      const before = (await store.snapshot(["t5/x"])).get("t5/x", undefined);
      expect(before.running).toBeUndefined();
      expect(before.lastAttempt).toMatchObject({
        id: stuck.id,
        status: "failed",
        error: { code: "run_abandoned" },
      });
      await expect(start("t5/x", undefined, await liveRun())).resolves.toMatchObject({ status: "running" });
    });

    it("snapshots the latest success, latest attempt and running attempt of every asset-partition", async () => {
      const rec = async (partition: string, status: "succeeded" | "failed" | "running", version?: string) => {
        const started = await start("t6/x", partition, await liveRun());
        if (status === "running") return started;
        return store.finish(started.id, { status, ...(version ? { dataVersion: version } : {}) });
      };
      const a1 = await rec("a", "succeeded", "v1");
      const a2 = await rec("a", "succeeded", "v2");
      const a3 = await rec("a", "failed");
      const b1 = await rec("b", "failed");
      const c1 = await rec("c", "succeeded", "c1");
      const c2 = await rec("c", "running");
      await rec("other", "succeeded", "o");
      const snapshot = await store.snapshot(["t6/x"]);
      expect(snapshot.get("t6/x", "a")).toMatchObject({
        latest: { id: a2.id, dataVersion: "v2" },
        lastAttempt: { id: a3.id },
      });
      expect(snapshot.get("t6/x", "a").running).toBeUndefined();
      expect(a1.id).toBeLessThan(a2.id);
      expect(snapshot.get("t6/x", "b").latest).toBeUndefined();
      expect(snapshot.get("t6/x", "b").lastAttempt?.id).toBe(b1.id);
      expect(snapshot.get("t6/x", "c")).toMatchObject({
        latest: { id: c1.id },
        running: { id: c2.id },
        lastAttempt: { id: c2.id },
      });
      expect(snapshot.partitionsOf("t6/x").sort()).toEqual(["a", "b", "c", "other"]);
      // Narrowed to other keys, none of these.
      expect((await store.snapshot(["t6/none"])).partitionsOf("t6/x")).toEqual([]);
      // Unnarrowed, it sees them too.
      expect((await store.snapshot()).get("t6/x", "a").latest?.id).toBe(a2.id);
    });

    it("reads a snapshot of 10,000 partitions in one go", async () => {
      const runId = await liveRun();
      await db.query(
        `INSERT INTO asset_materializations (asset_key, partition_key, status, run_id, attempt, origin, request_id, started_at, finished_at, data_version)
         SELECT 't7/big', 'p' || lpad(g::text, 5, '0'), CASE WHEN g % 2 = 0 THEN 'succeeded' ELSE 'failed' END, $1, 1, 'automation', 'r', now(), now(), 'v' || g
           FROM generate_series(1, 10000) g`,
        [runId],
      );
      const startedAt = performance.now();
      const snapshot = await store.snapshot(["t7/big"]);
      const elapsed = performance.now() - startedAt;
      expect(snapshot.partitionsOf("t7/big")).toHaveLength(10000);
      expect(snapshot.get("t7/big", "p00002").latest?.dataVersion).toBe("v2");
      expect(snapshot.get("t7/big", "p00003").latest).toBeUndefined();
      // Generous: one indexed query, not one per partition.
      expect(elapsed).toBeLessThan(10_000);
    });

    it("lists newest first with filters and keyset pages", async () => {
      for (let i = 0; i < 3; i++) {
        const started = await start("t8/x", "p", await liveRun(), { requestId: "list-req" });
        await store.finish(
          started.id,
          i === 1 ? { status: "failed" } : { status: "succeeded", dataVersion: `v${i}` },
        );
      }
      const first = await store.list({ key: "t8/x", limit: 2 });
      expect(first.items.map((r) => r.dataVersion)).toEqual(["v2", null]);
      expect(first.nextCursor).not.toBeNull();
      const second = await store.list({ key: "t8/x", limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((r) => r.dataVersion)).toEqual(["v0"]);
      expect(second.nextCursor).toBeNull();
      expect((await store.list({ requestId: "list-req", status: "failed" })).items).toHaveLength(1);
      await expect(store.list({ limit: 0 })).rejects.toMatchObject({ code: "invalid_input" });
      expect(await store.get(999_999)).toBeUndefined();
    });

    it("saves and reads automation cursors, replacing an asset's previous one", async () => {
      await store.saveCursors(new Map([["t9/a", { evaluatedAt: "2024-05-01T00:00:00.000Z" }]]));
      await store.saveCursors(
        new Map([
          [
            "t9/a",
            {
              evaluatedAt: "2024-05-02T00:00:00.000Z",
              cronTicks: { "UTC|0 3 * * *": "2024-05-02T03:00:00.000Z" },
            },
          ],
          ["t9/b", { evaluatedAt: "2024-05-02T00:00:00.000Z" }],
        ]),
      );
      const cursors = await store.cursors();
      expect(cursors.get("t9/a")).toEqual({
        evaluatedAt: "2024-05-02T00:00:00.000Z",
        cronTicks: { "UTC|0 3 * * *": "2024-05-02T03:00:00.000Z" },
      });
      expect(cursors.get("t9/b")).toEqual({ evaluatedAt: "2024-05-02T00:00:00.000Z" });
    });

    it("keeps materializations when their run is deleted, with no run id", async () => {
      const runId = await liveRun();
      const started = await start("t10/x", undefined, runId);
      await store.finish(started.id, { status: "succeeded", dataVersion: "v" });
      await ctx().catalog.finishRun(runId, { status: "succeeded" });
      await db.query("DELETE FROM runs WHERE id = $1", [runId]);
      expect((await store.get(started.id))?.runId).toBeNull();
    });
  });

  const execute = (graph: AssetGraph, requests: MaterializationRequest[], clock = fakeClock()) =>
    executeRequests(requests, {
      graph,
      runner: new InProcessPartitionRunner({ lake, graph, store, clock }),
      concurrency: 2,
    });

  describe("materializing on a lake", () => {
    it("records a run per attempt, tagged with the asset-partition, and the upstream versions each read", async () => {
      let failures = 1;
      const graph = new AssetGraph([
        testAsset("e1/raw", {
          partitions: pair,
          run: (c) => Promise.resolve({ outputs: [], dataVersion: `raw-${c.partition}` }),
        }),
        testAsset("e1/processed", {
          partitions: pair,
          deps: ["e1/raw"],
          retry: { maxRetries: 1, delayMs: 5_000, backoff: "exponential", maxDelayMs: 60_000 },
          run: (c) => {
            c.log(`reading ${c.inputs.map((i) => i.dataVersion).join(",")}`);
            if (c.partition === "p1" && failures-- > 0) return Promise.reject(new Error("disk full"));
            return Promise.resolve({ outputs: [{ dataset: "processed", rows: 2 }] });
          },
        }),
      ]);
      const clock = fakeClock();
      const outcomes = await execute(
        graph,
        [req("e1/raw", "p1"), req("e1/raw", "p2"), req("e1/processed", "p1"), req("e1/processed", "p2")],
        clock,
      );
      expect(outcomes.map((o) => [o.status, o.attempts])).toEqual([
        ["succeeded", 1],
        ["succeeded", 1],
        ["succeeded", 2],
        ["succeeded", 1],
      ]);
      expect(clock.delays).toEqual([5_000]);

      const runs = (await ctx().catalog.listRuns({ asset: "e1/processed", partition: "p1" })).items;
      expect(runs.map((r) => [r.step, r.status, r.parameters["attempt"]])).toEqual([
        [ASSET_RUN_STEP, "succeeded", 2],
        [ASSET_RUN_STEP, "failed", 1],
      ]);
      expect(runs[1]!.error).toMatchObject({ message: "disk full" });
      expect(runs[1]!.log).toContain("materializing e1/processed [p1], attempt 1 of 2: selected by test");
      expect(runs[1]!.log).toContain("reading raw-p1");
      expect(runs[0]!.asset).toEqual({ key: "e1/processed", partition: "p1" });
      expect(outcomes[2]!.runId).toBe(runs[0]!.id);

      const snapshot = await store.snapshot(["e1/raw", "e1/processed"]);
      const processed = snapshot.get("e1/processed", "p1").latest!;
      expect(processed.runId).toBe(runs[0]!.id);
      expect(processed.inputs).toEqual([
        {
          key: "e1/raw",
          partition: "p1",
          dataVersion: "raw-p1",
          materializationId: snapshot.get("e1/raw", "p1").latest!.id,
        },
      ]);
      // Same outputs, same version: p1 and p2 wrote the same thing.
      expect(processed.dataVersion).toBe(snapshot.get("e1/processed", "p2").latest!.dataVersion);
    });

    it("is busy while another attempt of the same partition runs, and runs once it has ended", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const graph = new AssetGraph([
        testAsset("e2/slow", {
          run: async () => {
            entered();
            await gate;
            return { outputs: [], dataVersion: "slow" };
          },
        }),
      ]);
      const first = execute(graph, [req("e2/slow")]);
      await inside;
      const second = await execute(graph, [req("e2/slow")]);
      expect(second[0]).toMatchObject({ status: "busy", error: { code: "asset_busy" } });
      release();
      expect((await first)[0]!.status).toBe("succeeded");
      // The busy request recorded no run of its own.
      expect((await ctx().catalog.listRuns({ asset: "e2/slow" })).items).toHaveLength(1);
      expect((await execute(graph, [req("e2/slow")]))[0]!.status).toBe("succeeded");
    });

    it("takes over a partition whose worker process died mid-run", async () => {
      const graph = new AssetGraph([testAsset("e3/x")]);
      const deadPid = spawnSync(process.execPath, ["-e", ""]).pid;
      const dead = await ctx().catalog.startRun({
        step: ASSET_RUN_STEP,
        owner: { host: hostname(), pid: deadPid, token: "gone" },
        leaseExpiresAt: new Date(Date.now() + 3_600_000),
      });
      const orphan = await store.start({
        key: "e3/x",
        partition: undefined,
        runId: dead.id,
        inputs: [],
        attempt: 1,
        origin: "automation",
        reason: "killed",
        requestId: "dead",
      });
      const [outcome] = await execute(graph, [req("e3/x")]);
      expect(outcome).toMatchObject({ status: "succeeded", attempts: 1 });
      expect(await store.get(orphan.id)).toMatchObject({
        status: "failed",
        error: { code: "run_abandoned" },
      });
      expect((await ctx().catalog.getRun(dead.id)).status).toBe("abandoned");
    });
  });
});
