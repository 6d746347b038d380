import { OmicslakeError } from "@omicslake/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose, mixedTestMatrix } from "./engine-conformance.js";
import { openTestService, type TestService } from "./service-test-store.js";
import { numpyMissing, numpyReference, type ReferenceStats } from "./support/numpy-reference.js";
import type { TestMatrix } from "./support/write-test-store.js";

async function rejection(promise: Promise<unknown>): Promise<OmicslakeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OmicslakeError) return error;
    throw error;
  }
  throw new Error("expected an OmicslakeError");
}

async function drain(body: AsyncIterable<string | Uint8Array>): Promise<string> {
  let out = "";
  for await (const chunk of body)
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  return out;
}

const matrix: TestMatrix = mixedTestMatrix();
const GENE_NAMES = ["G0", "G1", "ENSG00002", "G3", "G4", "LYZ", "LYZ.1", "G7", "G8", "G9"];
/** Source cell indexes of each cell type (see mixedTestMatrix). */
const typeCells = (type: string): number[] =>
  matrix.cells.flatMap((c, i) => (c.meta?.["cell_type"] === type ? [i] : []));

function dense(): number[][] {
  const out = GENE_NAMES.map(() => matrix.cells.map(() => 0));
  for (const [g, c, v] of matrix.entries) out[g]![c] = v;
  return out;
}

let t: TestService;
beforeAll(async () => {
  t = await openTestService([matrix], { maxResultValues: 100 });
});
afterAll(async () => {
  await t?.close();
});

describe("expression service: names and errors", () => {
  it("answers a repeated symbol with its first unique name and the others", async () => {
    const result = await t.service.correlation("mixed", { gene_a: "lyz", gene_b: "G0" });
    expect(result.gene_a).toEqual({
      gene: "LYZ",
      gene_id: "ENSG00005",
      symbol: "LYZ",
      requested: "lyz",
      same_symbol: ["LYZ", "LYZ.1"],
    });
    expect(result.gene_b.gene).toBe("G0");
  });

  it("refuses an unknown gene with close matches, an unknown cell type listing groups, a missing column listing columns", async () => {
    const gene = await rejection(t.service.correlation("mixed", { gene_a: "LYX", gene_b: "G0" }));
    expect(gene.code).toBe("unknown_gene");
    expect(gene.details["close_matches"]).toContain("LYZ");
    const group = await rejection(t.service.variability("mixed", { cell_type: "NK cell" }));
    expect(group.code).toBe("unknown_group");
    expect(group.message).toContain("NK cell");
    expect(group.details["groups"]).toEqual(["B cell", "T cell", "solo"]);
    const column = await rejection(
      t.service.correlation("mixed", { gene_a: "G0", gene_b: "G1", where: { Subject: { in: ["P1"] } } }),
    );
    expect(column.code).toBe("unknown_column");
    expect(column.details["columns"]).toEqual(expect.arrayContaining(["cell_type", "donor", "n_count"]));
    expect((await rejection(t.service.manifest("nope"))).code).toBe("expression_not_built");
    expect((await rejection(t.service.topCorrelated("mixed", { gene: "G0", top: 1001 }))).code).toBe(
      "invalid_input",
    );
    expect((await rejection(t.service.genes("mixed", { limit: 501 }))).code).toBe("invalid_input");
  });

  it("lists genes and cells in keyset pages that join up", async () => {
    const first = await t.service.genes("mixed", { limit: 4 });
    expect(first.data.map((g) => g.gene)).toEqual(GENE_NAMES.slice(0, 4));
    expect(first.meta.next_cursor).not.toBeNull();
    const second = await t.service.genes("mixed", { limit: 10, cursor: first.meta.next_cursor! });
    expect(second.data.map((g) => g.gene)).toEqual(GENE_NAMES.slice(4));
    expect(second.meta.next_cursor).toBeNull();
    const found = await t.service.genes("mixed", { q: "lyz" });
    expect(found.data.map((g) => g.gene)).toEqual(["LYZ", "LYZ.1"]);
    const bCells = await t.service.cells("mixed", { cell_type: "B cell", limit: 4 });
    expect(bCells.data).toHaveLength(4);
    const rest = await t.service.cells("mixed", { cell_type: "B cell", cursor: bCells.meta.next_cursor! });
    expect(bCells.data.length + rest.data.length).toBe(typeCells("B cell").length);
    expect(rest.data.every((c) => c["cell_type"] === "B cell")).toBe(true);
    const gene = await t.service.gene("mixed", "ENSG00008");
    expect(gene).toMatchObject({ gene: "G8", gene_idx: 8, requested: "ENSG00008" });
  });
});

