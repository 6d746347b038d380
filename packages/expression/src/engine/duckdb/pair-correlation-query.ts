import type { PairCorrelation, PairCorrelationRequest } from "../../model/expression-types.js";
import { fullStats, pairComoment, pearson } from "../../statistics/implicit-zeros.js";
import { indexList } from "./cell-filter-sql.js";
import { cellCondition, type CellSelection } from "./cell-selection.js";
import { nonzeroAggregates, sparseRankSql, statsOf } from "./gene-stats-sql.js";
import { num, queryRows, type QueryContext } from "./query-context.js";

/**
 * r between two genes over the selected cells. Each gene's nonzeros there are one narrow scan of
 * values_by_gene; the co-moment comes from the union of their nonzeros (a full outer join, missing side 0)
 * with DuckDB's stable covar_pop, and the cells where both are 0 join by Chan's rule (pairComoment).
 * Spearman runs the same on the sparse rank transform (sparseRankSql).
 */
export async function pairCorrelation(
  ctx: QueryContext,
  selection: CellSelection,
  request: PairCorrelationRequest,
): Promise<PairCorrelation> {
  const { views } = ctx;
  const n = selection.n;
  indexList([request.a, request.b], "gene index");
  const cells = cellCondition(selection, views, "cell_idx");
  const gene = (g: number): string => {
    const raw = `SELECT cell_idx, value::DOUBLE AS raw FROM ${views.valuesByGene} WHERE gene_idx = ${g} AND ${cells}`;
    return request.method === "spearman"
      ? `SELECT cell_idx, raw, ${sparseRankSql("raw", n, "")} AS v FROM (${raw})`
      : `SELECT cell_idx, raw, raw AS v FROM (${raw})`;
  };
  const side = (name: string): string =>
    `(SELECT ${nonzeroAggregates("v")}, sum(raw) AS raw_sum FROM ${name}) AS ${name}_stats`;
  const rows = await queryRows(
    ctx,
    `WITH a AS (${gene(request.a)}), b AS (${gene(request.b)}),
     u AS (SELECT count(*) AS u,
                  coalesce(covar_pop(coalesce(a.v, 0), coalesce(b.v, 0)), 0) * count(*) AS cu,
                  count(*) FILTER (WHERE a.cell_idx IS NOT NULL AND b.cell_idx IS NOT NULL) AS both_expressing,
                  sum(coalesce(a.v, 0)) AS su_a, sum(coalesce(b.v, 0)) AS su_b
           FROM a FULL OUTER JOIN b ON a.cell_idx = b.cell_idx)
     SELECT a_stats.k AS a_k, a_stats.s AS a_s, a_stats.m2 AS a_m2, a_stats.lo AS a_lo, a_stats.hi AS a_hi,
            a_stats.raw_sum AS a_raw, b_stats.k AS b_k, b_stats.s AS b_s, b_stats.m2 AS b_m2, b_stats.lo AS b_lo,
            b_stats.hi AS b_hi, b_stats.raw_sum AS b_raw, u.*
     FROM ${side("a")}, ${side("b")}, u`,
  );
  const row = rows[0] ?? {};
  const prefixed = (p: string): Record<string, unknown> => ({
    k: row[`${p}_k`],
    s: row[`${p}_s`],
    m2: row[`${p}_m2`],
    lo: row[`${p}_lo`],
    hi: row[`${p}_hi`],
  });
  const a = fullStats(statsOf(prefixed("a"), n));
  const b = fullStats(statsOf(prefixed("b"), n));
  const comoment = pairComoment(num(row.cu), num(row.u), num(row.su_a), num(row.su_b), n);
  const { r, reason } = pearson(a, b, comoment, n);
  return {
    r,
    n,
    n_both_expressing: num(row.both_expressing),
    mean_a: n > 0 ? num(row.a_raw) / n : 0,
    mean_b: n > 0 ? num(row.b_raw) / n : 0,
    ...(reason === undefined ? {} : { undefined_reason: reason }),
  };
}
