import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertDataset } from "@omicslake/formats";
import type { OpenedLake } from "@omicslake/core/testing";
import {
  buildExpressionStore,
  type BuildExpressionStoreOptions,
} from "../src/build/build-expression-store.js";
import { LakeStoreAccess } from "../src/store/lake-store-access.js";
import type { StoreBuild } from "../src/engine/expression-engine.js";
import {
  formatFixtures,
  haveFormatFixtures,
  openFsLake,
  parquetRows,
  putProcessedDataset,
} from "./support/store-test-lake.js";

if (!haveFormatFixtures)
  console.warn(
    "build-sources: the h5ad and RDS fixture cases are skipped, ../shared/fixtures/formats is absent",
  );

describe("building stores from each kind of converted matrix", () => {
  let opened: OpenedLake;
  let access: LakeStoreAccess;
  const build = async (name: string, options: BuildExpressionStoreOptions = {}): Promise<StoreBuild> => {
    await buildExpressionStore(opened.lake, name, {
      workDir: opened.root,
      memoryLimit: "256MB",
      threads: 1,
      ...options,
    });
    return access.current(name);
  };
  const addFixture = async (name: string, ...path: string[]): Promise<void> => {
    const file = join(opened.root, path[path.length - 1]!);
    await copyFile(join(formatFixtures, ...path), file);
    await opened.lake.addFiles([file], { dataset: name });
    await convertDataset(opened.lake, `raw:${name}`);
  };

  beforeAll(async () => {
    opened = await openFsLake();
    access = new LakeStoreAccess(opened.lake, { cacheDir: join(opened.root, ".cache", "expression") });
  });
  afterAll(async () => {
    await opened?.dispose();
  });

  describe.skipIf(!haveFormatFixtures)("h5ad (anndata's sparse fixture)", () => {
    beforeAll(async () => {
      await addFixture("ad", "h5ad", "sparse.h5ad");
    });

    it("builds X grouped by obs cell_type, genes named by var gene_symbol", async () => {
      const store = await build("ad");
      expect(store.manifest.counts).toEqual({ genes: 50, cells: 100, nonzeros: 500 });
      expect(store.manifest.valueType).toBe("FLOAT");
      expect(store.manifest.groupBy).toBe("cell_type");
      expect(store.manifest.cellsWithoutGroup).toBe(0);
      expect(store.manifest.groups.reduce((n, g) => n + g.cells, 0)).toBe(100);
      const [gene] = await parquetRows(
        store.files.genes!,
        "SELECT gene, gene_id, symbol FROM t WHERE gene_idx = 0",
      );
      expect(gene).toEqual({ gene: "GENE0", gene_id: "ENSG00000000000", symbol: "GENE0" });
      const cells = await parquetRows(
        store.files.cells!,
        "SELECT cell, cell_type, n_counts FROM t ORDER BY cell_idx",
      );
      expect(cells[0]!["cell"]).toMatch(/^cell\d+$/);
      expect(typeof cells[0]!["n_counts"]).toBe("number");
      // Per-gene sums equal the converted matrix's, whatever the cell renumbering did.
      const sums = await parquetRows(store.files.genes!, "SELECT gene_idx, sum FROM t ORDER BY gene_idx");
      const [total] = await parquetRows(store.files.valuesByCell!, "SELECT sum(value::DOUBLE) AS s FROM t");
      expect(sums.reduce((n, r) => n + (r["sum"] as number), 0)).toBeCloseTo(total!["s"] as number, 6);
    });

    it("builds a layer, and names the matrices there are for an unknown one", async () => {
      const store = await build("ad", { matrix: "counts" });
      expect(store.manifest.source.matrix).toBe("counts");
      expect(store.manifest.build).toBe(2);
      await expect(build("ad", { matrix: "spliced" })).rejects.toMatchObject({
        code: "invalid_input",
        message: expect.stringContaining("X, counts") as unknown,
      });
    });

    it("refuses a group column the cells do not have, listing theirs", async () => {
      await expect(build("ad", { by: "Cluster" })).rejects.toMatchObject({
        code: "unknown_column",
        details: { column: "Cluster", columns: ["cell_type", "n_counts"] },
      });
    });
  });

  describe.skipIf(!haveFormatFixtures)("RDS dgCMatrix (the 6 x 4 fixture)", () => {
    beforeAll(async () => {
      await addFixture("dgc", "rds", "dgc.rds");
    });

    it("takes genes from the rows with their dimnames, a gene without nonzeros included", async () => {
      const store = await build("dgc");
      expect(store.manifest.counts).toEqual({ genes: 6, cells: 4, nonzeros: 10 });
      expect(store.manifest.valueType).toBe("DOUBLE");
      expect(store.manifest.groupBy).toBeNull();
      const genes = await parquetRows(
        store.files.genes!,
        "SELECT gene, n_expressing, sum FROM t ORDER BY gene_idx",
      );
      expect(genes.map((g) => g["gene"])).toEqual(["gene1", "gene2", "gene3", "gene4", "gene5", "gene6"]);
      expect(genes[2]).toEqual({ gene: "gene3", n_expressing: 0, sum: 0 });
      expect(genes[0]!["sum"]).toBeCloseTo(0.76 + 2.4, 12);
      const cells = await parquetRows(store.files.cells!, "SELECT cell FROM t ORDER BY cell_idx");
      expect(cells.map((c) => c["cell"])).toEqual(["cell1", "cell2", "cell3", "cell4"]);
    });

    it("takes genes from the columns when told", async () => {
      const store = await build("dgc", { genesOn: "columns" });
      expect(store.manifest.counts).toEqual({ genes: 4, cells: 6, nonzeros: 10 });
      const [gene] = await parquetRows(
        store.files.genes!,
        "SELECT gene, n_expressing FROM t WHERE gene_idx = 3",
      );
      expect(gene).toEqual({ gene: "cell4", n_expressing: 1 });
    });
  });

  describe("a plain Matrix Market file", () => {
    beforeAll(async () => {
      const file = join(opened.root, "counts.mtx");
      // 3 rows x 4 columns with one stored zero.
      await writeFile(
        file,
        "%%MatrixMarket matrix coordinate real general\n3 4 4\n1 1 1.5\n2 3 2\n3 4 0\n3 1 4\n",
      );
      await opened.lake.addFiles([file], { dataset: "mtx" });
      await convertDataset(opened.lake, "raw:mtx");
    });

    it("takes genes from the rows, or from the columns when told", async () => {
      const rows = await build("mtx");
      expect(rows.manifest.source.format).toBe("mtx");
      expect(rows.manifest.counts).toEqual({ genes: 3, cells: 4, nonzeros: 3 });
      const columns = await build("mtx", { genesOn: "columns" });
      expect(columns.manifest.counts).toEqual({ genes: 4, cells: 3, nonzeros: 3 });
      const genes = await parquetRows(
        columns.files.genes!,
        "SELECT gene_idx, n_expressing, sum FROM t ORDER BY gene_idx",
      );
      expect(genes).toEqual([
        { gene_idx: 0, n_expressing: 2, sum: 5.5 },
        { gene_idx: 1, n_expressing: 0, sum: 0 },
        { gene_idx: 2, n_expressing: 1, sum: 2 },
        { gene_idx: 3, n_expressing: 0, sum: 0 },
      ]);
    });
  });

  describe("AnnData .raw, as the h5ad converter lays it out", () => {
    beforeAll(async () => {
      await putProcessedDataset(
        opened.lake,
        opened.root,
        "withraw",
        {
          "obs.parquet": `SELECT 'c' || i AS _index, i::INTEGER AS cell_idx, CASE WHEN i < 2 THEN 'B' ELSE 'T' END AS cell_type FROM range(4) r(i)`,
          "var.parquet": `SELECT 'G' || i AS _index, i::INTEGER AS gene_idx FROM range(2) r(i)`,
          "raw_var.parquet": `SELECT 'G' || i AS _index, i::INTEGER AS gene_idx FROM range(3) r(i)`,
          "matrix.X.parquet": `SELECT 0::INTEGER AS cell_idx, 1::INTEGER AS gene_idx, 0.5::FLOAT AS value`,
          // Written in two parts of whole rows, as the converter writes a large matrix: both must be read.
          "matrix.raw.part-00000.parquet": `SELECT * FROM (VALUES (0, 2, 7), (1, 0, 4)) v(cell_idx, gene_idx, value)`,
          "matrix.raw.part-00001.parquet": `SELECT * FROM (VALUES (3, 2, 1)) v(cell_idx, gene_idx, value)`,
        },
        {
          format: "h5ad",
          shape: { n_obs: 4, n_vars: 2 },
          matrices: {
            X: { file: "matrix.X.parquet", var_table: "var" },
            raw: {
              files: ["matrix.raw.part-00000.parquet", "matrix.raw.part-00001.parquet"],
              var_table: "raw_var",
            },
          },
        },
      );
    });

    it("builds raw.X over raw's own genes", async () => {
      const store = await build("withraw", { matrix: "raw.X" });
      expect(store.manifest.counts).toEqual({ genes: 3, cells: 4, nonzeros: 3 });
      expect(store.manifest.source.matrix).toBe("raw.X");
      expect(store.manifest.valueType).toBe("INTEGER");
      const genes = await parquetRows(
        store.files.genes!,
        "SELECT gene, symbol, sum FROM t ORDER BY gene_idx",
      );
      expect(genes).toEqual([
        { gene: "G0", symbol: "G0", sum: 4 },
        { gene: "G1", symbol: "G1", sum: 0 },
        { gene: "G2", symbol: "G2", sum: 8 },
      ]);
      // A rebuild that names no matrix keeps the one the published build chose.
      const again = await build("withraw");
      expect(again.manifest.source.matrix).toBe("raw.X");
      expect(again.manifest.counts).toEqual({ genes: 3, cells: 4, nonzeros: 3 });
      const x = await build("withraw", { matrix: "X" });
      expect(x.manifest.counts).toEqual({ genes: 2, cells: 4, nonzeros: 1 });
      expect(x.manifest.valueType).toBe("FLOAT");
    });
  });

  describe("any triplet Parquet: repeated symbols, explicit zeros, constant genes, one-cell groups", () => {
    beforeAll(async () => {
      await putProcessedDataset(opened.lake, opened.root, "triplets", {
        "features.parquet": `SELECT * FROM (VALUES (0, 'ENSG1', 'LYZ'), (1, 'ENSG2', 'CD3E'), (2, 'ENSG3', 'LYZ'),
                                                    (3, 'ENSG4', 'LYZ.1'), (4, 'ENSG5', NULL), (5, 'ENSG6', 'LYZ'))
                               v(gene_idx, gene_id, gene_name)`,
        "cells.parquet": `SELECT *, 'x' AS cell FROM (VALUES (0, 'AAA', 'T', 3.5), (1, 'CCC', 'B', 1.0), (2, 'GGG', NULL, 2.0),
                                                 (3, 'TTT', 'T', 0.5), (4, 'AAA', 'NK', 9.0))
                            v(cell_idx, barcode, cell_type, score)`,
        // Gene 1 is 2.5 in every cell (constant); gene 4 only stored zeros; cell 4 is the only NK cell.
        "counts.parquet": `SELECT cell_idx::INTEGER AS cell_idx, gene_idx::INTEGER AS gene_idx, value::DOUBLE AS value FROM (VALUES
                             (0, 0, 1.0), (1, 0, 3.0), (4, 0, 2.0), (0, 1, 2.5), (1, 1, 2.5), (2, 1, 2.5), (3, 1, 2.5),
                             (4, 1, 2.5), (2, 4, 0.0), (3, 4, 0.0), (3, 5, -1.5)) v(cell_idx, gene_idx, value)`,
      });
    });

    it("keeps every gene and cell, drops the stored zeros, makes names unique like R", async () => {
      const store = await build("triplets");
      expect(store.manifest.source.format).toBe("parquet");
      expect(store.manifest.counts).toEqual({ genes: 6, cells: 5, nonzeros: 9 });
      expect(store.manifest.duplicateSymbols).toEqual({ LYZ: ["LYZ", "LYZ.2", "LYZ.3"] });
      // A metadata column named like a store column is kept under a prefix.
      expect(store.manifest.cellColumns.map((c) => c.name)).toEqual([
        "cell_idx",
        "cell",
        "source_cell_idx",
        "cell_type",
        "score",
        "obs_cell",
      ]);
      const genes = await parquetRows(
        store.files.genes!,
        "SELECT gene, gene_id, symbol, n_expressing, m2, min_value, max_value FROM t ORDER BY gene_idx",
      );
      expect(genes.map((g) => g["gene"])).toEqual(["LYZ", "CD3E", "LYZ.2", "LYZ.1", "ENSG5", "LYZ.3"]);
      expect(genes[1]).toMatchObject({ n_expressing: 5, m2: 0, min_value: 2.5, max_value: 2.5 });
      expect(genes[4]).toMatchObject({ gene_id: "ENSG5", symbol: null, n_expressing: 0, min_value: null });
      const cells = await parquetRows(
        store.files.cells!,
        "SELECT cell_idx, cell, source_cell_idx, cell_type, score FROM t ORDER BY cell_idx",
      );
      expect(cells).toEqual([
        { cell_idx: 0, cell: "CCC", source_cell_idx: 1, cell_type: "B", score: 1 },
        { cell_idx: 1, cell: "AAA.1", source_cell_idx: 4, cell_type: "NK", score: 9 },
        { cell_idx: 2, cell: "AAA", source_cell_idx: 0, cell_type: "T", score: 3.5 },
        { cell_idx: 3, cell: "TTT", source_cell_idx: 3, cell_type: "T", score: 0.5 },
        { cell_idx: 4, cell: "GGG", source_cell_idx: 2, cell_type: null, score: 2 },
      ]);
      expect(store.manifest.groups).toEqual([
        { value: "B", cells: 1, firstCell: 0, lastCell: 0 },
        { value: "NK", cells: 1, firstCell: 1, lastCell: 1 },
        { value: "T", cells: 2, firstCell: 2, lastCell: 3 },
      ]);
      expect(store.manifest.cellsWithoutGroup).toBe(1);
      const nk = await parquetRows(
        store.files.groupStats!,
        "SELECT gene_idx, n_cells, n_expressing, sum, m2 FROM t WHERE group_value = 'NK' ORDER BY gene_idx",
      );
      expect(nk).toEqual([
        { gene_idx: 0, n_cells: 1, n_expressing: 1, sum: 2, m2: 0 },
        { gene_idx: 1, n_cells: 1, n_expressing: 1, sum: 2.5, m2: 0 },
      ]);
      const t = await parquetRows(
        store.files.groupStats!,
        "SELECT gene_idx, n_cells, n_expressing, sum, m2 FROM t WHERE group_value = 'T' ORDER BY gene_idx",
      );
      expect(t).toEqual([
        { gene_idx: 0, n_cells: 2, n_expressing: 1, sum: 1, m2: 0 },
        { gene_idx: 1, n_cells: 2, n_expressing: 2, sum: 5, m2: 0 },
        { gene_idx: 5, n_cells: 2, n_expressing: 1, sum: -1.5, m2: 0 },
      ]);
    });
  });

  describe("bad input", () => {
    it("names the dataset and what it holds when it is not a matrix", async () => {
      await putProcessedDataset(opened.lake, opened.root, "samples", {
        "table.parquet": "SELECT 1 AS id, 'liver' AS tissue",
      });
      await expect(build("samples")).rejects.toMatchObject({
        code: "not_a_matrix",
        message: expect.stringContaining('"samples"') as unknown,
        details: { dataset: "samples", objects: ["table.parquet"] },
      });
    });

    it("says there is no such dataset", async () => {
      await expect(build("nothing-here")).rejects.toMatchObject({ code: "unknown_dataset" });
    });
  });
});
