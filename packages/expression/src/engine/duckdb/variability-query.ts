import type { Variability, VariabilityRequest, VariabilityRow } from "../../model/expression-types.js";
import { coefficientOfVariation, fullStats } from "../../statistics/implicit-zeros.js";
import type { CellSelection } from "./cell-selection.js";
import { geneStatsSql, statsOf } from "./gene-stats-sql.js";
import { num, queryRows, type QueryContext } from "./query-context.js";

/**
 * Genes ranked by CV (sample sd / mean) over the selected cells: statistics of every gene from geneStatsSql
 * (group_stats for one group), zeros added by fullStats. Genes with no nonzero there are still listed (mean 0,
 * CV undefined); undefined CVs come after every defined one, by gene_idx, so the order is total and pages
 * (offset, limit) never skip or repeat a gene.
 */
export async function variability(
  ctx: QueryContext,
  selection: CellSelection,
  request: VariabilityRequest,
): Promise<Variability> {
  const n = selection.n;
  const rows = await queryRows(ctx, geneStatsSql(ctx, selection));
  const byGene = new Map(rows.map((r) => [num(r.gene_idx), r]));
  const out: VariabilityRow[] = [];
  for (let gene = 0; gene < ctx.build.manifest.counts.genes; gene++) {
    const nonzero = statsOf(byGene.get(gene) ?? {}, n);
    const stats = fullStats(nonzero);
    if (stats.mean < request.min_mean) continue;
    const { cv, reason } = coefficientOfVariation(stats, n);
    out.push({
      gene_idx: gene,
      cv,
      mean: stats.mean,
      variance: stats.variance ?? 0,
      fraction: stats.fraction,
      n_expressing: nonzero.k,
      ...(reason === undefined ? {} : { undefined_reason: reason }),
    });
  }
  out.sort((a, b) => {
    if (a.cv === null || b.cv === null)
      return a.cv === b.cv ? a.gene_idx - b.gene_idx : a.cv === null ? 1 : -1;
    return b.cv - a.cv || a.gene_idx - b.gene_idx;
  });
  const offset = Math.max(0, request.offset ?? 0);
  return { n, rows: out.slice(offset, offset + Math.max(0, request.limit)), total: out.length };
}
