import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertDataset } from "@omicslake/formats";
import type { OpenedLake } from "@omicslake/core/testing";
import { buildExpressionStore } from "../src/build/build-expression-store.js";
import { LakeStoreAccess } from "../src/store/lake-store-access.js";
import { coefficientOfVariation, fullStats } from "../src/statistics/implicit-zeros.js";
import type { StoreBuild } from "../src/engine/expression-engine.js";
import {
  addTenxFixture,
  formatFixtures,
  haveFormatFixtures,
  openFsLake,
  parquetRows,
} from "./support/store-test-lake.js";

if (!haveFormatFixtures) console.warn("build-tenx tests skipped: ../shared/fixtures/formats is absent");

interface Expected {
  nnz: number;
  sum: number;
  cv_by_cell_type_zeros_included_cell17_excluded: Record<
    string,
    Record<string, { cv_sample_sd: number; mean: number; n_cells: number }>
  >;
}

describe.skipIf(!haveFormatFixtures)("building a store from the 10x fixture with cell metadata", () => {
  let opened: OpenedLake;
  let build: StoreBuild;
  let expected: Expected;
  let metadata: Map<string, string>;

  beforeAll(async () => {
    opened = await openFsLake();
    await addTenxFixture(opened.lake, opened.root, "tenx");
    await convertDataset(opened.lake, "raw:tenx", { cellMetadata: "cells.tsv" });
    await buildExpressionStore(opened.lake, "tenx", {
      by: "Cluster",
      workDir: opened.root,
      memoryLimit: "256MB",
      threads: 1,
    });
    const access = new LakeStoreAccess(opened.lake, { cacheDir: join(opened.root, ".cache", "expression") });
    build = await access.current("tenx");
    expected = JSON.parse(
      await readFile(join(formatFixtures, "10x_v3", "expected.json"), "utf8"),
    ) as Expected;
    const tsv = (await readFile(join(formatFixtures, "10x_v3", "cells.tsv"), "utf8"))
      .trim()
      .split("\n")
      .slice(1);
    metadata = new Map(tsv.map((line) => [line.split("\t")[0]!, line.split("\t")[1]!]));
  });
  afterAll(async () => {
    await opened?.dispose();
  });

  it("counts the genes, cells and nonzeros of the matrix file", async () => {
    const mtx = gunzipSync(await readFile(join(formatFixtures, "10x_v3", "matrix.mtx.gz"))).toString("utf8");
    const entries = mtx
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("%"))
      .slice(1);
    const nonzero = entries.filter((l) => Number(l.split(" ")[2]) !== 0);
    expect(build.manifest.counts).toEqual({ genes: 2000, cells: 500, nonzeros: nonzero.length });
    expect(nonzero.length).toBe(expected.nnz);
    expect(build.manifest.valueType).toBe("INTEGER");
    expect(build.manifest.source).toMatchObject({
      dataset: "processed:tenx",
      matrix: "X",
      format: "10x-mtx",
    });
    const [byGene] = await parquetRows(
      build.files.valuesByGene!,
      "SELECT count(*) AS n, sum(value) AS s FROM t",
    );
    expect(byGene).toEqual({ n: expected.nnz, s: expected.sum });
    const [genes] = await parquetRows(
      build.files.genes!,
      "SELECT sum(sum) AS s, sum(n_expressing) AS k, count(*) AS n FROM t",
    );
    expect(genes).toEqual({ s: expected.sum, k: expected.nnz, n: 2000 });
  });

  it("sorts the value files by gene and by cell", async () => {
    const [g] = await parquetRows(
      build.files.valuesByGene!,
      `SELECT count(*) FILTER (WHERE pg IS NOT NULL AND (gene_idx, cell_idx) < (pg, pc)) AS bad FROM
         (SELECT gene_idx, cell_idx, lag(gene_idx) OVER w AS pg, lag(cell_idx) OVER w AS pc FROM stored WINDOW w AS (ORDER BY file_row_number))`,
    );
    expect(g).toEqual({ bad: 0 });
    const [c] = await parquetRows(
      build.files.valuesByCell!,
      `SELECT count(*) FILTER (WHERE pc IS NOT NULL AND (cell_idx, gene_idx) < (pc, pg)) AS bad FROM
         (SELECT gene_idx, cell_idx, lag(gene_idx) OVER w AS pg, lag(cell_idx) OVER w AS pc FROM stored WINDOW w AS (ORDER BY file_row_number))`,
    );
    expect(c).toEqual({ bad: 0 });
  });

  it("makes each Cluster one contiguous cell range, the cell without metadata last", async () => {
    const manifest = build.manifest;
    expect(manifest.groupBy).toBe("Cluster");
    expect(manifest.cellsWithoutGroup).toBe(1);
    const sizes = new Map<string, number>();
    for (const cluster of metadata.values()) sizes.set(cluster, (sizes.get(cluster) ?? 0) + 1);
    expect(manifest.groups.map((g) => [g.value, g.cells])).toEqual(
      [...sizes.entries()].sort(([a], [b]) => a.localeCompare(b)),
    );
    let next = 0;
    for (const group of manifest.groups) {
      expect(group.firstCell).toBe(next);
      expect(group.lastCell - group.firstCell + 1).toBe(group.cells);
      next = group.lastCell + 1;
    }
    const cells = await parquetRows(
      build.files.cells!,
      "SELECT cell_idx, cell, source_cell_idx, Cluster, Subject FROM t ORDER BY cell_idx",
    );
    expect(cells.map((c) => c["cell_idx"])).toEqual([...Array(500).keys()]);
    for (const cell of cells)
      expect(cell["Cluster"] ?? null).toBe(metadata.get(cell["cell"] as string) ?? null);
    expect(cells[499]).toMatchObject({ cell: "AAACCTG000000017-1", source_cell_idx: 17, Cluster: null });
    expect(manifest.cellColumns.map((c) => c.name)).toEqual([
      "cell_idx",
      "cell",
      "source_cell_idx",
      "Cluster",
      "Subject",
      "nCount",
    ]);
  });

  it("names genes by symbol, keeps the id and the other feature columns", async () => {
    const genes = await parquetRows(
      build.files.genes!,
      "SELECT * FROM t WHERE gene_idx IN (0, 1999) ORDER BY gene_idx",
    );
    expect(genes[0]).toMatchObject({
      gene_idx: 0,
      gene: "GENE0",
      gene_id: "ENSG00000000000",
      symbol: "GENE0",
      feature_type: "Gene Expression",
    });
    expect(genes[1]).toMatchObject({ gene_idx: 1999, gene: "GENE1999" });
    expect(build.manifest.duplicateSymbols).toEqual({});
  });

  it("gives group statistics from which numpy's per-cell-type CV follows", async () => {
    const stats = await parquetRows(build.files.groupStats!, "SELECT * FROM t");
    const genes = new Map(
      (await parquetRows(build.files.genes!, "SELECT gene_idx, gene FROM t")).map((g) => [
        g["gene"],
        g["gene_idx"],
      ]),
    );
    let compared = 0;
    for (const [group, byGene] of Object.entries(expected.cv_by_cell_type_zeros_included_cell17_excluded)) {
      for (const [gene, want] of Object.entries(byGene)) {
        const row = stats.find((s) => s["group_value"] === group && s["gene_idx"] === genes.get(gene));
        expect(row, `${group} ${gene}`).toBeDefined();
        expect(row!["n_cells"]).toBe(want.n_cells);
        const full = fullStats({
          n: want.n_cells,
          k: row!["n_expressing"] as number,
          sum: row!["sum"] as number,
          m2: row!["m2"] as number,
          min: row!["min_value"] as number,
          max: row!["max_value"] as number,
        });
        expect(full.mean).toBeCloseTo(want.mean, 12);
        const cv = coefficientOfVariation(full, want.n_cells).cv!;
        expect(Math.abs(cv - want.cv_sample_sd) / want.cv_sample_sd).toBeLessThan(1e-9);
        compared++;
      }
    }
    expect(compared).toBe(20);
  });
});
