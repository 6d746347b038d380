import { describe, expect, it } from "vitest";
import {
  AssetGraph,
  InProcessPartitionRunner,
  MemoryAssetStateStore,
  executeRequests,
  type AssetDefinition,
  type MaterializeEvent,
  type MaterializationRequest,
  type PartitionRunner,
} from "@omicslake/assets";
import { fakeClock, fakeLake, testAsset, turns } from "./asset-fixtures.js";

const months = { kind: "static" as const, name: "months", keys: ["2024-04", "2024-05", "2024-06"] };

function setup(assets: AssetDefinition[], store = new MemoryAssetStateStore()) {
  const graph = new AssetGraph(assets);
  const { lake } = fakeLake();
  const events: MaterializeEvent[] = [];
  const runner = new InProcessPartitionRunner({ lake, graph, store, clock: fakeClock() });
  const execute = (requests: MaterializationRequest[], concurrency = 4, signal?: AbortSignal) =>
    executeRequests(requests, {
      graph,
      runner,
      concurrency,
      onEvent: (e) => events.push(e),
      ...(signal ? { signal } : {}),
    });
  return { graph, store, events, execute };
}

const req = (key: string, partition?: string): MaterializationRequest => ({
  key,
  partition,
  origin: "cli",
  reason: "test",
});

/** Materialize functions that log when they start and end, yielding in between so others could interleave. */
function tracer() {
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  const perAsset = new Map<string, { active: number; max: number }>();
  const run = async (ctx: { key: string; partition: string | undefined }) => {
    const name = `${ctx.key}${ctx.partition ? `[${ctx.partition}]` : ""}`;
    const mine = perAsset.get(ctx.key) ?? { active: 0, max: 0 };
    perAsset.set(ctx.key, mine);
    active++;
    mine.active++;
    maxActive = Math.max(maxActive, active);
    mine.max = Math.max(mine.max, mine.active);
    log.push(`start ${name}`);
    await turns();
    log.push(`end ${name}`);
    active--;
    mine.active--;
    return { outputs: [], dataVersion: `${name}#${log.length}` };
  };
  return { log, run, max: () => maxActive, maxOf: (key: string) => perAsset.get(key)?.max ?? 0 };
}

