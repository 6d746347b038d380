import { sqlString } from "@omicslake/core";
import type { NonzeroStats } from "../../statistics/implicit-zeros.js";
import type { CellSelection } from "./cell-selection.js";
import { cellCondition } from "./cell-selection.js";
import type { QueryContext } from "./query-context.js";
import { num, numOrNull } from "./query-context.js";

/** The aggregates of nonzeros every statistic starts from (store-layout's GENE_STAT_COLUMNS), over `v`. */
export function nonzeroAggregates(value: string): string {
  return `count(*) AS k, sum(${value}) AS s, coalesce(var_pop(${value}), 0) * count(*) AS m2,
    min(${value}) AS lo, max(${value}) AS hi`;
}

/**
 * Per-gene nonzero statistics over the selected cells, one row per gene with a nonzero there
 * (gene_idx, k, s, m2, lo, hi), from the cheapest source: the genes table for all cells, group_stats for one
 * group, else an aggregate over values_by_cell (a BETWEEN scan for whole groups, which reads only their row
 * groups; a semi-join on the cells table otherwise).
 */
export function geneStatsSql(ctx: QueryContext, selection: CellSelection): string {
  const { views, build } = ctx;
  if (selection.kind === "all")
    return `SELECT gene_idx, n_expressing AS k, sum AS s, m2, min_value AS lo, max_value AS hi
      FROM ${views.genes} WHERE n_expressing > 0`;
  if (selection.kind === "ranges" && selection.group !== undefined && build.files.groupStats !== undefined)
    return `SELECT gene_idx, n_expressing AS k, sum AS s, m2, min_value AS lo, max_value AS hi
      FROM ${views.groupStats} WHERE group_value = ${sqlString(selection.group)}`;
  return `SELECT gene_idx, ${nonzeroAggregates("value::DOUBLE")}
    FROM ${views.valuesByCell} WHERE ${cellCondition(selection, views, "cell_idx")} GROUP BY gene_idx`;
}

export function statsOf(row: Record<string, unknown>, n: number): NonzeroStats {
  return {
    n,
    k: num(row.k),
    sum: num(row.s),
    m2: num(row.m2),
    min: numOrNull(row.lo),
    max: numOrNull(row.hi),
  };
}

/**
 * The rank transform Spearman's r is Pearson's of, for sparse data: each nonzero's rank among all n values
 * (ties averaged, the n - k zeros one tied block) minus the zeros' rank (zeroRank), so zeros stay 0 and the
 * same sparse statistics apply. Negative values rank below the zeros. `partition` names the column whose
 * values are ranked separately (gene_idx), or is empty for one gene.
 */
export function sparseRankSql(value: string, n: number, partition: string): string {
  const by = (columns: readonly string[]): string =>
    columns.length === 0 ? "" : `PARTITION BY ${columns.join(", ")}`;
  const group = partition === "" ? [] : [partition];
  const k = `count(*) OVER (${by(group)})`;
  const negatives = `sum(CASE WHEN ${value} < 0 THEN 1 ELSE 0 END) OVER (${by(group)})`;
  const ties = `count(*) OVER (${by([...group, value])})`;
  return `(rank() OVER (${by(group)} ORDER BY ${value}) + (${ties} - 1) / 2.0
    + CASE WHEN ${value} > 0 THEN ${n} - ${k} ELSE 0 END
    - (${negatives} + (${n} - ${k} + 1) / 2.0))`;
}
