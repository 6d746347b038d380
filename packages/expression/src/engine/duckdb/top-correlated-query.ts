import type {
  TopCorrelation,
  TopCorrelationRequest,
  TopCorrelationRow,
} from "../../model/expression-types.js";
import {
  REFINE_R_ABOVE,
  fastComomentError,
  fullStats,
  pairComoment,
  pearson,
  type FullStats,
} from "../../statistics/implicit-zeros.js";
import { indexList } from "./cell-filter-sql.js";
import { cellCondition, type CellSelection } from "./cell-selection.js";
import { geneStatsSql, nonzeroAggregates, sparseRankSql, statsOf } from "./gene-stats-sql.js";
import { num, queryRows, type QueryContext } from "./query-context.js";

/**
 * The k genes most correlated with one gene over the selected cells. For every gene x the co-moment is
 * Σ_{both nonzero} q·x − sum_q·sum_x / n: the dot products come from values_by_cell joined to the query gene's
 * cells (DuckDB pushes the join's cell range into the scan), the per-gene statistics from geneStatsSql; Node
 * combines them with pearson(). Genes with no nonzero in the cells are constant there, so undefined.
 * Spearman ranks every gene's nonzeros in the cells first (a window per gene): correct, and slower.
 *
 * That co-moment cancels when both genes sit far from 0 relative to their spread (two genes near 1e5 that vary
 * by 1 lose seven digits of r). Each query also sums |q·x|, which bounds the rounding; genes whose r may be off
 * by more than REFINE_ABOVE and that could be among the k best get their co-moment again from the union of the
 * two genes' nonzeros (refineComoments), as a pair query computes it.
 */
export async function topCorrelated(
  ctx: QueryContext,
  selection: CellSelection,
  request: TopCorrelationRequest,
): Promise<TopCorrelation> {
  const { views } = ctx;
  const n = selection.n;
  indexList([request.gene], "gene index");
  const cells = cellCondition(selection, views, "cell_idx");
  let sql: string;
  if (request.method === "spearman") {
    sql = `WITH ranked AS (
        SELECT gene_idx, cell_idx, ${sparseRankSql("raw", n, "gene_idx")} AS v
        FROM (SELECT gene_idx, cell_idx, value::DOUBLE AS raw FROM ${views.valuesByCell} WHERE ${cells})),
      q AS (SELECT cell_idx, v FROM ranked WHERE gene_idx = ${request.gene}),
      stats AS (SELECT gene_idx, ${nonzeroAggregates("v")} FROM ranked GROUP BY gene_idx),
      dots AS (SELECT r.gene_idx, sum(r.v * q.v) AS dot, sum(abs(r.v * q.v)) AS absdot, count(*) AS both_expressing
               FROM ranked r JOIN q ON r.cell_idx = q.cell_idx GROUP BY r.gene_idx)
      SELECT stats.*, dots.dot, dots.both_expressing FROM stats LEFT JOIN dots USING (gene_idx)`;
  } else if (selection.kind === "all" || (selection.kind === "ranges" && selection.group !== undefined)) {
    // Statistics precomputed (genes, group_stats); only the dot products scan values.
    sql = `WITH q AS (SELECT cell_idx, value::DOUBLE AS v FROM ${views.valuesByGene}
                      WHERE gene_idx = ${request.gene} AND ${cells}),
      stats AS (${geneStatsSql(ctx, selection)}),
      dots AS (SELECT x.gene_idx, sum(x.value::DOUBLE * q.v) AS dot, sum(abs(x.value::DOUBLE * q.v)) AS absdot,
                      count(*) AS both_expressing
               FROM ${views.valuesByCell} x JOIN q ON x.cell_idx = q.cell_idx GROUP BY x.gene_idx)
      SELECT stats.*, dots.dot, dots.both_expressing FROM stats LEFT JOIN dots USING (gene_idx)`;
  } else {
    // Statistics and dot products from one scan of the selected cells' nonzeros.
    sql = `WITH q AS (SELECT cell_idx, value::DOUBLE AS v FROM ${views.valuesByGene}
                      WHERE gene_idx = ${request.gene} AND ${cells}),
      x AS (SELECT gene_idx, cell_idx, value::DOUBLE AS v FROM ${views.valuesByCell} WHERE ${cells})
      SELECT x.gene_idx, ${nonzeroAggregates("x.v")}, sum(x.v * q.v) AS dot, sum(abs(x.v * q.v)) AS absdot,
        count(q.v) AS both_expressing
      FROM x LEFT JOIN q ON x.cell_idx = q.cell_idx GROUP BY x.gene_idx`;
  }
  const rows = await queryRows(ctx, sql);
  const genes = ctx.build.manifest.counts.genes;
  const query = rows.find((r) => num(r.gene_idx) === request.gene);
  const q = fullStats(statsOf(query ?? {}, n));
  const qSum = num(query?.s);
  const defined: Candidate[] = [];
  if (query !== undefined && !q.constant && n >= 2) {
    for (const row of rows) {
      const gene = num(row.gene_idx);
      if (gene === request.gene) continue;
      const x = fullStats(statsOf(row, n));
      const offset = (qSum * num(row.s)) / n;
      const comoment = num(row.dot) - offset;
      const { r } = pearson(q, x, comoment, n);
      if (r === null) continue;
      const terms = num(row.both_expressing) + num(row.k) + num(query.k);
      const error = fastComomentError(num(row.absdot), offset, terms, q.m2, x.m2);
      defined.push({ gene_idx: gene, r, n_both_expressing: num(row.both_expressing), error, stats: x });
    }
  }
  const key = request.order === "abs" ? (r: number): number => Math.abs(r) : (r: number): number => r;
  const sort = (): void => void defined.sort((x, y) => key(y.r) - key(x.r) || x.gene_idx - y.gene_idx);
  sort();
  if (request.method === "pearson" && request.k > 0 && defined.length > 0) {
    const kth = defined[Math.min(request.k, defined.length) - 1]!;
    const floor = key(kth.r) - kth.error;
    const imprecise = defined.filter((c) => c.error > REFINE_R_ABOVE && key(c.r) + c.error >= floor);
    if (imprecise.length > 0) {
      const refined = await refineComoments(
        ctx,
        selection,
        request.gene,
        imprecise.map((c) => c.gene_idx),
      );
      for (const c of imprecise) {
        const u = refined.get(c.gene_idx);
        if (u === undefined) continue;
        c.r = pearson(q, c.stats, pairComoment(u.cu, u.u, u.sq, u.sx, n), n).r ?? c.r;
      }
      sort();
    }
  }
  return {
    n,
    rows: defined
      .slice(0, Math.max(0, request.k))
      .map(({ gene_idx, r, n_both_expressing }) => ({ gene_idx, r, n_both_expressing })),
    undefined_genes: Math.max(0, genes - 1 - defined.length),
  };
}

