import { spawnSync } from "node:child_process";
import { readdir } from "node:fs/promises";
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
import { openFsLake } from "./support/store-test-lake.js";

/**
 * End to end on a 10x folder written by scipy.io.mmwrite (explicit zeros, shuffled entries, an empty cell and
 * gene, a gene equal in every cell of a cluster, ties, repeated symbols, a one-cell cluster, a barcode with no
 * metadata row): convert, build grouped by Cluster, and compare every statistic with numpy/scipy to 1e-9.
 */
const script = fileURLToPath(new URL("./support/review_tenx.py", import.meta.url));
const missing = numpyMissing();
if (missing !== undefined) console.warn(`review-tenx-statistics skipped: ${missing}`);

interface SetStats {
  n: number;
  mean: number[];
  variance: (number | null)[];
  cv: (number | null)[];
  n_expressing: number[];
  pearson: Record<string, (number | null)[]>;
  spearman: Record<string, (number | null)[]>;
}
interface Reference {
  symbols: string[];
  sets: Record<string, SetStats>;
}

const FILTERS: Record<string, CellFilter> = {
  all: {},
  T: { Cluster: { in: ["T"] } },
  B: { Cluster: { in: ["B"] } },
  Solo: { Cluster: { in: ["Solo"] } },
  TB: { Cluster: { in: ["T", "B"] } },
  "nCount>=40": { nCount: { min: 40 } },
};

function close(got: number | null | undefined, want: number | null, what: string): void {
  if (want === null) {
    expect(got ?? null, what).toBeNull();
    return;
  }
  expect(got, what).not.toBeNull();
  // Relative to the value, with an absolute floor for values that are 0 up to rounding (an r of 1e-17).
  const tolerance = Math.max(Math.abs(want) * 1e-9, 1e-12);
  expect(Math.abs((got as number) - want), `${what}: got ${got}, numpy ${want}`).toBeLessThanOrEqual(
    tolerance,
  );
}

async function convertAndBuild(
  opened: OpenedLake,
  name: string,
  kase: string,
): Promise<{ build: StoreBuild; reference: Reference }> {
  const dir = join(opened.root, `${name}-mtx`);
  const run = spawnSync(PYTHON, [script, dir, kase], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`review_tenx.py failed: ${run.stderr}`);
  const files = (await readdir(dir)).map((f) => join(dir, f));
  await opened.lake.addFiles(files, { dataset: name });
  await convertDataset(opened.lake, `raw:${name}`, { cellMetadata: "cells.tsv" });
  await buildExpressionStore(opened.lake, name, {
    by: "Cluster",
    workDir: opened.root,
    memoryLimit: "256MB",
    threads: 1,
  });
  const access = new LakeStoreAccess(opened.lake, { cacheDir: join(opened.root, ".cache", "expression") });
  return { build: await access.current(name), reference: JSON.parse(run.stdout) as Reference };
}

