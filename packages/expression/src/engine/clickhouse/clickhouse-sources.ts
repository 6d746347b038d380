import type { CorrelationMethod } from "../../model/expression-types.js";
import type { NonzeroStats } from "../../statistics/implicit-zeros.js";
import { chInteger } from "./clickhouse-quote.js";

/**
 * The nonzeros a statistic reads, as a subquery of `(gene_idx, cell_idx, value, raw)`: either the stored values, or
 * for Spearman their ranks shifted so that the zeros stay zeros. Ranking n values of which k are nonzero gives
 * every zero the same rank z (zeroRank); a rank minus z is a value whose implicit entries are again 0, and a
 * shift changes no correlation, so Pearson's sparse formulas apply to ranks unchanged.
 *
 * ClickHouse 18.16 has no window functions, so the ranks come from arrays: a gene's values sorted, each
 * value's position i, how many equal values precede it (j - 1, arrayEnumerateUniq) and how many follow it
 * (r - 1, the same on the reversed array); a tie's average rank is i + (r - j) / 2. `raw` is the stored value
 * (for the means a correlation reports beside r).
 */
export function sourceSql(
  method: CorrelationMethod,
  valuesTable: string,
  where: readonly (string | null)[],
  n: number,
): string {
  const conditions = where.filter((w): w is string => w !== null);
  const whereSql = conditions.length === 0 ? "" : ` WHERE ${conditions.map((c) => `(${c})`).join(" AND ")}`;
  if (method === "pearson") {
    return `SELECT gene_idx, cell_idx, value, value AS raw FROM ${valuesTable}${whereSql}`;
  }
  const nn = chInteger(n);
  return (
    `SELECT gene_idx, tupleElement(p, 1) AS cell_idx, tupleElement(p, 2) AS value, tupleElement(p, 3) AS raw FROM (` +
    `SELECT gene_idx, arrayJoin(arrayMap((c, r, v) -> (c, r, v), sc, rk, sv)) AS p FROM (` +
    `SELECT gene_idx, arraySort(vs) AS sv, arraySort((c, v) -> v, cs, vs) AS sc, length(vs) AS k, ` +
    `arrayCount(x -> x < 0, vs) AS neg, ` +
    `arrayMap((i, j, r, v) -> i + (r - j) / 2 + if(v > 0, ${nn} - k, 0) - (neg + (${nn} - k + 1) / 2), ` +
    `arrayEnumerate(sv), arrayEnumerateUniq(sv), arrayReverse(arrayEnumerateUniq(arrayReverse(sv))), sv) AS rk ` +
    `FROM (SELECT gene_idx, groupArray(cell_idx) AS cs, groupArray(value) AS vs FROM ${valuesTable}${whereSql} ` +
    `GROUP BY gene_idx)))`
  );
}

/** The aggregates of NonzeroStats over a source, per gene (the m2 of the nonzeros by a stable update). */
export const NONZERO_STATS_SQL =
  "count() AS k, sum(value) AS s, varPopStable(value) * count() AS m2, min(value) AS lo, max(value) AS hi";

/** NonzeroStats over n cells from a row of NONZERO_STATS_SQL (absent: a gene with no nonzero there). */
export function nonzeroStats(row: Record<string, unknown> | undefined, n: number): NonzeroStats {
  if (row === undefined) return { n, k: 0, sum: 0, m2: 0, min: null, max: null };
  const k = Number(row.k);
  return {
    n,
    k,
    sum: Number(row.s),
    m2: k < 2 ? 0 : Number(row.m2),
    min: k === 0 ? null : Number(row.lo),
    max: k === 0 ? null : Number(row.hi),
  };
}
