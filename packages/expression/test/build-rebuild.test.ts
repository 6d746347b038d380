import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lake } from "@omicslake/core";
import { openLake } from "@omicslake/core";
import { lakeCombos, runTsChild, type ComboLake, type OpenedLake } from "@omicslake/core/testing";
import { buildExpressionStore } from "../src/build/build-expression-store.js";
import { LakeStoreAccess } from "../src/store/lake-store-access.js";
import { storeDatasetName, type StoreManifest } from "../src/store/store-layout.js";
import { openFsLake, parquetRows, putSmallMatrix } from "./support/store-test-lake.js";

const here = dirname(fileURLToPath(import.meta.url));
const options = { memoryLimit: "256MB", threads: 1 } as const;

/** Object names of the store dataset, sorted. */
async function storeObjects(lake: Lake, name: string): Promise<string[]> {
  const store = await lake.dataset(`curated:${storeDatasetName(name)}`);
  return (await lake.listObjects(store, { limit: 500 })).items.map((o) => o.name).sort();
}

/** Every file store.json names exists in the lake with the sha256 and size it names, under its build. */
async function expectComplete(lake: Lake, manifest: StoreManifest): Promise<void> {
  const store = await lake.dataset(`curated:${storeDatasetName(manifest.dataset)}`);
  for (const entry of Object.values(manifest.files)) {
    expect(entry.name.startsWith(`b${manifest.build}/`)).toBe(true);
    const object = await lake.catalog.findObjectByKey(lake.objectKey(store, entry.name));
    expect(object, entry.name).toMatchObject({ sha256: entry.sha256, size: entry.size });
  }
}

describe("rebuilding a store", () => {
  let opened: OpenedLake;
  let access: LakeStoreAccess;

  beforeAll(async () => {
    opened = await openFsLake();
    access = new LakeStoreAccess(opened.lake, { cacheDir: join(opened.root, "cache") });
    await putSmallMatrix(opened.lake, opened.root, "m");
  });
  afterAll(async () => {
    await opened?.dispose();
  });

  it("publishes each build with store.json last, keeps the previous build's files and removes older ones", async () => {
    const { manifest: first, run } = await buildExpressionStore(opened.lake, "m", {
      ...options,
      workDir: opened.root,
    });
    expect(first.build).toBe(1);
    expect(run.step).toBe("expr-build");
    expect(run.outputs.map((o) => o.name).at(-1)).toBe("store.json");
    expect(run.rowCounts).toMatchObject({ cells: 120, genes: 40 });
    const lineage = await opened.lake.lineage(`curated:${storeDatasetName("m")}`);
    expect(JSON.stringify(lineage)).toContain("consolidation");
    const schemas = await opened.lake.catalog.listSchemaVersions(
      (await opened.lake.dataset(`curated:${storeDatasetName("m")}`)).id,
    );
    expect(schemas.map((s) => s.tableName).sort()).toEqual(["cells", "genes", "values"]);
    const old = await access.current("m");

    const { manifest: second } = await buildExpressionStore(opened.lake, "m", {
      ...options,
      workDir: opened.root,
    });
    expect(second.build).toBe(2);
    await expectComplete(opened.lake, second);
    expect((await storeObjects(opened.lake, "m")).filter((n) => n.startsWith("b1/"))).toHaveLength(5);
    // A reader that took build 1 before the switch still reads it.
    expect(await parquetRows(old.files.genes!, "SELECT count(*) AS n FROM t")).toEqual([{ n: 40 }]);
    expect((await access.current("m")).manifest.build).toBe(2);

    await buildExpressionStore(opened.lake, "m", { ...options, workDir: opened.root });
    const names = await storeObjects(opened.lake, "m");
    expect(names.filter((n) => n.startsWith("b1/"))).toEqual([]);
    expect(names.filter((n) => n.startsWith("b2/"))).toHaveLength(5);
    expect(names.filter((n) => n.startsWith("b3/"))).toHaveLength(5);
    expect(names).toContain("store.json");
  });

  it("leaves the published build queryable when a rebuild is cancelled mid-publish, and a rerun succeeds", async () => {
    const before = (await access.current("m")).manifest;
    const controller = new AbortController();
    await expect(
      buildExpressionStore(opened.lake, "m", {
        ...options,
        workDir: opened.root,
        signal: controller.signal,
        onProgress: (event) => {
          if (event.stage === "publish" && event.done === 2) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ code: "cancelled" });
    const during = await new LakeStoreAccess(opened.lake, {
      cacheDir: join(opened.root, "cache-after-cancel"),
    }).current("m");
    expect(during.manifest).toEqual(before);
    expect(
      (await storeObjects(opened.lake, "m")).filter((n) => n.startsWith(`b${before.build + 1}/`)).length,
    ).toBeGreaterThan(0);

    const { manifest } = await buildExpressionStore(opened.lake, "m", { ...options, workDir: opened.root });
    expect(manifest.build).toBe(before.build + 1);
    await expectComplete(opened.lake, manifest);
  });

  it("lets one of two builds started together run; the other is refused, nothing mixed", async () => {
    const results = await Promise.allSettled([
      buildExpressionStore(opened.lake, "m", { ...options, workDir: opened.root }),
      buildExpressionStore(opened.lake, "m", { ...options, workDir: opened.root }),
    ]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "expression_building" });
    }
    const current = (await access.current("m")).manifest;
    await expectComplete(opened.lake, current);
    const prefixes = new Set(
      (await storeObjects(opened.lake, "m")).filter((n) => n !== "store.json").map((n) => n.split("/")[0]),
    );
    expect([...prefixes].sort()).toEqual([`b${current.build - 1}`, `b${current.build}`]);
  });
});

