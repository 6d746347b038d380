import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDemoFiles, type DemoFiles } from "../src/demo/demo-data.js";
import { runInProcess, type CliResult } from "./support/run-in-process.js";

// `omicslake expr …` as users run it, on a temp lake holding the demo's 10x-style matrix: build the store,
// then list, correlate, rank and subset, with answers checked against the matrix read here directly.

interface Matrix {
  genes: string[];
  barcodes: string[];
  cellTypes: string[];
  /** dense[gene][cell] */
  dense: number[][];
}

async function readMatrix(files: DemoFiles): Promise<Matrix> {
  const genes = (await readFile(files.matrix.features, "utf8"))
    .trim()
    .split("\n")
    .map((line) => line.split("\t")[1]!);
  const barcodes = (await readFile(files.matrix.barcodes, "utf8")).trim().split("\n");
  const byBarcode = new Map(
    (await readFile(files.matrix.cells, "utf8"))
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split("\t") as [string, string]),
  );
  const dense = genes.map(() => barcodes.map(() => 0));
  const lines = (await readFile(files.matrix.mtx, "utf8")).trim().split("\n");
  for (const line of lines.slice(3)) {
    const [g, c, v] = line.split(" ").map(Number) as [number, number, number];
    dense[g - 1]![c - 1] = v;
  }
  return { genes, barcodes, cellTypes: barcodes.map((b) => byBarcode.get(b)!), dense };
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe("omicslake expr", () => {
  let dir: string;
  let m: Matrix;
  const run = (...args: string[]): Promise<CliResult> => runInProcess(dir, args);
  const json = async <T>(...args: string[]): Promise<T> => {
    const result = await run(...args, "--json");
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-expr-cli-"));
    expect((await run("init")).code).toBe(0);
    const files = await writeDemoFiles(join(dir, "upstream"));
    m = await readMatrix(files);
    const { mtx, features, barcodes, cells } = files.matrix;
    const ingest = await run(
      "ingest",
      mtx,
      features,
      barcodes,
      cells,
      "--dataset",
      "pbmc",
      "--cell-metadata",
      "cells.tsv",
    );
    expect(ingest.code, ingest.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("builds the store and lists it", async () => {
    const built = await json<{ manifest: { counts: { genes: number; cells: number }; groupBy: string } }>(
      "expr",
      "build",
      "pbmc",
    );
    expect(built.manifest.counts).toMatchObject({ genes: m.genes.length, cells: m.barcodes.length });
    expect(built.manifest.groupBy).toBe("cell_type");
    const list = await json<{ data: { dataset: string; build: number }[] }>("expr", "ls");
    expect(list.data).toEqual([expect.objectContaining({ dataset: "pbmc", build: 1 })]);
    const human = await run("expr", "ls");
    expect(human.stdout).toMatch(/pbmc\s+1\s+/);
  }, 300_000);

  it("correlates two genes over all cells and within a cell type, as the matrix says", async () => {
    const [a, b] = [m.genes.indexOf("CD3E"), m.genes.indexOf("CD19")];
    const all = await json<{ r: number; n: number }>("expr", "corr", "pbmc", "CD3E", "CD19");
    expect(all.n).toBe(m.barcodes.length);
    expect(Math.abs(all.r - pearson(m.dense[a]!, m.dense[b]!))).toBeLessThan(1e-9);
    const t = m.cellTypes.flatMap((type, i) => (type === "T cell" ? [i] : []));
    const within = await json<{ r: number; n: number; cell_type: string }>(
      "expr",
      "corr",
      "pbmc",
      "cd3e",
      "CD19",
      "--cell-type",
      "T cell",
    );
    expect(within.n).toBe(t.length);
    const expected = pearson(
      t.map((i) => m.dense[a]![i]!),
      t.map((i) => m.dense[b]![i]!),
    );
    expect(Math.abs(within.r - expected)).toBeLessThan(1e-9 * Math.max(1, Math.abs(expected)));
    const top = await json<{ data: { gene: string; r: number }[] }>(
      "expr",
      "corr",
      "pbmc",
      "CD3E",
      "--top",
      "3",
    );
    expect(top.data).toHaveLength(3);
    expect(top.data.map((row) => row.gene)).not.toContain("CD3E");
    expect(top.data[0]!.r).toBeGreaterThanOrEqual(top.data[2]!.r);
  });

  it("ranks variability in a cell type and writes a subset file", async () => {
    const cv = await json<{
      data: { gene: string; cv: number | null; mean: number }[];
      meta: { n_cells: number };
    }>("expr", "cv", "pbmc", "--cell-type", "B cell", "--limit", "5");
    const bCells = m.cellTypes.filter((t) => t === "B cell").length;
    expect(cv.meta.n_cells).toBe(bCells);
    expect(cv.data).toHaveLength(5);
    const defined = cv.data.map((row) => row.cv).filter((v): v is number => v !== null);
    expect(defined).toEqual([...defined].sort((x, y) => y - x));
    const out = join(dir, "b-cells.csv");
    const subset = await run(
      "expr",
      "subset",
      "pbmc",
      "--genes",
      "CD19,CD3E",
      "--cell-type",
      "B cell",
      "--shape",
      "wide",
      "-o",
      out,
    );
    expect(subset.code, subset.stderr).toBe(0);
    const lines = (await readFile(out, "utf8")).trimEnd().split("\n");
    expect(lines[0]).toBe("cell,CD19,CD3E");
    expect(lines).toHaveLength(1 + bCells);
    const cd19 = m.genes.indexOf("CD19");
    const sum = lines.slice(1).reduce((s, line) => s + Number(line.split(",")[1]), 0);
    const expectedSum = m.cellTypes.reduce(
      (s, type, i) => s + (type === "B cell" ? m.dense[cd19]![i]! : 0),
      0,
    );
    expect(sum).toBe(expectedSum);
  });

  it("names what is wrong: unknown gene, unknown cell type, missing column, wrong usage", async () => {
    const gene = await run("expr", "corr", "pbmc", "CD3X", "CD19");
    expect(gene.code).toBe(1);
    expect(gene.stderr).toContain("CD3X");
    expect(gene.stderr).toContain("CD3E");
    const group = await run("expr", "cv", "pbmc", "--cell-type", "Martian");
    expect(group.code).toBe(1);
    expect(group.stderr).toContain("Martian");
    expect(group.stderr).toContain("B cell");
    const column = await run("expr", "cv", "pbmc", "--where", "Subject=P1");
    expect(column.code).toBe(1);
    expect(column.stderr).toContain("donor");
    expect((await run("expr", "corr", "pbmc", "CD3E")).code).toBe(2);
    const missing = await run("expr", "cv", "nothing");
    expect(missing.code).toBe(1);
  });
});
