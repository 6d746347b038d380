import { describe, expect, it } from "vitest";
import { MemoryAssetStateStore } from "./memory-asset-state-store.js";
import type { StartMaterialization } from "./asset-state-store.js";

const start = (runId: number, partition: string | undefined = "p"): StartMaterialization => ({
  key: "m/x",
  partition,
  runId,
  inputs: [],
  attempt: 1,
  origin: "cli",
  reason: "test",
  requestId: `r${runId}`,
});

describe("MemoryAssetStateStore", () => {
  it("keeps one running attempt per asset-partition while its run lives, and takes over a dead one", async () => {
    const alive = new Set([1, 2]);
    const store = new MemoryAssetStateStore({ isRunAlive: (id) => alive.has(id) });
    const first = await store.start(start(1));
    await expect(store.start(start(2))).rejects.toMatchObject({ code: "asset_busy", details: { runId: 1 } });
    await expect(store.start(start(2, "q"))).resolves.toMatchObject({ status: "running" });
    alive.delete(1);
    expect((await store.snapshot()).get("m/x", "p").running).toBeUndefined();
    const second = await store.start(start(3));
    expect(await store.get(first.id)).toMatchObject({ status: "failed", error: { code: "run_abandoned" } });
    await expect(store.finish(first.id, { status: "succeeded" })).rejects.toMatchObject({ code: "conflict" });
    await store.finish(second.id, { status: "succeeded", dataVersion: "v" });
    const state = (await store.snapshot(["m/x"])).get("m/x", "p");
    expect(state.latest).toMatchObject({ id: second.id, dataVersion: "v" });
    expect((await store.list({ key: "m/x", partition: "p" })).items.map((r) => r.id)).toEqual([
      second.id,
      first.id,
    ]);
  });

  it("pages listings newest first and keeps cursors", async () => {
    const store = new MemoryAssetStateStore();
    for (let i = 1; i <= 3; i++)
      await store.finish((await store.start(start(i, `p${i}`))).id, { status: "succeeded" });
    const page = await store.list({ limit: 2 });
    expect(page.items.map((r) => r.partition)).toEqual(["p3", "p2"]);
    expect((await store.list({ limit: 2, cursor: page.nextCursor! })).items.map((r) => r.partition)).toEqual([
      "p1",
    ]);
    await store.saveCursors(new Map([["m/x", { evaluatedAt: "2024-01-01T00:00:00.000Z" }]]));
    expect((await store.cursors()).get("m/x")).toEqual({ evaluatedAt: "2024-01-01T00:00:00.000Z" });
  });
});