// A child must open the same lake, so PGlite lives on disk here.
const combo = lakeCombos().find((c) => c.store === "fs" && c.engine === "pglite")!;
describe("a build killed at any step", () => {
  let opened: ComboLake;
  const withLake = async <T>(fn: (lake: Lake) => Promise<T>): Promise<T> => {
    const lake = await openLake(opened);
    try {
      return await fn(lake);
    } finally {
      await lake.close();
    }
  };

  beforeAll(async () => {
    opened = await combo.open({ pgliteOnDisk: true });
    await putSmallMatrix(opened.lake, opened.root, "k");
    await buildExpressionStore(opened.lake, "k", { ...options, workDir: opened.root });
    await opened.lake.close();
  }, 120_000);
  afterAll(async () => {
    await opened?.dispose();
  });

  it("leaves the previous build queryable, and the next build succeeds", async () => {
    const { root, storage, database } = opened;
    for (const point of [
      "expr-build.values-by-cell",
      "expr-build.file-published:3",
      "expr-build.before-pointer",
    ]) {
      const { signal } = await runTsChild(
        join(here, "build-kill-child.ts"),
        [JSON.stringify({ root, storage, database }), "k", point],
        "the building child",
      );
      expect(signal, point).toBe("SIGKILL");
      await withLake(async (lake) => {
        const access = new LakeStoreAccess(lake, { cacheDir: join(root, "cache", point) });
        const build = await access.current("k");
        expect(build.manifest.build, point).toBe(1);
        expect(await parquetRows(build.files.valuesByGene!, "SELECT count(*) AS n FROM t")).toEqual([
          { n: build.manifest.counts.nonzeros },
        ]);
      });
    }
    await withLake(async (lake) => {
      const { manifest } = await buildExpressionStore(lake, "k", { ...options, workDir: root });
      expect(manifest.build).toBe(2);
      await expectComplete(lake, manifest);
      const names = (await lake.listObjects(`curated:${storeDatasetName("k")}`, { limit: 100 })).items.map(
        (o) => o.name,
      );
      expect(names.filter((n) => n.startsWith("b2/")).sort()).toEqual(
        Object.values(manifest.files)
          .map((f) => f.name)
          .sort(),
      );
    });
  });
});
