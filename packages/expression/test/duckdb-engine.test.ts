import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OmicslakeError } from "@omicslake/core";
import { createDuckDbEngine, type ExpressionEngine } from "@omicslake/expression";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEngineConformance, mixedTestMatrix } from "./engine-conformance.js";
import { writeTestStore, type WrittenTestStore } from "./support/write-test-store.js";

describeEngineConformance("duckdb", () => createDuckDbEngine({ threads: 2 }));

describe("duckdb engine specifics", () => {
  let tmp: string;
  let engine: ExpressionEngine;
  let store: WrittenTestStore;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "duckdb-engine-"));
    engine = await createDuckDbEngine({ threads: 1, connections: 2 });
    store = await writeTestStore(join(tmp, "store"), mixedTestMatrix());
  });
  afterAll(async () => {
    await engine?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("refuses a memory limit DuckDB does not accept, naming it", async () => {
    await expect(createDuckDbEngine({ memoryLimit: "lots" })).rejects.toThrow(/memory_limit = "lots"/);
  });

  it("answers without an explicit prepare, and more queries than connections wait their turn", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        engine.countCells(store, { donor: { in: [i % 2 ? "d1" : "d2"] } }, null),
      ),
    );
    expect(results.map((r) => r[0]?.cells)).toEqual([10, 5, 10, 5, 10, 5]);
  });

  it("refuses a NUL in a filter value and a number that is not finite, as invalid input", async () => {
    await expect(engine.countCells(store, { donor: { in: ["d\0"] } }, null)).rejects.toMatchObject({
      code: "invalid_input",
    });
    await expect(engine.countCells(store, { n_count: { min: Number.NaN } }, null)).rejects.toMatchObject({
      code: "invalid_input",
    });
    await expect(
      engine.correlation(store, { a: 1.5, b: 0, method: "pearson", cells: {} }),
    ).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("stops a subset when its signal aborts, and frees the connection", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const batch of engine.subset(
          store,
          { genes: [0, 1, 4], cells: { where: {} }, batchRows: 1 },
          controller.signal,
        )) {
          seen.push(batch.length);
          controller.abort(new Error("client went away"));
        }
      })(),
    ).rejects.toThrow("client went away");
    expect(seen).toEqual([1]);
    // Both connections are free again: two queries at once still answer.
    const [a, b] = await Promise.all([
      engine.countCells(store, {}, null),
      engine.countCells(store, {}, null),
    ]);
    expect(a).toEqual(b);
  });

  it("answers queries that race a retire of their build", async () => {
    const running = Promise.all(
      Array.from({ length: 8 }, () => engine.variability(store, { cells: {}, min_mean: 0, limit: 2 })),
    );
    await engine.retire(store.manifest.dataset, []);
    const results = await running;
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect((await engine.genes(store, { limit: 1 }))[0]?.gene).toBe("G0");
  });

  it("refuses queries once closed, with engine_unavailable", async () => {
    const other = await createDuckDbEngine({ threads: 1 });
    await other.prepare(store);
    await other.close();
    const refused = other.genes(store, { limit: 1 });
    await expect(refused).rejects.toBeInstanceOf(OmicslakeError);
    await expect(refused).rejects.toMatchObject({ code: "engine_unavailable" });
  });
});
