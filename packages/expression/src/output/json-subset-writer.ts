import { mergeCells } from "./cell-merge.js";
import type { SubsetSource } from "./subset-source.js";

/** A chunk of output is flushed once it grows past this many characters. */
const FLUSH_CHARS = 64 * 1024;

/**
 * Long JSON: `{"data":[{"gene","cell","value"},…],"meta":{…}}`, rows ordered by cell then gene index; only
 * nonzeros unless `zeros`. The meta comes last because its counts are known only at the end.
 */
export async function* longJson(source: SubsetSource, zeros: boolean): AsyncGenerator<string> {
  const byIdx = [...source.genes].sort((a, b) => a.gene_idx - b.gene_idx);
  const names = new Map(byIdx.map((g) => [g.gene_idx, g.gene]));
  let text = '{"data":[';
  let rows = 0;
  let cells = 0;
  for await (const chunk of mergeCells(source.cells(), source.nonzeros(byIdx.map((g) => g.gene_idx)))) {
    cells += chunk.cells.length;
    let e = 0;
    for (let p = 0; p < chunk.cells.length; p++) {
      const cell = JSON.stringify(chunk.cells[p]!.cell);
      if (zeros) {
        for (const g of byIdx) {
          let value = 0;
          if (e < chunk.cellPos.length && chunk.cellPos[e] === p && chunk.gene[e] === g.gene_idx)
            value = chunk.value[e++]!;
          text += `${rows++ === 0 ? "" : ","}{"gene":${JSON.stringify(g.gene)},"cell":${cell},"value":${jsonNumber(value)}}`;
        }
      } else {
        for (; e < chunk.cellPos.length && chunk.cellPos[e] === p; e++) {
          const gene = JSON.stringify(names.get(chunk.gene[e]!) ?? String(chunk.gene[e]));
          text += `${rows++ === 0 ? "" : ","}{"gene":${gene},"cell":${cell},"value":${jsonNumber(chunk.value[e]!)}}`;
        }
      }
      if (text.length >= FLUSH_CHARS) {
        yield text;
        text = "";
      }
    }
  }
  const meta = { shape: "long", zeros, genes: byIdx.length, cells, rows };
  yield `${text}],"meta":${JSON.stringify(meta)}}`;
}

/**
 * Wide JSON: `{"genes":[…],"cells":[…],"values":[[…],…]}` with `values[gene][cell]`, zeros included, genes in
 * the requested order. Each gene's row is one pass over the selected cells, so memory stays one page.
 */
export async function* wideJson(source: SubsetSource): AsyncGenerator<string> {
  let text = `{"genes":${JSON.stringify(source.genes.map((g) => g.gene))},"cells":[`;
  let first = true;
  for await (const page of source.cells()) {
    for (const cell of page) {
      text += `${first ? "" : ","}${JSON.stringify(cell.cell)}`;
      first = false;
    }
    if (text.length >= FLUSH_CHARS) {
      yield text;
      text = "";
    }
  }
  text += '],"values":[';
  for (let g = 0; g < source.genes.length; g++) {
    text += g === 0 ? "[" : ",[";
    let c = 0;
    for await (const chunk of mergeCells(source.cells(), source.nonzeros([source.genes[g]!.gene_idx]))) {
      let e = 0;
      for (let p = 0; p < chunk.cells.length; p++) {
        let value = 0;
        if (e < chunk.cellPos.length && chunk.cellPos[e] === p) value = chunk.value[e++]!;
        text += `${c++ === 0 ? "" : ","}${jsonNumber(value)}`;
      }
      if (text.length >= FLUSH_CHARS) {
        yield text;
        text = "";
      }
    }
    text += "]";
  }
  yield `${text}]}`;
}

/** JSON has no NaN or infinities: a stored one is written as null rather than breaking the document. */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}
