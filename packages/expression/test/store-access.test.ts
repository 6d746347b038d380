import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenedLake } from "@omicslake/core/testing";
import { buildExpressionStore } from "../src/build/build-expression-store.js";
import { LakeStoreAccess } from "../src/store/lake-store-access.js";
import { storeDatasetName } from "../src/store/store-layout.js";
import { openFsLake, putSmallMatrix } from "./support/store-test-lake.js";

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("reaching a store's current build through the lake", () => {
  let opened: OpenedLake;
  const cache = (name: string): string => join(opened.root, "caches", name);
  const build = (name: string) =>
    buildExpressionStore(opened.lake, name, { workDir: opened.root, memoryLimit: "256MB", threads: 1 });

  beforeAll(async () => {
    opened = await openFsLake();
    await putSmallMatrix(opened.lake, opened.root, "small");
    await putSmallMatrix(opened.lake, opened.root, "unbuilt");
    await build("small");
  });
  afterAll(async () => {
    await opened?.dispose();
  });

  it("copies each file of the current build once, verified, for callers at the same time", async () => {
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cache("shared") });
    const [a, b, c] = await Promise.all([
      access.current("small"),
      access.current("small"),
      access.current("small"),
    ]);
    expect(a.files).toEqual(b.files);
    expect(a.files).toEqual(c.files);
    expect(a.manifest.build).toBe(1);
    expect(Object.keys(a.files).sort()).toEqual([
      "cells",
      "genes",
      "groupStats",
      "valuesByCell",
      "valuesByGene",
    ]);
    // No temp copies left behind: exactly the five files under the build's folder.
    expect(await filesUnder(cache("shared"))).toEqual(
      [
        "cells.parquet",
        "genes.parquet",
        "group_stats.parquet",
        "values_by_cell.parquet",
        "values_by_gene.parquet",
      ].map((f) => join("small", "b1", f)),
    );
    expect(a.files.genes).toBe(join(cache("shared"), "small", "b1", "genes.parquet"));
    expect((await stat(a.files.genes!)).size).toBe(a.manifest.files.genes!.size);
  });

  it("fetches again a cached file that was damaged, in this process and in the next", async () => {
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cache("damaged") });
    const first = await access.current("small");
    const good = await readFile(first.files.genes!);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0xff;
    await writeFile(first.files.genes!, bad);
    expect((await readFile((await access.current("small")).files.genes!)).equals(good)).toBe(true);
    // A new process finds the damaged copy on disk and hashes it before use.
    await writeFile(first.files.genes!, bad);
    const fresh = new LakeStoreAccess(opened.lake, { cacheDir: cache("damaged") });
    expect((await readFile((await fresh.current("small")).files.genes!)).equals(good)).toBe(true);
  });

  it("refuses a lake object whose bytes are damaged, and caches nothing of it", async () => {
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cache("refused") });
    const { manifest } = await access.current("small");
    const store = await opened.lake.dataset(`curated:${storeDatasetName("small")}`);
    const objectPath = join(opened.root, "objects", opened.lake.objectKey(store, manifest.files.cells!.name));
    const original = await readFile(objectPath);
    const damaged = Buffer.from(original);
    damaged[10] = damaged[10]! ^ 0xff;
    try {
      await writeFile(objectPath, damaged);
      const other = new LakeStoreAccess(opened.lake, { cacheDir: cache("refused-2") });
      await expect(other.current("small")).rejects.toMatchObject({
        code: expect.stringMatching(/integrity|checksum/) as unknown,
      });
      expect((await filesUnder(cache("refused-2"))).filter((f) => f.includes("cells"))).toEqual([]);
    } finally {
      await writeFile(objectPath, original);
    }
  });

  it("answers expression_not_built for a processed dataset without a store, unknown_dataset for nothing", async () => {
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cache("errors") });
    await expect(access.current("unbuilt")).rejects.toMatchObject({
      code: "expression_not_built",
      message: expect.stringContaining("omicslake expr build unbuilt") as unknown,
    });
    await expect(access.current("no-such-thing")).rejects.toMatchObject({ code: "unknown_dataset" });
  });

  it("answers expression_building while a first build runs, with its run", async () => {
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cache("building") });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let runId = 0;
    const running = opened.lake.withRun("expr-build", { parameters: { dataset: "unbuilt" } }, async (ctx) => {
      runId = ctx.id;
      await held;
    });
    try {
      await expect.poll(() => runId).toBeGreaterThan(0);
      await expect(access.current("unbuilt")).rejects.toMatchObject({
        code: "expression_building",
        details: { runId },
      });
      // A running build of another dataset says nothing about this one.
      await expect(access.current("small")).resolves.toMatchObject({ manifest: { dataset: "small" } });
    } finally {
      release();
      await running;
    }
    await expect(access.current("unbuilt")).rejects.toMatchObject({ code: "expression_not_built" });
  });

  it("refuses a store.json of another layout version, saying how to fix it", async () => {
    await putSmallMatrix(opened.lake, opened.root, "future");
    await build("future");
    const store = await opened.lake.dataset(`curated:${storeDatasetName("future")}`);
    const chunks: Buffer[] = [];
    const pointer = (await opened.lake.listObjects(store, { limit: 100 })).items.find(
      (o) => o.name === "store.json",
    )!;
    for await (const chunk of await opened.lake.readObject(pointer)) chunks.push(chunk as Buffer);
    const json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    await opened.lake.putObject(store, {
      name: "store.json",
      body: Buffer.from(JSON.stringify({ ...json, formatVersion: 99 })),
    });
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cache("future") });
    await expect(access.current("future")).rejects.toMatchObject({
      code: "unsupported_format",
      message: expect.stringContaining("version 99") as unknown,
      hint: "Rebuild it with this version: omicslake expr build future",
    });
    expect((await access.list()).map((m) => m.dataset)).toEqual(["small"]);
  });

  it("lists published stores and prunes cached builds that are no longer current", async () => {
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cache("prune") });
    await access.current("small");
    await build("small");
    const second = await access.current("small");
    expect(second.manifest.build).toBe(2);
    expect(await readdir(join(cache("prune"), "small"))).toEqual(["b1", "b2"]);
    // The build before the current one stays: queries that started on it may still read its files.
    await access.prune();
    expect(await readdir(join(cache("prune"), "small"))).toEqual(["b1", "b2"]);
    await build("small");
    expect((await access.current("small")).manifest.build).toBe(3);
    await access.prune();
    expect(await readdir(join(cache("prune"), "small"))).toEqual(["b2", "b3"]);
    expect((await access.list()).find((m) => m.dataset === "small")?.build).toBe(3);
  });
});
