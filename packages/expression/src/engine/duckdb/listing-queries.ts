import { sqlIdentifier, sqlString } from "@omicslake/core";
import type {
  CellFilter,
  CellListQuery,
  CellRow,
  GeneListQuery,
  GeneRow,
  GroupCount,
} from "../../model/expression-types.js";
import { cellFilterSql } from "./cell-filter-sql.js";
import { num, queryRows, textOrNull, type QueryContext } from "./query-context.js";
import type { CellSelection } from "./cell-selection.js";

/** Group values in one order on every engine: code-unit order, null last. */
export function compareGroups(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function pageLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`page limit ${limit} is not a count`);
  return limit;
}

function afterCondition(column: string, after: number | undefined): string {
  if (after === undefined) return "TRUE";
  if (!Number.isFinite(after)) throw new Error(`keyset position ${after} is not a number`);
  return `${column} > ${Math.floor(after)}`;
}

/** Genes after `after` by gene_idx with their all-cells mean; the store's m2/min/max stay internal. */
export async function listGenes(ctx: QueryContext, query: GeneListQuery): Promise<GeneRow[]> {
  const cells = ctx.build.manifest.counts.cells;
  const conditions = [
    afterCondition("gene_idx", query.after),
    cellFilterSql(query.where ?? {}, ctx.build.manifest.geneColumns),
  ];
  if (query.q !== undefined && query.q !== "") {
    const q = `lower(${sqlString(query.q)})`;
    conditions.push(
      `(contains(lower(gene), ${q}) OR contains(lower(coalesce(gene_id, '')), ${q}) OR contains(lower(coalesce(symbol, '')), ${q}))`,
    );
  }
  const rows = await queryRows(
    ctx,
    `SELECT * FROM ${ctx.views.genes} WHERE ${conditions.join(" AND ")} ORDER BY gene_idx LIMIT ${pageLimit(query.limit)}`,
  );
  return rows.map((row) => {
    const {
      gene_idx,
      gene,
      gene_id,
      symbol,
      n_expressing,
      sum,
      m2: _m2,
      min_value: _lo,
      max_value: _hi,
      ...rest
    } = row;
    return {
      gene_idx: num(gene_idx),
      gene: textOrNull(gene) ?? "",
      gene_id: textOrNull(gene_id),
      symbol: textOrNull(symbol),
      n_expressing: num(n_expressing),
      mean: cells > 0 ? num(sum) / cells : 0,
      ...rest,
    };
  });
}

export async function listCells(ctx: QueryContext, query: CellListQuery): Promise<CellRow[]> {
  const rows = await queryRows(
    ctx,
    `SELECT * FROM ${ctx.views.cells}
     WHERE ${afterCondition("cell_idx", query.after)} AND ${cellFilterSql(query.where ?? {}, ctx.build.manifest.cellColumns)}
     ORDER BY cell_idx LIMIT ${pageLimit(query.limit)}`,
  );
  return rows.map((row) => ({ ...row, cell_idx: num(row.cell_idx), cell: textOrNull(row.cell) ?? "" }));
}

/** Cells per value of `by`; with `by` null, the size of the selection alone (from the manifest when it can). */
export async function countCells(
  ctx: QueryContext,
  filter: CellFilter,
  by: string | null,
  selection: () => Promise<CellSelection>,
): Promise<GroupCount[]> {
  if (by === null) return [{ value: null, cells: (await selection()).n }];
  const rows = await queryRows(
    ctx,
    `SELECT CAST(${sqlIdentifier(by)} AS VARCHAR) AS value, count(*) AS cells
     FROM ${ctx.views.cells} WHERE ${cellFilterSql(filter, ctx.build.manifest.cellColumns)} GROUP BY 1`,
  );
  return rows
    .map((r) => ({ value: textOrNull(r.value), cells: num(r.cells) }))
    .sort((a, b) => compareGroups(a.value, b.value));
}

export async function distinctValues(
  ctx: QueryContext,
  column: string,
  limit: number,
): Promise<(string | null)[]> {
  const rows = await queryRows(
    ctx,
    `SELECT DISTINCT CAST(${sqlIdentifier(column)} AS VARCHAR) AS value FROM ${ctx.views.cells}
     ORDER BY value NULLS LAST LIMIT ${pageLimit(limit)}`,
  );
  return rows.map((r) => textOrNull(r.value));
}
