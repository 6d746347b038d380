import type { SubsetBatch, SubsetRequest } from "../../model/expression-types.js";
import { indexList } from "./cell-filter-sql.js";
import { cellCondition, type CellSelection } from "./cell-selection.js";
import type { ConnectionLease } from "./connection-pool.js";
import type { BuildViews } from "./build-views.js";

/**
 * The subset's SQL. values_by_cell is stored clustered by cell_idx (genes in no order within a cell), and a
 * filter that becomes a join (a long IN list, a semi-join on the cells table) hands rows on in whatever order
 * its threads finish, so the ORDER BY is what makes the (cell, gene) order. DuckDB sorts within its memory_limit and spills past it, so
 * the rows still reach Node one chunk at a time.
 */
export function subsetSql(
  views: BuildViews,
  request: SubsetRequest,
  selection: CellSelection | undefined,
): string | undefined {
  if (request.genes.length === 0) return undefined;
  const genes = `gene_idx IN (${indexList(request.genes, "gene index")})`;
  let cells: string;
  if ("ids" in request.cells) {
    if (request.cells.ids.length === 0) return undefined;
    cells = `cell_idx IN (${indexList(request.cells.ids, "cell index")})`;
  } else {
    if (selection === undefined) throw new Error("subsetSql: a filter subset needs its cell selection");
    cells = cellCondition(selection, views, "cell_idx");
  }
  return `SELECT cell_idx, gene_idx, value::DOUBLE AS value FROM ${views.valuesByCell} WHERE ${genes} AND ${cells}
    ORDER BY cell_idx, gene_idx`;
}

/**
 * Streams the rows of `sql` as batches of exactly `batchRows` (the last one shorter), reading DuckDB's result
 * one chunk at a time: memory holds one chunk and one batch, whatever the subset's size. The lease is
 * returned when the stream ends, fails, or its consumer stops.
 */
export async function* streamSubset(
  lease: ConnectionLease,
  sql: string,
  batchRows: number,
  signal?: AbortSignal,
): AsyncGenerator<SubsetBatch> {
  try {
    if (!Number.isSafeInteger(batchRows) || batchRows < 1)
      throw new Error(`subset batchRows must be a positive integer, got ${batchRows}`);
    signal?.throwIfAborted();
    const result = await lease.connection.stream(sql);
    let cell = new Int32Array(batchRows);
    let gene = new Int32Array(batchRows);
    let value = new Float64Array(batchRows);
    let filled = 0;
    for (;;) {
      signal?.throwIfAborted();
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const cells = chunk.getColumnVector(0);
      const genes = chunk.getColumnVector(1);
      const values = chunk.getColumnVector(2);
      for (let i = 0; i < chunk.rowCount; i++) {
        cell[filled] = cells.getItem(i) as number;
        gene[filled] = genes.getItem(i) as number;
        value[filled] = values.getItem(i) as number;
        if (++filled === batchRows) {
          yield { cell, gene, value, length: filled };
          signal?.throwIfAborted();
          cell = new Int32Array(batchRows);
          gene = new Int32Array(batchRows);
          value = new Float64Array(batchRows);
          filled = 0;
        }
      }
    }
    if (filled > 0)
      yield {
        cell: cell.subarray(0, filled),
        gene: gene.subarray(0, filled),
        value: value.subarray(0, filled),
        length: filled,
      };
  } finally {
    lease.release();
  }
}
