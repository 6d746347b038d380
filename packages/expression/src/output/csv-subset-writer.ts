import { mergeCells } from "./cell-merge.js";
import type { SubsetSource } from "./subset-source.js";

const FLUSH_CHARS = 64 * 1024;

/** Wide CSV: a header `cell,<gene>,…` (genes in the requested order), then a row per cell with its zeros. */
export async function* wideCsv(source: SubsetSource): AsyncGenerator<string> {
  const column = new Map(source.genes.map((g, i) => [g.gene_idx, i]));
  let text = `cell,${source.genes.map((g) => csvField(g.gene)).join(",")}\n`;
  const row = new Array<number>(source.genes.length);
  const ordered = [...column.keys()].sort((a, b) => a - b);
  for await (const chunk of mergeCells(source.cells(), source.nonzeros(ordered))) {
    let e = 0;
    for (let p = 0; p < chunk.cells.length; p++) {
      row.fill(0);
      for (; e < chunk.cellPos.length && chunk.cellPos[e] === p; e++)
        row[column.get(chunk.gene[e]!)!] = chunk.value[e]!;
      text += `${csvField(chunk.cells[p]!.cell)},${row.map(csvNumber).join(",")}\n`;
      if (text.length >= FLUSH_CHARS) {
        yield text;
        text = "";
      }
    }
  }
  yield text;
}

/** Long CSV: `gene,cell,value`, ordered by cell then gene index; only nonzeros unless `zeros`. */
export async function* longCsv(source: SubsetSource, zeros: boolean): AsyncGenerator<string> {
  const byIdx = [...source.genes].sort((a, b) => a.gene_idx - b.gene_idx);
  const names = new Map(byIdx.map((g) => [g.gene_idx, csvField(g.gene)]));
  let text = "gene,cell,value\n";
  for await (const chunk of mergeCells(source.cells(), source.nonzeros(byIdx.map((g) => g.gene_idx)))) {
    let e = 0;
    for (let p = 0; p < chunk.cells.length; p++) {
      const cell = csvField(chunk.cells[p]!.cell);
      if (zeros) {
        for (const g of byIdx) {
          let value = 0;
          if (e < chunk.cellPos.length && chunk.cellPos[e] === p && chunk.gene[e] === g.gene_idx)
            value = chunk.value[e++]!;
          text += `${names.get(g.gene_idx)!},${cell},${csvNumber(value)}\n`;
        }
      } else {
        for (; e < chunk.cellPos.length && chunk.cellPos[e] === p; e++)
          text += `${names.get(chunk.gene[e]!) ?? chunk.gene[e]!},${cell},${csvNumber(chunk.value[e]!)}\n`;
      }
      if (text.length >= FLUSH_CHARS) {
        yield text;
        text = "";
      }
    }
  }
  yield text;
}

/** RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvNumber(value: number): string {
  return Number.isNaN(value) ? "NaN" : String(value);
}
