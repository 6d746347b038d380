import {
  AsyncByteQueue,
  RecordBatchStreamWriter,
  Table,
  Utf8,
  makeVector,
  vectorFromArray,
} from "apache-arrow";
import { mergeCells } from "./cell-merge.js";
import type { SubsetSource } from "./subset-source.js";

/**
 * Collects what the Arrow writer emits so each batch's bytes can be handed on as soon as it is written
 * (the writer's own queue only hands bytes to a concurrent reader).
 */
class DrainedQueue extends AsyncByteQueue {
  #pending: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.#pending.push(value.slice());
  }
  drain(): Uint8Array[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }
}

/**
 * Long Arrow IPC stream: one record batch per page of cells, columns `gene` (utf8), `cell` (utf8) and `value`
 * (float64), ordered by cell then gene index; only nonzeros unless `zeros`.
 */
export async function* longArrow(source: SubsetSource, zeros: boolean): AsyncGenerator<Uint8Array> {
  const byIdx = [...source.genes].sort((a, b) => a.gene_idx - b.gene_idx);
  const names = new Map(byIdx.map((g) => [g.gene_idx, g.gene]));
  const queue = new DrainedQueue();
  const writer = new RecordBatchStreamWriter();
  writer.reset(queue);
  let wrote = false;
  for await (const chunk of mergeCells(source.cells(), source.nonzeros(byIdx.map((g) => g.gene_idx)))) {
    const genes: string[] = [];
    const cells: string[] = [];
    const values: number[] = [];
    let e = 0;
    for (let p = 0; p < chunk.cells.length; p++) {
      const cell = chunk.cells[p]!.cell;
      if (zeros) {
        for (const g of byIdx) {
          let value = 0;
          if (e < chunk.cellPos.length && chunk.cellPos[e] === p && chunk.gene[e] === g.gene_idx)
            value = chunk.value[e++]!;
          genes.push(g.gene);
          cells.push(cell);
          values.push(value);
        }
      } else {
        for (; e < chunk.cellPos.length && chunk.cellPos[e] === p; e++) {
          genes.push(names.get(chunk.gene[e]!) ?? String(chunk.gene[e]));
          cells.push(cell);
          values.push(chunk.value[e]!);
        }
      }
    }
    if (values.length === 0) continue;
    // Batch by batch: writing a whole Table would end the stream after it.
    for (const batch of batchTable(genes, cells, Float64Array.from(values)).batches) writer.write(batch);
    wrote = true;
    yield* queue.drain();
  }
  // A stream with no rows still carries its schema, so readers see the columns.
  if (!wrote) for (const batch of batchTable([], [], new Float64Array(0)).batches) writer.write(batch);
  writer.finish();
  yield* queue.drain();
}

function batchTable(genes: string[], cells: string[], values: Float64Array): Table {
  return new Table({
    gene: vectorFromArray(genes, new Utf8()),
    cell: vectorFromArray(cells, new Utf8()),
    value: makeVector(values),
  });
}
