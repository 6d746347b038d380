import type {
  TopCorrelation,
  TopCorrelationRequest,
  TopCorrelationRow,
} from "../../model/expression-types.js";
import { fullStats, pearson } from "../../statistics/implicit-zeros.js";
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
      dots AS (SELECT r.gene_idx, sum(r.v * q.v) AS dot, count(*) AS both_expressing
               FROM ranked r JOIN q ON r.cell_idx = q.cell_idx GROUP BY r.gene_idx)
      SELECT stats.*, dots.dot, dots.both_expressing FROM stats LEFT JOIN dots USING (gene_idx)`;
  } else if (selection.kind === "all" || (selection.kind === "ranges" && selection.group !== undefined)) {
    // Statistics precomputed (genes, group_stats); only the dot products scan values.
    sql = `WITH q AS (SELECT cell_idx, value::DOUBLE AS v FROM ${views.valuesByGene}
                      WHERE gene_idx = ${request.gene} AND ${cells}),
      stats AS (${geneStatsSql(ctx, selection)}),
      dots AS (SELECT x.gene_idx, sum(x.value::DOUBLE * q.v) AS dot, count(*) AS both_expressing
               FROM ${views.valuesByCell} x JOIN q ON x.cell_idx = q.cell_idx GROUP BY x.gene_idx)
      SELECT stats.*, dots.dot, dots.both_expressing FROM stats LEFT JOIN dots USING (gene_idx)`;
  } else {
    // Statistics and dot products from one scan of the selected cells' nonzeros.
    sql = `WITH q AS (SELECT cell_idx, value::DOUBLE AS v FROM ${views.valuesByGene}
                      WHERE gene_idx = ${request.gene} AND ${cells}),
      x AS (SELECT gene_idx, cell_idx, value::DOUBLE AS v FROM ${views.valuesByCell} WHERE ${cells})
      SELECT x.gene_idx, ${nonzeroAggregates("x.v")}, sum(x.v * q.v) AS dot, count(q.v) AS both_expressing
      FROM x LEFT JOIN q ON x.cell_idx = q.cell_idx GROUP BY x.gene_idx`;
  }
  const rows = await queryRows(ctx, sql);
  const genes = ctx.build.manifest.counts.genes;
  const query = rows.find((r) => num(r.gene_idx) === request.gene);
  const q = fullStats(statsOf(query ?? {}, n));
  const qSum = num(query?.s);
  const defined: TopCorrelationRow[] = [];
  if (query !== undefined && !q.constant && n >= 2) {
    for (const row of rows) {
      const gene = num(row.gene_idx);
      if (gene === request.gene) continue;
      const x = fullStats(statsOf(row, n));
      const comoment = num(row.dot) - (qSum * num(row.s)) / n;
      const { r } = pearson(q, x, comoment, n);
      if (r !== null) defined.push({ gene_idx: gene, r, n_both_expressing: num(row.both_expressing) });
    }
  }
  const key = request.order === "abs" ? (r: number): number => Math.abs(r) : (r: number): number => r;
  defined.sort((x, y) => key(y.r) - key(x.r) || x.gene_idx - y.gene_idx);
  return {
    n,
    rows: defined.slice(0, Math.max(0, request.k)),
    undefined_genes: Math.max(0, genes - 1 - defined.length),
  };
}
