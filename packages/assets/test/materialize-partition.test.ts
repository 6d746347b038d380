import { describe, expect, it } from "vitest";
import {
  AssetError,
  AssetGraph,
  MemoryAssetStateStore,
  dataVersionOf,
  materializePartition,
  type AssetDefinition,
  type MaterializeEvent,
  type MaterializationRequest,
} from "@omicslake/assets";
import { fakeClock, fakeLake, testAsset } from "./asset-fixtures.js";

const retry = (maxRetries: number) => ({
  maxRetries,
  delayMs: 5_000,
  backoff: "exponential" as const,
  maxDelayMs: 60_000,
});

function setup(assets: AssetDefinition[], store = new MemoryAssetStateStore(), clock = fakeClock()) {
  const graph = new AssetGraph(assets);
  const { lake, runs } = fakeLake();
  const events: MaterializeEvent[] = [];
  const run = (key: string, partition?: string, signal = new AbortController().signal) => {
    const request: MaterializationRequest & { requestId: string } = {
      key,
      partition,
      origin: "cli",
      reason: "test",
      requestId: `req-${key}-${partition ?? ""}-${events.length}`,
    };
    return materializePartition({
      lake,
      graph,
      store,
      request,
      signal,
      clock,
      onEvent: (e) => events.push(e),
    });
  };
  return { graph, store, runs, clock, events, run };
}

