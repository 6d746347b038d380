import type { SubsetBatch } from "../model/expression-types.js";
import type { SelectedCell } from "./subset-source.js";

/** A page of selected cells with their nonzeros, in (cell, gene) order: `cellPos` indexes `cells`. */
export interface CellChunk {
  readonly cells: readonly SelectedCell[];
  readonly cellPos: readonly number[];
  readonly gene: readonly number[];
  readonly value: readonly number[];
}

/**
 * Walks the selected cells and the nonzeros side by side (both ordered by cell_idx), so every formatter sees
 * each cell once with its values and can write the zeros in between. Holds one page of cells and one batch of
 * nonzeros at a time; leaving the loop early closes the nonzero query.
 */
export async function* mergeCells(
  cells: AsyncIterable<readonly SelectedCell[]>,
  nonzeros: AsyncIterable<SubsetBatch>,
): AsyncGenerator<CellChunk> {
  const source = nonzeros[Symbol.asyncIterator]();
  let batch: SubsetBatch | undefined;
  let i = 0;
  let exhausted = false;
  try {
    for await (const page of cells) {
      const cellPos: number[] = [];
      const gene: number[] = [];
      const value: number[] = [];
      for (let p = 0; p < page.length; p++) {
        const cellIdx = page[p]!.cell_idx;
        for (;;) {
          if (batch === undefined || i >= batch.length) {
            if (exhausted) break;
            const next = await source.next();
            if (next.done === true) {
              exhausted = true;
              batch = undefined;
              break;
            }
            batch = next.value;
            i = 0;
            continue;
          }
          const at = batch.cell[i]!;
          // A nonzero of a cell outside the selection cannot come from the engine; skipping keeps order safe.
          if (at < cellIdx) {
            i++;
            continue;
          }
          if (at > cellIdx) break;
          cellPos.push(p);
          gene.push(batch.gene[i]!);
          value.push(batch.value[i]!);
          i++;
        }
      }
      yield { cells: page, cellPos, gene, value };
    }
  } finally {
    if (!exhausted) await source.return?.();
  }
}
