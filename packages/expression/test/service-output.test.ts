import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  writeSubset,
  type SelectedCell,
  type SelectedGene,
  type SubsetBatch,
  type SubsetLayout,
  type SubsetSource,
} from "@omicslake/expression";

// A 3-gene × 5-cell matrix (values[gene][cell]); cell "c,3" needs CSV quoting, cell 4 has no nonzero.
const GENES = ["A", "B", 'C"x'];
const CELLS = ["c0", "c1", "c2", "c,3", "c4"];
const DENSE = [
  [1, 0, 2.5, 0, 0],
  [0, 0, 3, 7, 0],
  [4, 0, 0, 1e-300, 0],
];

/** Pages of two cells and batches of two nonzeros, so every merge crosses page and batch boundaries. */
function source(genes: readonly number[], cells: readonly number[] = [0, 1, 2, 3, 4]): SubsetSource {
  const selected: SelectedCell[] = cells.map((i) => ({ cell_idx: i, cell: CELLS[i]! }));
  return {
    genes: genes.map((g): SelectedGene => ({ gene_idx: g, gene: GENES[g]! })),
    async *cells() {
      for (let i = 0; i < selected.length; i += 2) yield selected.slice(i, i + 2);
    },
    async *nonzeros(wanted) {
      const rows: [number, number, number][] = [];
      for (const c of cells)
        for (const g of [...wanted].sort((a, b) => a - b))
          if (DENSE[g]![c] !== 0) rows.push([c, g, DENSE[g]![c]!]);
      for (let i = 0; i < rows.length; i += 2) {
        const part = rows.slice(i, i + 2);
        const batch: SubsetBatch = {
          cell: Int32Array.from(part.map((r) => r[0])),
          gene: Int32Array.from(part.map((r) => r[1])),
          value: Float64Array.from(part.map((r) => r[2])),
          length: part.length,
        };
        yield batch;
      }
    },
  };
}

interface LongDoc {
  data: { gene: string; cell: string; value: number }[];
  meta: Record<string, unknown>;
}

function json(textValue: string): LongDoc {
  return JSON.parse(textValue) as LongDoc;
}

async function text(src: SubsetSource, layout: SubsetLayout): Promise<string> {
  let out = "";
  for await (const chunk of writeSubset(src, layout)) out += typeof chunk === "string" ? chunk : "";
  return out;
}

async function bytes(src: SubsetSource, layout: SubsetLayout): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of writeSubset(src, layout))
    parts.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  return Buffer.concat(parts);
}

describe("subset output", () => {
  it("writes wide JSON gene-major with every zero, genes in the requested order", async () => {
    const doc: unknown = JSON.parse(
      await text(source([2, 0]), { format: "json", shape: "wide", zeros: false }),
    );
    expect(doc).toEqual({ genes: ['C"x', "A"], cells: CELLS, values: [DENSE[2], DENSE[0]] });
  });

  it("writes long JSON with only nonzeros, or every gene × cell when zeros are asked for", async () => {
    const sparse = json(await text(source([0, 1]), { format: "json", shape: "long", zeros: false }));
    expect(sparse.data).toEqual([
      { gene: "A", cell: "c0", value: 1 },
      { gene: "A", cell: "c2", value: 2.5 },
      { gene: "B", cell: "c2", value: 3 },
      { gene: "B", cell: "c,3", value: 7 },
    ]);
    expect(sparse.meta).toMatchObject({ rows: 4, cells: 5, genes: 2 });
    const dense = json(await text(source([1, 0], [3, 4]), { format: "json", shape: "long", zeros: true }));
    expect(dense.data).toEqual([
      { gene: "A", cell: "c,3", value: 0 },
      { gene: "B", cell: "c,3", value: 7 },
      { gene: "A", cell: "c4", value: 0 },
      { gene: "B", cell: "c4", value: 0 },
    ]);
  });

  it("writes wide CSV a row per cell with quoted names, and long CSV triples", async () => {
    const wide = await text(source([1, 2]), { format: "csv", shape: "wide", zeros: false });
    expect(wide.trimEnd().split("\n")).toEqual([
      'cell,B,"C""x"',
      "c0,0,4",
      "c1,0,0",
      "c2,3,0",
      '"c,3",7,1e-300',
      "c4,0,0",
    ]);
    const long = await text(source([2]), { format: "csv", shape: "long", zeros: false });
    expect(long.trimEnd().split("\n")).toEqual(["gene,cell,value", '"C""x",c0,4', '"C""x","c,3",1e-300']);
  });

  it("writes a long Arrow stream with typed columns that reads back", async () => {
    const table = tableFromIPC(
      await bytes(source([0, 1, 2]), { format: "arrow", shape: "long", zeros: false }),
    );
    expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([
      ["gene", "Utf8"],
      ["cell", "Utf8"],
      ["value", "Float64"],
    ]);
    const rows = (table.toArray() as { gene: string; cell: string; value: number }[]).map((r) => [
      r.gene,
      r.cell,
      r.value,
    ]);
    expect(rows).toEqual([
      ["A", "c0", 1],
      ['C"x', "c0", 4],
      ["A", "c2", 2.5],
      ["B", "c2", 3],
      ["B", "c,3", 7],
      ['C"x', "c,3", 1e-300],
    ]);
    // Batches per page of cells: the stream carries more than one record batch and one schema.
    expect(table.batches.length).toBeGreaterThan(1);
  });

  it("keeps the Arrow schema when no cell has a value", async () => {
    const table = tableFromIPC(
      await bytes(source([0], [1, 4]), { format: "arrow", shape: "long", zeros: false }),
    );
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["gene", "cell", "value"]);
  });

  it("refuses wide Arrow before writing anything", () => {
    expect(() => writeSubset(source([0]), { format: "arrow", shape: "wide", zeros: false })).toThrow(
      /long only/,
    );
  });

  it("stops the nonzero query when the reader stops early", async () => {
    let closed = false;
    const base = source([0, 1, 2]);
    const watched: SubsetSource = {
      ...base,
      nonzeros: (genes) => ({
        async *[Symbol.asyncIterator]() {
          try {
            yield* base.nonzeros(genes);
          } finally {
            closed = true;
          }
        },
      }),
    };
    for await (const chunk of writeSubset(watched, { format: "csv", shape: "wide", zeros: false })) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(closed).toBe(true);
  });
});
