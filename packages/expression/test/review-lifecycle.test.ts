import { createHash } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenedLake } from "@omicslake/core/testing";
import { createDuckDbEngine, type ExpressionEngine } from "@omicslake/expression";
import { buildExpressionStore } from "../src/build/build-expression-store.js";
import { LakeStoreAccess } from "../src/store/lake-store-access.js";
import { openFsLake, putProcessedDataset } from "./support/store-test-lake.js";

/** Rebuilds under running queries, two builds at once, and cached files changed on disk. */
describe("store lifecycle under load and tampering", () => {
  let opened: OpenedLake;
  let engine: ExpressionEngine;
  const cacheDir = (): string => join(opened.root, ".cache", "expression");
  const build = (): Promise<unknown> =>
    buildExpressionStore(opened.lake, "life", { workDir: opened.root, memoryLimit: "256MB", threads: 1 });

  beforeAll(async () => {
    opened = await openFsLake();
    engine = await createDuckDbEngine({ threads: 1, connections: 2 });
    await putProcessedDataset(opened.lake, opened.root, "life", {
      "features.parquet": `SELECT i::INTEGER AS gene_idx, 'ENSG' || i AS gene_id, 'G' || i AS gene_name FROM range(20) r(i)`,
      "cells.parquet": `SELECT i::INTEGER AS cell_idx, 'c' || i AS barcode, CASE WHEN i % 3 = 0 THEN 'T' ELSE 'B' END AS cell_type FROM range(200) r(i)`,
      "counts.parquet": `SELECT (i % 200)::INTEGER AS cell_idx, (i % 20)::INTEGER AS gene_idx, ((i * 7919) % 13 + 1)::DOUBLE AS value FROM range(1500) r(i)`,
    });
    await build();
  });
  afterAll(async () => {
    await engine?.close();
    await opened?.dispose();
  });

  it("answers from the previous build while a rebuild publishes, and from the new one after", async () => {
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cacheDir() });
    const before = await access.current("life");
    const expected = await engine.variability(before, {
      cells: { cell_type: { in: ["T"] } },
      min_mean: 0,
      limit: 5,
    });
    const queries = (async () => {
      const results = [];
      for (let i = 0; i < 10; i++)
        results.push(
          await engine.variability(before, { cells: { cell_type: { in: ["T"] } }, min_mean: 0, limit: 5 }),
        );
      return results;
    })();
    await build();
    for (const result of await queries) expect(result).toEqual(expected);
    const after = await access.current("life");
    expect(after.manifest.build).toBe(before.manifest.build + 1);
    expect(
      await engine.variability(after, { cells: { cell_type: { in: ["T"] } }, min_mean: 0, limit: 5 }),
    ).toEqual(expected);
    // The superseded build still answers once the new one was opened too.
    expect(
      await engine.variability(before, { cells: { cell_type: { in: ["T"] } }, min_mean: 0, limit: 5 }),
    ).toEqual(expected);
  });

  it("lets one of two simultaneous builds publish and refuses the other as building, never both half", async () => {
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cacheDir() });
    const start = (await access.current("life")).manifest.build;
    const results = await Promise.allSettled([build(), build()]);
    const refused = results.filter((r) => r.status === "rejected");
    for (const r of refused) expect(r.reason).toMatchObject({ code: "expression_building" });
    const published = results.length - refused.length;
    expect(published).toBeGreaterThanOrEqual(1);
    const now = await access.current("life");
    expect(now.manifest.build).toBe(start + published);
    expect(now.manifest.counts).toEqual({ genes: 20, cells: 200, nonzeros: 1500 });
    expect((await engine.genes(now, { limit: 100 })).length).toBe(20);
  });

  it("refetches a cached file whose bytes were changed on disk, in a new process and in this one", async () => {
    const first = new LakeStoreAccess(opened.lake, { cacheDir: cacheDir() });
    const good = await first.current("life");
    const path = good.files.genes!;
    const original = await readFile(path);
    const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
    expect(sha(original)).toBe(good.manifest.files.genes!.sha256);

    // Same size, one byte flipped: a new reader must hash it and fetch the catalog's bytes again.
    const damaged = Buffer.from(original);
    const middle = Math.floor(damaged.length / 2);
    damaged[middle] = damaged[middle]! ^ 0xff;
    await writeFile(path, damaged);
    const second = new LakeStoreAccess(opened.lake, { cacheDir: cacheDir() });
    const again = await second.current("life");
    expect(sha(await readFile(again.files.genes!))).toBe(good.manifest.files.genes!.sha256);

    // The reader that verified it before sees the change by its size and mtime.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(path, damaged);
    expect((await stat(path)).size).toBe(original.length);
    const third = await first.current("life");
    expect(sha(await readFile(third.files.genes!))).toBe(good.manifest.files.genes!.sha256);
  });
});
