import { spawnSync } from "node:child_process";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertDataset } from "@omicslake/formats";
import type { OpenedLake } from "@omicslake/core/testing";
import { createDuckDbEngine, type ExpressionEngine } from "@omicslake/expression";
import { buildExpressionStore } from "../src/build/build-expression-store.js";
import { LakeStoreAccess } from "../src/store/lake-store-access.js";
import type { StoreBuild } from "../src/engine/expression-engine.js";
import type { CellFilter } from "../src/model/expression-types.js";
import { numpyMissing, PYTHON } from "./support/numpy-reference.js";
import { formatFixtures, haveFormatFixtures, openFsLake } from "./support/store-test-lake.js";

/**
 * The h5ad anndata wrote (float32 CSR X, categorical cell_type), converted and built, against numpy on the
 * same matrix regenerated from the fixture's seeds: CV per cell type, Pearson and Spearman top-k of gene 0.
 */
const script = fileURLToPath(new URL("./support/review_h5ad_reference.py", import.meta.url));
const missing = !haveFormatFixtures ? "../shared/fixtures/formats is absent" : numpyMissing();
if (missing !== undefined) console.warn(`review-h5ad-fixture skipped: ${missing}`);

interface Reference {
  gene_sums: number[];
  sets: Record<
    string,
    {
      n: number;
      mean: number[];
      cv: (number | null)[];
      pearson0: (number | null)[];
      spearman0: (number | null)[];
    }
  >;
}

function close(got: number | null | undefined, want: number | null, what: string): void {
  if (want === null) return void expect(got ?? null, what).toBeNull();
  expect(got, what).not.toBeNull();
  const tolerance = Math.max(Math.abs(want) * 1e-9, 1e-12);
  expect(Math.abs((got as number) - want), `${what}: got ${got}, numpy ${want}`).toBeLessThanOrEqual(
    tolerance,
  );
}

describe.skipIf(missing !== undefined)("statistics on anndata's sparse h5ad", () => {
  let opened: OpenedLake;
  let engine: ExpressionEngine;
  let build: StoreBuild;
  let ref: Reference;
  let regenerated = false;

  beforeAll(async () => {
    opened = await openFsLake();
    engine = await createDuckDbEngine({ threads: 1 });
    const file = join(opened.root, "sparse.h5ad");
    await copyFile(join(formatFixtures, "h5ad", "sparse.h5ad"), file);
    await opened.lake.addFiles([file], { dataset: "ad" });
    await convertDataset(opened.lake, "raw:ad");
    await buildExpressionStore(opened.lake, "ad", { workDir: opened.root, memoryLimit: "256MB", threads: 1 });
    build = await new LakeStoreAccess(opened.lake, { cacheDir: join(opened.root, ".cache") }).current("ad");
    const run = spawnSync(PYTHON, [script], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`review_h5ad_reference.py failed: ${run.stderr}`);
    ref = JSON.parse(run.stdout) as Reference;
    const genes = await engine.genes(build, { limit: 100 });
    regenerated = genes.every((g, i) => Math.abs(g.mean * 100 - ref.gene_sums[i]!) < 1e-9);
    if (!regenerated)
      console.warn("review-h5ad-fixture: this scipy draws another matrix from the seeds; skipped");
  });
  afterAll(async () => {
    await engine?.close();
    await opened?.dispose();
  });

  for (const set of ["all", "T", "B", "NK"]) {
    it(`agrees with numpy over cells ${set}`, async () => {
      if (!regenerated) return;
      const cells: CellFilter = set === "all" ? {} : { cell_type: { in: [set] } };
      const want = ref.sets[set]!;
      const v = await engine.variability(build, { cells, min_mean: 0, limit: 100 });
      expect(v.n).toBe(want.n);
      for (const row of v.rows) {
        close(row.mean, want.mean[row.gene_idx]!, `mean ${row.gene_idx}`);
        close(row.cv, want.cv[row.gene_idx]!, `cv ${row.gene_idx}`);
      }
      for (const method of ["pearson", "spearman"] as const) {
        const table = method === "pearson" ? want.pearson0 : want.spearman0;
        const top = await engine.topCorrelated(build, { gene: 0, method, cells, k: 100, order: "abs" });
        expect(top.rows.length).toBe(table.filter((r, g) => r !== null && g !== 0).length);
        for (const row of top.rows) close(row.r, table[row.gene_idx]!, `${method} r(0, ${row.gene_idx})`);
        const pair = await engine.correlation(build, { a: 0, b: 7, method, cells });
        close(pair.r, table[7]!, `${method} pair r(0, 7)`);
      }
    });
  }
});

describe.skipIf(missing !== undefined)("statistics on anndata's dense h5ad", () => {
  let opened: OpenedLake;
  let engine: ExpressionEngine;

  beforeAll(async () => {
    opened = await openFsLake();
    engine = await createDuckDbEngine({ threads: 1 });
  });
  afterAll(async () => {
    await engine?.close();
    await opened?.dispose();
  });

  it("builds a dense float32 X and agrees with numpy on CV and r", async () => {
    const file = join(opened.root, "dense.h5ad");
    await copyFile(join(formatFixtures, "h5ad", "dense.h5ad"), file);
    await opened.lake.addFiles([file], { dataset: "dense" });
    await convertDataset(opened.lake, "raw:dense");
    await buildExpressionStore(opened.lake, "dense", {
      workDir: opened.root,
      memoryLimit: "256MB",
      threads: 1,
    });
    const build = await new LakeStoreAccess(opened.lake, { cacheDir: join(opened.root, ".cache") }).current(
      "dense",
    );
    expect(build.manifest.counts).toMatchObject({ genes: 10, cells: 20 });
    expect(build.manifest.groupBy).toBeNull();
    const run = spawnSync(PYTHON, [script, "dense"], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`review_h5ad_reference.py failed: ${run.stderr}`);
    const ref = JSON.parse(run.stdout) as Reference;
    const genes = await engine.genes(build, { limit: 100 });
    if (!genes.every((g, i) => Math.abs(g.mean * 20 - ref.gene_sums[i]!) < 1e-9)) {
      console.warn("review-h5ad-fixture: this numpy draws another dense matrix from the seed; skipped");
      return;
    }
    const want = ref.sets["all"]!;
    const v = await engine.variability(build, { cells: {}, min_mean: 0, limit: 100 });
    for (const row of v.rows) close(row.cv, want.cv[row.gene_idx]!, `cv ${row.gene_idx}`);
    for (const method of ["pearson", "spearman"] as const) {
      const table = method === "pearson" ? want.pearson0 : want.spearman0;
      const top = await engine.topCorrelated(build, { gene: 0, method, cells: {}, k: 100, order: "r" });
      expect(top.rows.length).toBe(9);
      for (const row of top.rows) close(row.r, table[row.gene_idx]!, `${method} r(0, ${row.gene_idx})`);
    }
  });
});
