import { OmicslakeError } from "@omicslake/core";
import { describe, expect, it } from "vitest";
import {
  GeneIndex,
  checkFilter,
  filterFromArgs,
  filterFromJson,
  filterFromQuery,
  type StoreColumn,
} from "@omicslake/expression";

function caught(fn: () => unknown): OmicslakeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof OmicslakeError) return error;
    throw error;
  }
  throw new Error("expected an OmicslakeError");
}

const genes = new GeneIndex(
  [
    { gene_idx: 0, gene: "LYZ", gene_id: "ENSG00000090382", symbol: "LYZ", n_expressing: 5 },
    { gene_idx: 1, gene: "CD3E", gene_id: "ENSG00000198851", symbol: "CD3E", n_expressing: 3 },
    { gene_idx: 2, gene: "LYZ.1", gene_id: "ENSG_DUP", symbol: "LYZ", n_expressing: 1 },
    { gene_idx: 3, gene: "Cd3e", gene_id: "ENSMUSG1", symbol: "Cd3e", n_expressing: 2 },
    { gene_idx: 4, gene: "ENSG_NOSYM", gene_id: "ENSG_NOSYM", symbol: null, n_expressing: 0 },
  ],
  { LYZ: ["LYZ", "LYZ.1"] },
);

describe("gene resolution", () => {
  it("resolves a repeated symbol to its first unique name and lists the others", () => {
    expect(genes.resolve("LYZ", "d")).toEqual({
      gene_idx: 0,
      gene: "LYZ",
      gene_id: "ENSG00000090382",
      symbol: "LYZ",
      same_symbol: ["LYZ", "LYZ.1"],
    });
    const second = genes.resolve("LYZ.1", "d");
    expect(second.gene_idx).toBe(2);
    expect(second.same_symbol).toEqual(["LYZ.1", "LYZ"]);
  });

  it("resolves ids, and falls back to any case only when no exact name matches", () => {
    expect(genes.resolve("ENSG_DUP", "d")).toMatchObject({
      gene_idx: 2,
      gene: "LYZ.1",
      requested: "ENSG_DUP",
    });
    // Exact match wins over the case-insensitive one: Cd3e (mouse) and CD3E (human) stay distinct.
    expect(genes.resolve("Cd3e", "d").gene_idx).toBe(3);
    expect(genes.resolve("CD3E", "d").gene_idx).toBe(1);
    expect(genes.resolve("lyz", "d")).toMatchObject({ gene_idx: 0, requested: "lyz" });
    expect(genes.resolve("ensg_nosym", "d").gene).toBe("ENSG_NOSYM");
  });

  it("names an unknown gene with close matches as unknown_gene", () => {
    const error = caught(() => genes.resolve("LYX", "pbmc"));
    expect(error.code).toBe("unknown_gene");
    expect(error.message).toContain('"LYX"');
    expect(error.message).toContain("pbmc");
    expect(error.details["close_matches"]).toEqual(["LYZ"]);
    const none = caught(() => genes.resolve("TOTALLYDIFFERENT", "pbmc"));
    expect(none.details["close_matches"]).toEqual([]);
    expect(none.message).toContain("expr genes pbmc");
  });

  it("caps close matches at five, closest first", () => {
    const many = new GeneIndex(
      ["GENE1", "GENE2", "GENE3", "GENE4", "GENE5", "GENE6", "GEN"].map((gene, gene_idx) => ({
        gene_idx,
        gene,
        gene_id: null,
        symbol: gene,
        n_expressing: 0,
      })),
      {},
    );
    expect(many.closeMatches("GENE")).toEqual(["GEN", "GENE1", "GENE2", "GENE3", "GENE4"]);
  });
});

const columns: StoreColumn[] = [
  { name: "cell", type: "VARCHAR" },
  { name: "cell_type", type: "VARCHAR" },
  { name: "nCount", type: "DOUBLE" },
  { name: "x.min", type: "VARCHAR" },
  { name: "is_doublet", type: "BOOLEAN" },
  { name: "day", type: "DATE" },
];

describe("cell filters", () => {
  it("reads query strings: repeated values, ranges, and a column whose name ends in .min", () => {
    const raw = filterFromQuery(
      {
        "where.cell_type": ["B", "T"],
        "where.nCount.min": "100",
        "where.nCount.max": "1e3",
        "where.x.min": "a",
        limit: "5",
      },
      columns,
    );
    expect(checkFilter(raw, columns)).toEqual({
      cell_type: { in: ["B", "T"] },
      nCount: { min: 100, max: 1000 },
      "x.min": { in: ["a"] },
    });
  });

  it("reads command-line conditions and JSON bodies into the same filter", () => {
    const fromArgs = checkFilter(filterFromArgs(["cell_type=B", "cell_type=T", "nCount>=100"]), columns);
    const fromJson = checkFilter(filterFromJson({ cell_type: ["B", "T"], nCount: { min: 100 } }), columns);
    expect(fromArgs).toEqual(fromJson);
    expect(checkFilter(filterFromJson({ is_doublet: false, cell_type: null }), columns)).toEqual({
      is_doublet: { in: [false] },
      cell_type: { in: [null] },
    });
    expect(checkFilter(filterFromArgs(["is_doublet=true", "day<=2024-01-31"]), columns)).toEqual({
      is_doublet: { in: [true] },
      day: { max: "2024-01-31" },
    });
  });

  it("refuses a missing column as unknown_column listing the columns", () => {
    const error = caught(() => checkFilter(filterFromArgs(["Subject=P1"]), columns));
    expect(error.code).toBe("unknown_column");
    expect(error.details["columns"]).toEqual(columns.map((c) => c.name));
    expect(error.message).toContain("Subject");
  });

  it("refuses values that do not fit the column, ranges on text and malformed conditions", () => {
    expect(caught(() => checkFilter(filterFromArgs(["nCount=lots"]), columns)).code).toBe("invalid_input");
    expect(caught(() => checkFilter(filterFromArgs(["nCount>=1e999"]), columns)).message).toContain(
      "not a number",
    );
    expect(caught(() => checkFilter(filterFromArgs(["cell_type>=B"]), columns)).message).toContain(
      "no order",
    );
    expect(caught(() => checkFilter(filterFromArgs(["is_doublet=maybe"]), columns)).code).toBe(
      "invalid_input",
    );
    expect(caught(() => filterFromArgs(["no condition"])).message).toContain("COLUMN=VALUE");
    expect(caught(() => filterFromJson({ nCount: { above: 3 } })).message).toContain('unknown key "above"');
    expect(caught(() => filterFromJson([1, 2])).code).toBe("invalid_input");
    expect(caught(() => checkFilter(filterFromJson({ cell_type: [{ nested: 1 }] }), columns)).code).toBe(
      "invalid_input",
    );
  });
});