describe.skipIf(missing !== undefined)("statistics on a 10x folder written by scipy", () => {
  let opened: OpenedLake;
  let engine: ExpressionEngine;
  let build: StoreBuild;
  let ref: Reference;

  beforeAll(async () => {
    opened = await openFsLake();
    engine = await createDuckDbEngine({ threads: 1 });
    ({ build, reference: ref } = await convertAndBuild(opened, "mixed", "mixed"));
  });
  afterAll(async () => {
    await engine?.close();
    await opened?.dispose();
  });

  it("keeps every gene and cell, drops the stored zeros, and names repeated symbols like make.unique", async () => {
    expect(build.manifest.counts.genes).toBe(10);
    expect(build.manifest.counts.cells).toBe(40);
    const all = ref.sets["all"]!;
    expect(build.manifest.counts.nonzeros).toBe(all.n_expressing.reduce((a, b) => a + b, 0));
    expect(build.manifest.cellsWithoutGroup).toBe(1);
    const genes = await engine.genes(build, { limit: 100 });
    expect(genes.map((g) => g.gene)).toEqual(ref.symbols.map((s, i) => (i === 7 ? "LYZ.1" : s)));
    genes.forEach((g, i) => close(g.mean, all.mean[i]!, `mean of ${g.gene}`));
    expect(genes.map((g) => g.n_expressing)).toEqual(all.n_expressing);
  });

  for (const set of Object.keys(FILTERS)) {
    it(`ranks CV like numpy (ddof=1) over cells ${set}`, async () => {
      const want = ref.sets[set]!;
      const got = await engine.variability(build, { cells: FILTERS[set]!, min_mean: 0, limit: 100 });
      expect(got.n).toBe(want.n);
      expect(got.total).toBe(10);
      for (const row of got.rows) {
        const g = row.gene_idx;
        close(row.mean, want.mean[g]!, `mean of gene ${g}`);
        close(row.cv, want.cv[g]!, `cv of gene ${g}`);
        if (want.variance[g] !== null) close(row.variance, want.variance[g]!, `variance of gene ${g}`);
        expect(row.n_expressing).toBe(want.n_expressing[g]);
      }
      const defined = got.rows.filter((r) => r.cv !== null).map((r) => r.cv!);
      expect(defined).toEqual([...defined].sort((a, b) => b - a));
      expect(got.rows.findIndex((r) => r.cv === null)).toBe(
        got.rows.some((r) => r.cv === null) ? defined.length : -1,
      );
    });

    for (const method of ["pearson", "spearman"] as const) {
      it(`${method} pairs and top-k agree with numpy over cells ${set}`, async () => {
        const want = ref.sets[set]!;
        for (const a of [0, 4, 5, 9]) {
          const table = want[method][String(a)]!;
          for (let b = 0; b < 10; b++) {
            if (a === b) continue;
            const pair = await engine.correlation(build, { a, b, method, cells: FILTERS[set]! });
            expect(pair.n).toBe(want.n);
            close(pair.r, table[b]!, `${method} r(${a}, ${b}) over ${set}`);
          }
          const top = await engine.topCorrelated(build, {
            gene: a,
            method,
            cells: FILTERS[set]!,
            k: 20,
            order: "r",
          });
          const expected = table
            .map((r, g) => ({ g, r }))
            .filter((x): x is { g: number; r: number } => x.r !== null && x.g !== a);
          expect(top.rows.map((r) => r.gene_idx).sort()).toEqual(expected.map((x) => x.g).sort());
          for (const row of top.rows)
            close(row.r, table[row.gene_idx]!, `top ${method} r(${a}, ${row.gene_idx}) over ${set}`);
          // The k best by |r|, in numpy's order.
          const best = await engine.topCorrelated(build, {
            gene: a,
            method,
            cells: FILTERS[set]!,
            k: 3,
            order: "abs",
          });
          const byAbs = [...expected].sort((x, y) => Math.abs(y.r) - Math.abs(x.r) || x.g - y.g).slice(0, 3);
          expect(
            best.rows.map((r) => r.gene_idx),
            `${method} top 3 of ${a} over ${set}`,
          ).toEqual(byAbs.map((x) => x.g));
        }
      });
    }
  }

  it("aggregates per cluster like numpy, the cell without metadata in the null group", async () => {
    const rows = await engine.aggregates(build, { genes: [0, 2, 9], by: "Cluster", cells: {} });
    for (const set of ["T", "B", "Solo"]) {
      const want = ref.sets[set]!;
      for (const g of [0, 2, 9]) {
        const row = rows.find((r) => r.group === set && r.gene_idx === g);
        expect(row?.n_cells).toBe(want.n);
        close(row!.mean, want.mean[g]!, `aggregate mean of gene ${g} in ${set}`);
        expect(row!.fraction).toBeCloseTo(want.n_expressing[g]! / want.n, 12);
      }
    }
    expect(rows.filter((r) => r.group === null).map((r) => r.n_cells)).toEqual([1, 1, 1]);
  });
});

describe.skipIf(missing !== undefined)("two correlated genes near 1e5 with a spread of 1", () => {
  let opened: OpenedLake;
  let engine: ExpressionEngine;
  let build: StoreBuild;
  let ref: Reference;

  beforeAll(async () => {
    opened = await openFsLake();
    engine = await createDuckDbEngine({ threads: 1 });
    ({ build, reference: ref } = await convertAndBuild(opened, "offset", "offset"));
  });
  afterAll(async () => {
    await engine?.close();
    await opened?.dispose();
  });

  it("gets its CV right", async () => {
    const got = await engine.variability(build, { cells: {}, min_mean: 5e4, limit: 10 });
    expect(got.rows.map((r) => r.gene_idx).sort()).toEqual([5, 9]);
    for (const row of got.rows) {
      close(row.mean, ref.sets["all"]!.mean[row.gene_idx]!, "mean");
      close(row.cv, ref.sets["all"]!.cv[row.gene_idx]!, "cv");
    }
  });

  it("correlates it with the other genes in top-k as precisely as in a pair", async () => {
    const table = ref.sets["all"]!.pearson["5"]!;
    const pair = await engine.correlation(build, { a: 5, b: 9, method: "pearson", cells: {} });
    close(pair.r, table[9]!, "pair r(5, 9)");
    const top = await engine.topCorrelated(build, {
      gene: 5,
      method: "pearson",
      cells: {},
      k: 20,
      order: "r",
    });
    for (const row of top.rows) close(row.r, table[row.gene_idx]!, `top r(5, ${row.gene_idx})`);
    const cluster = await engine.topCorrelated(build, {
      gene: 5,
      method: "pearson",
      cells: { nCount: { min: 0 } },
      k: 20,
      order: "r",
    });
    expect(cluster.rows.length).toBeGreaterThan(0);
  });
});

describe.skipIf(missing !== undefined)("the same matrix as a 10x v2 folder (genes.tsv, uncompressed)", () => {
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

  it("builds with the genes' symbols and the same statistics", async () => {
    const { build, reference } = await convertAndBuild(opened, "v2", "v2");
    expect(build.manifest.counts.cells).toBe(40);
    const genes = await engine.genes(build, { limit: 100 });
    expect(genes.map((g) => g.gene)).toEqual(reference.symbols.map((s, i) => (i === 7 ? "LYZ.1" : s)));
    expect(genes[0]?.gene_id).toBe("ENSG00000000000");
    const want = reference.sets["T"]!;
    const got = await engine.variability(build, { cells: FILTERS["T"]!, min_mean: 0, limit: 100 });
    for (const row of got.rows) close(row.cv, want.cv[row.gene_idx]!, `cv of gene ${row.gene_idx}`);
  });
});
