import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenedLake } from "@omicslake/core/testing";
import { createDuckDbEngine, type ExpressionEngine } from "@omicslake/expression";
import { buildExpressionStore } from "../src/build/build-expression-store.js";
import { LakeStoreAccess } from "../src/store/lake-store-access.js";
import type { StoreBuild } from "../src/engine/expression-engine.js";
import { openFsLake, putProcessedDataset } from "./support/store-test-lake.js";

/**
 * Metadata as Seurat and scanpy leave it: integer cluster numbers as the group column, obs columns named like
 * the store's own (cell, cell_idx, gene), a column name with a dot and a quote. Statistics are checked against
 * a two-pass computation on the dense matrix.
 */
const CELLS = 12;
const GENES = 4;
const value = (c: number, g: number): number =>
  (c * 5 + g * 3) % 7 === 0 ? 0 : ((c * 5 + g * 3) % 7) - (g === 3 ? 3 : 0);
const cluster = (c: number): number => c % 3;

function twoPass(cells: number[], g: number): { mean: number; cv: number | null } {
  const xs = cells.map((c) => value(c, g));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, cv: mean === 0 ? null : Math.sqrt(variance) / mean };
}

describe("cluster numbers and colliding column names", () => {
  let opened: OpenedLake;
  let engine: ExpressionEngine;
  let build: StoreBuild;

  beforeAll(async () => {
    opened = await openFsLake();
    engine = await createDuckDbEngine({ threads: 1 });
    const triplets: string[] = [];
    for (let c = 0; c < CELLS; c++)
      for (let g = 0; g < GENES; g++) if (value(c, g) !== 0) triplets.push(`(${c}, ${g}, ${value(c, g)})`);
    await putProcessedDataset(opened.lake, opened.root, "odd", {
      "features.parquet": `SELECT i::INTEGER AS gene_idx, 'ENSG' || i AS gene_id, 'G' || i AS gene_name FROM range(${GENES}) r(i)`,
      "cells.parquet": `SELECT i::INTEGER AS cell_idx, 'bc' || i AS barcode, (i % 3)::INTEGER AS seurat_clusters,
                          'x' || i AS cell, 'g' || i AS gene, i * 1.5 AS "n.counts", 'q' AS "it's" FROM range(${CELLS}) r(i)`,
      "counts.parquet": `SELECT c::INTEGER AS cell_idx, g::INTEGER AS gene_idx, v::DOUBLE AS value FROM (VALUES ${triplets.join(", ")}) t(c, g, v)`,
    });
    await buildExpressionStore(opened.lake, "odd", {
      by: "seurat_clusters",
      workDir: opened.root,
      memoryLimit: "256MB",
      threads: 1,
    });
    build = await new LakeStoreAccess(opened.lake, { cacheDir: join(opened.root, ".cache") }).current("odd");
  });
  afterAll(async () => {
    await engine?.close();
    await opened?.dispose();
  });

  it("groups by integer clusters, and filters on them given as numbers or text", async () => {
    expect(build.manifest.groups.map((g) => [g.value, g.cells])).toEqual([
      ["0", 4],
      ["1", 4],
      ["2", 4],
    ]);
    const cells = Array.from({ length: CELLS }, (_, c) => c).filter((c) => cluster(c) === 1);
    for (const filter of [{ seurat_clusters: { in: [1] } }, { seurat_clusters: { in: ["1"] } }]) {
      const v = await engine.variability(build, { cells: filter, min_mean: -100, limit: 10 });
      expect(v.n).toBe(4);
      for (const row of v.rows) {
        const want = twoPass(cells, row.gene_idx);
        expect(row.mean).toBeCloseTo(want.mean, 12);
        if (want.cv === null) expect(row.cv).toBeNull();
        else expect(row.cv).toBeCloseTo(want.cv, 12);
      }
    }
    const agg = await engine.aggregates(build, { genes: [0], by: "seurat_clusters", cells: {} });
    expect(agg.map((r) => [r.group, r.n_cells])).toEqual([
      ["0", 4],
      ["1", 4],
      ["2", 4],
    ]);
  });

  it("keeps obs columns named like store columns under a prefix, and filters on them and on odd names", async () => {
    const names = build.manifest.cellColumns.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(["cell_idx", "cell", "obs_cell", "gene", "n.counts", "it's"]),
    );
    const [cell] = await engine.cells(build, { where: { obs_cell: { in: ["x4"] } }, limit: 5 });
    expect(cell).toMatchObject({ obs_cell: "x4", gene: "g4" });
    expect(await engine.countCells(build, { "n.counts": { min: 3, max: 6 } }, null)).toEqual([
      { value: null, cells: 3 },
    ]);
    expect(
      await engine.countCells(build, { "it's": { in: ["q"] }, gene: { in: ["g1", "g2"] } }, null),
    ).toEqual([{ value: null, cells: 2 }]);
    const pair = await engine.correlation(build, {
      a: 0,
      b: 1,
      method: "pearson",
      cells: { gene: { in: ["g1", "g2", "g5"] } },
    });
    expect(pair.n).toBe(3);
  });
});