describe("materializePartition", () => {
  it("retries a failing asset with exponential backoff and records every attempt under one request", async () => {
    let calls = 0;
    const { run, clock, store, runs, events } = setup([
      testAsset("t/flaky", {
        retry: retry(3),
        run: () => {
          calls++;
          if (calls < 3) return Promise.reject(new Error(`network down ${calls}`));
          return Promise.resolve({ outputs: [{ dataset: "d", rows: 1 }] });
        },
      }),
    ]);
    const outcome = await run("t/flaky");
    expect(outcome).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(clock.delays).toEqual([5_000, 10_000]);
    expect(outcome.durationMs).toBe(15_000);
    const records = store.records;
    expect(records.map((r) => [r.attempt, r.status])).toEqual([
      [1, "failed"],
      [2, "failed"],
      [3, "succeeded"],
    ]);
    expect(new Set(records.map((r) => r.requestId)).size).toBe(1);
    expect(records[0]!.error).toEqual({ code: "internal_error", message: "network down 1" });
    expect(outcome.materializationId).toBe(records[2]!.id);
    // One run per attempt, each tagged with the attempt and logging what happened.
    expect(runs.map((r) => [r.parameters["attempt"], r.status])).toEqual([
      [1, "failed"],
      [2, "failed"],
      [3, "succeeded"],
    ]);
    expect(runs[1]!.context.logText).toContain("attempt 1 failed: network down 1");
    expect(events.filter((e) => e.kind === "started").map((e) => e.kind === "started" && e.attempt)).toEqual([
      1, 2, 3,
    ]);
    expect(
      events.filter((e) => e.kind === "retrying").map((e) => e.kind === "retrying" && e.delayMs),
    ).toEqual([5_000, 10_000]);
  });

  it("caps the backoff and gives up after the last retry, leaving the previous materialization the latest", async () => {
    let fail = false;
    const { run, clock, store } = setup([
      testAsset("t/bad", {
        retry: { maxRetries: 3, delayMs: 40_000, backoff: "exponential", maxDelayMs: 60_000 },
        run: () =>
          fail ? Promise.reject(new Error("broken")) : Promise.resolve({ outputs: [], dataVersion: "good" }),
      }),
    ]);
    const first = await run("t/bad");
    fail = true;
    const outcome = await run("t/bad");
    expect(outcome).toMatchObject({ status: "failed", attempts: 4, error: { message: "broken" } });
    expect(clock.delays).toEqual([40_000, 60_000, 60_000]);
    const state = (await store.snapshot()).get("t/bad", undefined);
    expect(state.latest?.id).toBe(first.materializationId);
    expect(state.latest?.dataVersion).toBe("good");
    expect(state.lastAttempt?.status).toBe("failed");
  });

  it("does not retry a configuration error", async () => {
    const { run, clock } = setup([
      testAsset("t/misconfigured", {
        retry: retry(2),
        run: () => Promise.reject(new AssetError("config_error", "no such command")),
      }),
    ]);
    expect(await run("t/misconfigured")).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "config_error" },
    });
    expect(clock.delays).toEqual([]);
  });

  it("is busy, without a run and without retrying, while another live run holds the asset-partition", async () => {
    const store = new MemoryAssetStateStore();
    const { run, runs, clock, events } = setup([testAsset("t/held", { retry: retry(2) })], store);
    await store.start({
      key: "t/held",
      partition: "p",
      runId: 99,
      inputs: [],
      attempt: 1,
      origin: "automation",
      reason: "x",
      requestId: "other",
    });
    const outcome = await run("t/held", "p");
    expect(outcome).toMatchObject({ status: "busy", attempts: 1, error: { code: "asset_busy" } });
    expect(outcome.error?.message).toContain("run 99");
    expect(runs).toEqual([]);
    expect(events).toEqual([]);
    expect(clock.delays).toEqual([]);
  });

  it("reads the latest upstream versions per mapping: identity, all and latest", async () => {
    const monthly = { kind: "static" as const, name: "months", keys: ["2024-04", "2024-05"] };
    const seen: Record<string, unknown> = {};
    const record = (key: string) => (ctx: Parameters<AssetDefinition["materialize"]>[0]) => {
      seen[key] = ctx.inputs.map((i) => `${i.key}[${i.partition ?? ""}]=${i.dataVersion}`);
      return Promise.resolve({ outputs: [], dataVersion: `${ctx.key}@${ctx.partition ?? ""}` });
    };
    const { run, store } = setup([
      testAsset("t/raw", { partitions: monthly, run: record("raw") }),
      testAsset("t/config", { run: record("config") }),
      testAsset("t/processed", {
        partitions: monthly,
        deps: ["t/raw", "t/config"],
        run: record("processed"),
      }),
      testAsset("t/summary", { deps: ["t/processed"], run: record("summary") }),
      testAsset("t/current", { deps: [{ key: "t/raw", mapping: "latest" }], run: record("current") }),
    ]);
    await run("t/raw", "2024-04");
    await run("t/raw", "2024-05");
    await run("t/config");
    await run("t/processed", "2024-05");
    expect(seen["processed"]).toEqual(["t/raw[2024-05]=t/raw@2024-05", "t/config[]=t/config@"]);
    await run("t/processed", "2024-04");
    await run("t/summary");
    expect(seen["summary"]).toEqual([
      "t/processed[2024-04]=t/processed@2024-04",
      "t/processed[2024-05]=t/processed@2024-05",
    ]);
    await run("t/current");
    expect(seen["current"]).toEqual(["t/raw[2024-05]=t/raw@2024-05"]);
    // What the asset read is what its record says it read.
    const summary = (await store.snapshot(["t/summary"])).get("t/summary", undefined).latest!;
    expect(summary.inputs.map((i) => i.materializationId)).toHaveLength(2);
  });

  it("records an upstream's per-partition version as the downstream partition sees it", async () => {
    const { run, store } = setup([
      testAsset("t/files", {
        run: () =>
          Promise.resolve({ outputs: [], dataVersion: "all", metadata: { partitionVersions: { a: "va" } } }),
      }),
      testAsset("t/parsed", {
        partitions: { kind: "static", name: "files", keys: ["a", "b"] },
        deps: ["t/files"],
      }),
    ]);
    await run("t/files");
    await run("t/parsed", "a");
    await run("t/parsed", "b");
    const snapshot = await store.snapshot(["t/parsed"]);
    expect(snapshot.get("t/parsed", "a").latest?.inputs[0]?.dataVersion).toBe("va");
    expect(snapshot.get("t/parsed", "b").latest?.inputs[0]?.dataVersion).toBe("all");
  });

  it("ends cancelled when aborted during an attempt or the wait before a retry", async () => {
    const controller = new AbortController();
    const { run, store } = setup([
      testAsset("t/slow", {
        run: (ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
            controller.abort();
          }),
      }),
      testAsset("t/retrying", { retry: retry(2), run: () => Promise.reject(new Error("flaky")) }),
    ]);
    const outcome = await run("t/slow", undefined, controller.signal);
    expect(outcome).toMatchObject({ status: "cancelled", attempts: 1, error: { code: "cancelled" } });
    expect(store.records.at(-1)).toMatchObject({ key: "t/slow", status: "cancelled" });

    const early = new AbortController();
    early.abort();
    // Aborted before it starts: nothing runs or is recorded.
    const before = store.records.length;
    expect(await run("t/retrying", undefined, early.signal)).toMatchObject({
      status: "cancelled",
      attempts: 0,
    });
    expect(store.records.length).toBe(before);
  });

  it("ends cancelled when aborted while waiting to retry, without another attempt", async () => {
    const waiting = new AbortController();
    const clock = fakeClock();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = (ms, signal) => {
      waiting.abort();
      return sleep(ms, signal);
    };
    const { run, store } = setup(
      [testAsset("t/retrying", { retry: retry(2), run: () => Promise.reject(new Error("flaky")) })],
      new MemoryAssetStateStore(),
      clock,
    );
    const outcome = await run("t/retrying", undefined, waiting.signal);
    expect(outcome).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(clock.delays).toEqual([5_000]);
    expect(store.records.map((r) => r.status)).toEqual(["failed"]);
  });

  it("versions data by the asset's version, else a hash of its outputs, else a fresh value", () => {
    expect(dataVersionOf({ outputs: [], dataVersion: "v7" })).toBe("v7");
    const a = dataVersionOf({ outputs: [{ dataset: "d", rows: 2, sha256: "x" }] });
    const b = dataVersionOf({ outputs: [{ sha256: "x", rows: 2, dataset: "d" }] });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(dataVersionOf({ outputs: [{ dataset: "d", rows: 3, sha256: "x" }] })).not.toBe(a);
    expect(dataVersionOf({ outputs: [] })).not.toBe(dataVersionOf({ outputs: [] }));
  });
});
