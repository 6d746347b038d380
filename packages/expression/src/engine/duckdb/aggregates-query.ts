import { sqlIdentifier } from "@omicslake/core";
import type { AggregateRequest, AggregateRow } from "../../model/expression-types.js";
import { cellFilterSql, indexList } from "./cell-filter-sql.js";
import { num, queryRows, textOrNull, type QueryContext } from "./query-context.js";
import { compareGroups } from "./listing-queries.js";

/**
 * Per group of `by` (cells whose value is null form the group null) and requested gene: cells in the group,
 * and the count and sum of the gene's nonzeros there, from which mean, fraction and the mean over expressing
 * cells follow. A gene with no nonzero in a group still gets its row (zeros).
 */
export async function aggregates(ctx: QueryContext, request: AggregateRequest): Promise<AggregateRow[]> {
  const { views } = ctx;
  if (request.genes.length === 0) return [];
  const genes = indexList(request.genes, "gene index");
  const rows = await queryRows(
    ctx,
    `WITH fc AS (SELECT cell_idx, CAST(${sqlIdentifier(request.by)} AS VARCHAR) AS grp
                 FROM ${views.cells} WHERE ${cellFilterSql(request.cells, ctx.build.manifest.cellColumns)}),
     sizes AS (SELECT grp, count(*) AS n FROM fc GROUP BY grp),
     nz AS (SELECT fc.grp, v.gene_idx, count(*) AS k, sum(v.value::DOUBLE) AS s
            FROM ${views.valuesByGene} v JOIN fc ON v.cell_idx = fc.cell_idx
            WHERE v.gene_idx IN (${genes}) GROUP BY fc.grp, v.gene_idx)
     SELECT sizes.grp, sizes.n, nz.gene_idx, nz.k, nz.s
     FROM sizes LEFT JOIN nz ON sizes.grp IS NOT DISTINCT FROM nz.grp`,
  );
  const sizes = new Map<string | null, number>();
  const sums = new Map<string, { k: number; s: number }>();
  const key = (group: string | null, gene: number): string => JSON.stringify([group, gene]);
  for (const row of rows) {
    const group = textOrNull(row.grp);
    sizes.set(group, num(row.n));
    if (row.gene_idx !== null) sums.set(key(group, num(row.gene_idx)), { k: num(row.k), s: num(row.s) });
  }
  const out: AggregateRow[] = [];
  for (const group of [...sizes.keys()].sort(compareGroups)) {
    const n = sizes.get(group) ?? 0;
    for (const gene of request.genes) {
      const { k, s } = sums.get(key(group, gene)) ?? { k: 0, s: 0 };
      out.push({
        group,
        gene_idx: gene,
        n_cells: n,
        mean: n > 0 ? s / n : 0,
        fraction: n > 0 ? k / n : 0,
        sum: s,
        mean_expressing: k > 0 ? s / k : null,
      });
    }
  }
  return out;
}