describe("executeRequests", () => {
  it("runs each request after its upstream requests: identity per partition, all for every partition", async () => {
    const t = tracer();
    const { execute } = setup([
      testAsset("o/raw", { partitions: months, concurrency: 3, run: t.run }),
      testAsset("o/processed", { partitions: months, deps: ["o/raw"], concurrency: 3, run: t.run }),
      testAsset("o/summary", { deps: ["o/processed"], run: t.run }),
    ]);
    // Given downstream first: the order comes from the graph, not the list.
    const outcomes = await execute([
      req("o/summary"),
      req("o/processed", "2024-05"),
      req("o/processed", "2024-04"),
      req("o/raw", "2024-04"),
      req("o/raw", "2024-05"),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill("succeeded"));
    expect(outcomes.map((o) => o.request.key)).toEqual([
      "o/summary",
      "o/processed",
      "o/processed",
      "o/raw",
      "o/raw",
    ]);
    const at = (line: string) => t.log.indexOf(line);
    for (const month of ["2024-04", "2024-05"]) {
      expect(at(`start o/processed[${month}]`)).toBeGreaterThan(at(`end o/raw[${month}]`));
      expect(at(`start o/summary`)).toBeGreaterThan(at(`end o/processed[${month}]`));
    }
    // Identity: 2024-04 of processed did not wait for raw's 2024-05, so the two months overlapped.
    expect(at("start o/processed[2024-04]")).toBeLessThan(at("end o/raw[2024-05]"));
    expect(new Set(outcomes.map((o) => (o.request as { requestId?: string }).requestId)).size).toBe(5);
  });

  it("waits through an upstream asset that is not in the batch", async () => {
    const t = tracer();
    const { execute } = setup([
      testAsset("w/a", { run: t.run }),
      testAsset("w/b", { deps: ["w/a"], run: t.run }),
      testAsset("w/c", { deps: ["w/b"], run: t.run }),
    ]);
    await execute([req("w/c"), req("w/a")]);
    expect(t.log).toEqual(["start w/a", "end w/a", "start w/c", "end w/c"]);
  });

  it("runs at most `concurrency` requests at once, and each asset at most its own concurrency", async () => {
    const t = tracer();
    const wide = { kind: "static" as const, name: "wide", keys: ["1", "2", "3", "4", "5", "6"] };
    const { execute } = setup([
      testAsset("c/serial", { partitions: wide, run: t.run }),
      testAsset("c/parallel", { partitions: wide, concurrency: 10, run: t.run }),
    ]);
    const requests = wide.keys.flatMap((k) => [req("c/serial", k), req("c/parallel", k)]);
    const outcomes = await execute(requests, 3);
    expect(outcomes.every((o) => o.status === "succeeded")).toBe(true);
    expect(t.max()).toBe(3);
    expect(t.maxOf("c/serial")).toBe(1);
    expect(t.maxOf("c/parallel")).toBe(2);
  });

  it("skips the downstream of a failure, runs the unrelated branch, and keeps the previous materialization", async () => {
    let broken = false;
    const store = new MemoryAssetStateStore();
    const { execute, events } = setup(
      [
        testAsset("f/raw", { partitions: months }),
        testAsset("f/processed", {
          partitions: months,
          deps: ["f/raw"],
          run: (ctx) =>
            broken && ctx.partition === "2024-05"
              ? Promise.reject(new Error("parse error"))
              : Promise.resolve({ outputs: [], dataVersion: `ok-${ctx.partition}` }),
        }),
        testAsset("f/curated", { deps: ["f/processed"] }),
        testAsset("f/other", {}),
        testAsset("f/other-processed", { deps: ["f/other"] }),
      ],
      store,
    );
    const all = [
      req("f/raw", "2024-04"),
      req("f/raw", "2024-05"),
      req("f/processed", "2024-04"),
      req("f/processed", "2024-05"),
      req("f/curated"),
      req("f/other"),
      req("f/other-processed"),
    ];
    expect((await execute(all)).every((o) => o.status === "succeeded")).toBe(true);
    const before = await store.snapshot();
    broken = true;
    const recordsBefore = store.records.length;
    const outcomes = await execute(all);
    expect(outcomes.map((o) => `${o.request.key}${o.request.partition ?? ""}:${o.status}`)).toEqual([
      "f/raw2024-04:succeeded",
      "f/raw2024-05:succeeded",
      "f/processed2024-04:succeeded",
      "f/processed2024-05:failed",
      "f/curated:skipped",
      "f/other:succeeded",
      "f/other-processed:succeeded",
    ]);
    expect(outcomes[4]!.error).toEqual({
      code: "upstream_failed",
      message: "upstream f/processed [2024-05] failed",
    });
    const after = await store.snapshot();
    expect(after.get("f/processed", "2024-05").latest?.id).toBe(
      before.get("f/processed", "2024-05").latest?.id,
    );
    expect(after.get("f/processed", "2024-05").latest?.dataVersion).toBe("ok-2024-05");
    expect(after.get("f/curated", undefined).latest?.id).toBe(before.get("f/curated", undefined).latest?.id);
    // Nothing is recorded for a skipped request: 6 attempts ran, one of them failed.
    expect(store.records.length - recordsBefore).toBe(6);
    expect(store.records.filter((r) => r.key === "f/curated")).toHaveLength(1);
    const finished = events.filter((e) => e.kind === "finished");
    expect(finished).toHaveLength(14);
  });

  it("skips the downstream of a busy upstream, naming why", async () => {
    const store = new MemoryAssetStateStore();
    const { execute } = setup([testAsset("b/up"), testAsset("b/down", { deps: ["b/up"] })], store);
    await store.start({
      key: "b/up",
      partition: undefined,
      runId: 5,
      inputs: [],
      attempt: 1,
      origin: "api",
      reason: "x",
      requestId: "r",
    });
    const outcomes = await execute([req("b/up"), req("b/down")]);
    expect(outcomes.map((o) => o.status)).toEqual(["busy", "skipped"]);
    expect(outcomes[1]!.error?.message).toBe("upstream b/up is already being materialized elsewhere");
  });

  it("cancels what runs and what has not started when the signal aborts", async () => {
    const controller = new AbortController();
    const { execute, store } = setup([
      testAsset("x/slow", {
        run: (ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener("abort", () => reject(new Error("stopped")), { once: true });
            setImmediate(() => controller.abort());
          }),
      }),
      testAsset("x/after", { deps: ["x/slow"] }),
      testAsset("x/queued", {}),
    ]);
    const outcomes = await execute([req("x/slow"), req("x/after"), req("x/queued")], 1, controller.signal);
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(outcomes[1]!.attempts).toBe(0);
    expect(store.records.map((r) => `${r.key}:${r.status}`)).toEqual(["x/slow:cancelled"]);
  });

  it("reports a runner that throws as a failed request and goes on", async () => {
    const graph = new AssetGraph([testAsset("r/a"), testAsset("r/b")]);
    const runner: PartitionRunner = {
      kind: "in-process",
      run: (request) =>
        request.key === "r/a"
          ? Promise.reject(new Error("queue unreachable"))
          : Promise.resolve({ request, status: "succeeded", attempts: 1, durationMs: 0 }),
      close: () => Promise.resolve(),
    };
    const outcomes = await executeRequests([req("r/a"), req("r/b")], { graph, runner, concurrency: 2 });
    expect(outcomes.map((o) => [o.status, o.error?.message])).toEqual([
      ["failed", "queue unreachable"],
      ["succeeded", undefined],
    ]);
    // A long-lived signal (the daemon's) keeps no listener per batch.
    const signal = new AbortController().signal;
    let listeners = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => (listeners++, add(...args));
    signal.removeEventListener = (...args: Parameters<typeof remove>) => (listeners--, remove(...args));
    for (let i = 0; i < 3; i++)
      await executeRequests([req("r/b")], { graph, runner, concurrency: 1, signal });
    expect(listeners).toBe(0);
    await expect(executeRequests([], { graph, runner, concurrency: 0 })).rejects.toMatchObject({
      code: "invalid_input",
    });
  });
});