describe("expression service: statistics agree with numpy", () => {
  const missing = numpyMissing();
  let ref: Record<string, ReferenceStats>;
  beforeAll(() => {
    if (missing !== undefined) return;
    ref = numpyReference({
      genes: GENE_NAMES.length,
      cells: matrix.cells.length,
      entries: matrix.entries,
      cellSets: {
        all: matrix.cells.map((_, i) => i),
        b: typeCells("B cell"),
        t_or_solo: [...typeCells("T cell"), ...typeCells("solo")],
      },
      correlate: [0, 4],
    });
  });

  it.skipIf(missing !== undefined)(
    `Pearson and Spearman by name, over all cells and cell types ${missing ?? ""}`,
    async () => {
      const all = await t.service.correlation("mixed", { gene_a: "G0", gene_b: "G4" });
      expect(all.n).toBe(16);
      expectClose(all.r, ref["all"]!.pearson["0"]![4]!, "pearson all");
      const both = await t.service.correlation("mixed", {
        gene_a: "G4",
        gene_b: "G0",
        method: "spearman",
        cell_type: ["T cell", "solo"],
      });
      expect(both.n).toBe(typeCells("T cell").length + 1);
      expect(both.cell_type).toEqual(["T cell", "solo"]);
      expectClose(both.r, ref["t_or_solo"]!.spearman["4"]![0]!, "spearman T cell or solo");
      const constant = await t.service.correlation("mixed", { gene_a: "G0", gene_b: "G3" });
      expect(constant.r).toBeNull();
      expect(constant.undefined_reason).toBe("constant");
    },
  );

  it.skipIf(missing !== undefined)("ranks the top correlated genes with names", async () => {
    const top = await t.service.topCorrelated("mixed", { gene: "G0", top: 3 });
    expect(top.data[0]).toMatchObject({ gene: "G8", gene_id: "ENSG00008" });
    expectClose(top.data[0]!.r, 1, "G0 vs 2·G0");
    expect(top.data.map((row) => row.gene)).not.toContain("G0");
    expect(top.n).toBe(16);
  });

  it.skipIf(missing !== undefined)(
    "ranks CV within a cell type, undefined last, in pages that join up",
    async () => {
      const full = await t.service.variability("mixed", { cell_type: "B cell", limit: 500 });
      expect(full.meta).toMatchObject({ n_cells: 6, group: "B cell", by: "cell_type", next_cursor: null });
      const b = ref["b"]!;
      for (const row of full.data) {
        const g = GENE_NAMES.indexOf(row.gene);
        expectClose(row.cv, b.cv[g]!, `cv ${row.gene}`);
        expectClose(row.mean, b.mean[g]!, `mean ${row.gene}`);
        expectClose(row.variance, b.variance[g]!, `variance ${row.gene}`);
      }
      const cvs = full.data.map((row) => row.cv);
      const firstNull = cvs.indexOf(null);
      expect(firstNull).toBeGreaterThan(0);
      expect(cvs.slice(firstNull).every((cv) => cv === null)).toBe(true);
      const defined = cvs.slice(0, firstNull) as number[];
      expect(defined).toEqual([...defined].sort((x, y) => y - x));
      const page1 = await t.service.variability("mixed", { cell_type: "B cell", limit: 4 });
      const page2 = await t.service.variability("mixed", {
        cell_type: "B cell",
        limit: 500,
        cursor: page1.meta.next_cursor!,
      });
      expect([...page1.data, ...page2.data].map((r) => r.gene)).toEqual(full.data.map((r) => r.gene));
      const filtered = await t.service.variability("mixed", { cell_type: "B cell", min_mean: 2 });
      expect(filtered.data.every((row) => row.mean >= 2)).toBe(true);
      expect(filtered.meta.total).toBeLessThan(full.meta.total);
    },
  );

  it.skipIf(missing !== undefined)("aggregates mean and fraction per gene per cell type", async () => {
    const result = await t.service.aggregates("mixed", { genes: ["G0", "LYZ.1"] });
    expect(result.by).toBe("cell_type");
    const b0 = result.data.find((row) => row.group === "B cell" && row.gene === "G0");
    expect(b0?.n_cells).toBe(6);
    expectClose(b0?.mean, ref["b"]!.mean[0]!, "mean G0 in B cell");
    expectClose(b0?.fraction, ref["b"]!.n_expressing[0]! / 6, "fraction G0 in B cell");
  });
});

describe("expression service: subsets", () => {
  it("streams wide JSON with every zero, cells in store order, for a filter", async () => {
    const stream = await t.service.subset("mixed", {
      genes: ["G8", "G0"],
      where: { donor: { in: ["d1"] } },
      layout: { format: "json", shape: "wide", zeros: false },
    });
    expect(stream.mediaType).toContain("application/json");
    const doc = JSON.parse(await drain(stream.body)) as {
      genes: string[];
      cells: string[];
      values: number[][];
    };
    const store = t.stores[0]!;
    const sources = matrix.cells
      .flatMap((c, i) => (c.meta?.["donor"] === "d1" ? [i] : []))
      .sort((x, y) => store.cellIdxOfSource[x]! - store.cellIdxOfSource[y]!);
    const m = dense();
    expect(doc.genes).toEqual(["G8", "G0"]);
    expect(doc.cells).toHaveLength(sources.length);
    expect(doc.values).toEqual([sources.map((c) => m[8]![c]), sources.map((c) => m[0]![c])]);
  });

  it("streams cells by name as long CSV with zeros", async () => {
    const stream = await t.service.subset("mixed", {
      genes: ["G9"],
      cells: ["c12", "c0"],
      layout: { format: "csv", shape: "long", zeros: true },
    });
    const lines = (await drain(stream.body)).trimEnd().split("\n");
    expect(lines[0]).toBe("gene,cell,value");
    expect(new Set(lines.slice(1))).toEqual(new Set(["G9,c12,7", "G9,c0,0"]));
  });

  it("refuses a subset above max_result_values before streaming, saying how to narrow", async () => {
    const error = await rejection(
      t.service.subset("mixed", {
        genes: GENE_NAMES,
        layout: { format: "csv", shape: "wide", zeros: false },
      }),
    );
    expect(error.code).toBe("result_too_large");
    expect(error.details).toMatchObject({ values: 160, max_result_values: 100 });
    expect(error.message).toMatch(/fewer genes/);
    const unknownCell = await rejection(
      t.service.subset("mixed", {
        genes: ["G0"],
        cells: ["nope"],
        layout: { format: "csv", shape: "long", zeros: false },
      }),
    );
    expect(unknownCell.code).toBe("not_found");
  });
});
