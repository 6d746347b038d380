import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenedLake } from "@omicslake/core/testing";
import { createDuckDbEngine, type ExpressionEngine } from "@omicslake/expression";
import { buildExpressionStore } from "../src/build/build-expression-store.js";
import { LakeStoreAccess } from "../src/store/lake-store-access.js";
import type { StoreBuild } from "../src/engine/expression-engine.js";
import type { CellFilter } from "../src/model/expression-types.js";
import { openFsLake, putProcessedDataset } from "./support/store-test-lake.js";

/**
 * Filter values of the wrong type for their column (text against a number or boolean column, a number bound
 * on a text column) are the caller's mistake: they answer as invalid input, never as an
 * engine error that reaches the user as a 500.
 */
describe("hostile cell filter values", () => {
  let opened: OpenedLake;
  let engine: ExpressionEngine;
  let build: StoreBuild;

  beforeAll(async () => {
    opened = await openFsLake();
    engine = await createDuckDbEngine({ threads: 1 });
    await putProcessedDataset(opened.lake, opened.root, "hostile", {
      "features.parquet": `SELECT i::INTEGER AS gene_idx, 'ENSG' || i AS gene_id, 'G' || i AS gene_name FROM range(3) r(i)`,
      "cells.parquet": `SELECT i::INTEGER AS cell_idx, 'c' || i AS barcode, CASE WHEN i < 3 THEN 'T' ELSE 'B' END AS cell_type,
                          i * 10.0 AS n_count, i % 2 = 0 AS doublet, (i % 2)::VARCHAR AS cluster FROM range(6) r(i)`,
      "counts.parquet": `SELECT (i % 6)::INTEGER AS cell_idx, (i % 3)::INTEGER AS gene_idx, (i + 1)::DOUBLE AS value FROM range(12) r(i)`,
    });
    await buildExpressionStore(opened.lake, "hostile", {
      workDir: opened.root,
      memoryLimit: "256MB",
      threads: 1,
    });
    build = await new LakeStoreAccess(opened.lake, { cacheDir: join(opened.root, ".cache") }).current(
      "hostile",
    );
  });
  afterAll(async () => {
    await engine?.close();
    await opened?.dispose();
  });

  it("answers filters of the right type", async () => {
    expect(await engine.countCells(build, { cell_type: { in: ["T"] } }, null)).toEqual([
      { value: null, cells: 3 },
    ]);
    expect(await engine.countCells(build, { n_count: { min: 20, max: 40 } }, null)).toEqual([
      { value: null, cells: 3 },
    ]);
    expect(await engine.countCells(build, { doublet: { in: [true] } }, null)).toEqual([
      { value: null, cells: 3 },
    ]);
  });

  it("compares a number with a text column as its text, without an engine error", async () => {
    expect(await engine.countCells(build, { cluster: { in: [1] } }, null)).toEqual([
      { value: null, cells: 3 },
    ]);
    expect(await engine.countCells(build, { cell_type: { in: [1] } }, null)).toEqual([
      { value: null, cells: 0 },
    ]);
    const rows = await engine.aggregates(build, {
      genes: [0],
      by: "cell_type",
      cells: { cell_type: { in: [1] } },
    });
    expect(rows).toEqual([]);
  });

  const empty: Record<string, CellFilter> = {
    "a group that does not exist": { cell_type: { in: ["nope"] } },
    "a range no cell is in": { n_count: { min: 1000 } },
    "an empty value list": { cell_type: { in: [] } },
  };
  for (const [what, filter] of Object.entries(empty)) {
    it(`answers statistics over ${what} with n 0 and nothing NaN`, async () => {
      const v = await engine.variability(build, { cells: filter, min_mean: 0, limit: 10 });
      expect(v.n).toBe(0);
      for (const row of v.rows) {
        expect(row.cv).toBeNull();
        expect(Number.isNaN(row.mean) || Number.isNaN(row.variance) || Number.isNaN(row.fraction)).toBe(
          false,
        );
      }
      for (const method of ["pearson", "spearman"] as const) {
        const pair = await engine.correlation(build, { a: 0, b: 1, method, cells: filter });
        expect(pair).toMatchObject({ r: null, n: 0, undefined_reason: "too_few_cells" });
        expect(Number.isNaN(pair.mean_a)).toBe(false);
        const top = await engine.topCorrelated(build, { gene: 0, method, cells: filter, k: 5, order: "r" });
        expect(top).toMatchObject({ n: 0, rows: [] });
      }
      const agg = await engine.aggregates(build, { genes: [0], by: "cell_type", cells: filter });
      expect(agg).toEqual([]);
    });
  }

  const wrong: Record<string, CellFilter> = {
    "text against a number column": { n_count: { in: ["ten"] } },
    "a text bound on a number column": { n_count: { min: "lots" } },
    "a number bound on a text column": { cell_type: { min: 3 } },
    "text against a boolean column": { doublet: { in: ["maybe"] } },
  };
  for (const [what, filter] of Object.entries(wrong)) {
    it(`refuses ${what} as invalid input, in every query that takes a filter`, async () => {
      const invalid = { code: "invalid_input" };
      await expect(engine.countCells(build, filter, null)).rejects.toMatchObject(invalid);
      await expect(engine.cells(build, { where: filter, limit: 10 })).rejects.toMatchObject(invalid);
      await expect(
        engine.correlation(build, { a: 0, b: 1, method: "pearson", cells: filter }),
      ).rejects.toMatchObject(invalid);
      await expect(engine.variability(build, { cells: filter, min_mean: 0, limit: 5 })).rejects.toMatchObject(
        invalid,
      );
      await expect(
        engine.aggregates(build, { genes: [0], by: "cell_type", cells: filter }),
      ).rejects.toMatchObject(invalid);
    });
  }
});