interface Candidate extends TopCorrelationRow {
  r: number;
  /** Estimated bound on the rounding error of r. */
  readonly error: number;
  readonly stats: FullStats;
}

/**
 * For each gene x of `genes`, the co-moment with the query gene over the union U of their nonzeros in the
 * cells: the query gene's nonzeros with x's value there (0 when absent), plus x's nonzeros where the query gene
 * is 0. DuckDB's covar_pop centres as it goes, so nothing cancels; pairComoment adds the cells of neither.
 */
async function refineComoments(
  ctx: QueryContext,
  selection: CellSelection,
  gene: number,
  genes: readonly number[],
): Promise<Map<number, { u: number; cu: number; sq: number; sx: number }>> {
  const { views } = ctx;
  const cells = cellCondition(selection, views, "cell_idx");
  const list = indexList(genes, "gene index");
  const rows = await queryRows(
    ctx,
    `WITH q AS (SELECT cell_idx, value::DOUBLE AS v FROM ${views.valuesByGene} WHERE gene_idx = ${gene} AND ${cells}),
     x AS (SELECT gene_idx, cell_idx, value::DOUBLE AS v FROM ${views.valuesByGene}
           WHERE gene_idx IN (${list}) AND ${cells}),
     g AS (SELECT unnest([${list}]) AS gene_idx),
     u AS (SELECT g.gene_idx, q.v AS qv, coalesce(x.v, 0) AS xv
           FROM g CROSS JOIN q LEFT JOIN x ON x.gene_idx = g.gene_idx AND x.cell_idx = q.cell_idx
           UNION ALL
           SELECT x.gene_idx, 0 AS qv, x.v AS xv FROM x
           WHERE NOT EXISTS (SELECT 1 FROM q WHERE q.cell_idx = x.cell_idx))
     SELECT gene_idx, count(*) AS u, coalesce(covar_pop(qv, xv), 0) * count(*) AS cu, sum(qv) AS sq, sum(xv) AS sx
     FROM u GROUP BY gene_idx`,
  );
  return new Map(
    rows.map((r) => [num(r.gene_idx), { u: num(r.u), cu: num(r.cu), sq: num(r.sq), sx: num(r.sx) }]),
  );
}
