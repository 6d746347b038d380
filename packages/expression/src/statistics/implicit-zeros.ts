import type { UndefinedReason } from "../model/expression-types.js";

/**
 * Statistics over n cells of a gene stored sparsely: only its k nonzeros are stored, the other n - k cells are
 * 0. Every engine aggregates the nonzeros (count, sum, m2 = sum of squared deviations from their own mean,
 * min, max) and these functions add the zeros exactly, by Chan's rule for combining two groups (the nonzeros,
 * and n - k zeros whose mean and m2 are 0). Combining this way keeps the precision of the engine's stable
 * m2 instead of subtracting sum² / n from a sum of squares.
 */
export interface NonzeroStats {
  /** Cells the statistic is over (zeros included). */
  readonly n: number;
  /** Nonzeros among them. */
  readonly k: number;
  readonly sum: number;
  /** Sum of squared deviations of the nonzeros from their mean (0 when k < 2). */
  readonly m2: number;
  readonly min: number | null;
  readonly max: number | null;
}

export interface FullStats {
  readonly mean: number;
  /** Sum of squared deviations over all n cells. */
  readonly m2: number;
  /** Sample variance (n - 1); 0 for a constant gene; NaN never: null when n < 2. */
  readonly variance: number | null;
  readonly fraction: number;
  /** True when every one of the n values is equal (including never expressed). */
  readonly constant: boolean;
}

export function fullStats(s: NonzeroStats): FullStats {
  const { n, k } = s;
  if (n <= 0) return { mean: 0, m2: 0, variance: null, fraction: 0, constant: true };
  // Constant when there are no nonzeros, or every cell is nonzero with one value: decided on min/max, so that
  // rounding in m2 cannot make a constant gene look variable.
  const constant = k === 0 || (k === n && s.min !== null && s.min === s.max);
  const mean = s.sum / n;
  const m2 = constant ? 0 : k === 0 ? 0 : s.m2 + (s.sum * s.sum * (n - k)) / (k * n);
  return {
    mean,
    m2,
    variance: n < 2 ? null : m2 / (n - 1),
    fraction: k / n,
    constant,
  };
}

/** The coefficient of variation (sample sd / mean), or why it is undefined. */
export function coefficientOfVariation(
  stats: FullStats,
  n: number,
): { cv: number | null; reason?: UndefinedReason } {
  if (n < 2 || stats.variance === null) return { cv: null, reason: "too_few_cells" };
  if (stats.mean === 0) return { cv: null, reason: "zero_mean" };
  return { cv: Math.sqrt(stats.variance) / stats.mean };
}

/**
 * Pearson's r from the two genes' full statistics and their co-moment over all n cells,
 * `c = Σ (a - mean_a)(b - mean_b)`, which an engine gets as `Σ_{both nonzero} a·b - sum_a·sum_b / n` or, more
 * precisely for a pair, from the union of the two genes' nonzeros (see pairComoment).
 */
export function pearson(
  a: FullStats,
  b: FullStats,
  comoment: number,
  n: number,
): { r: number | null; reason?: UndefinedReason } {
  if (n < 2) return { r: null, reason: "too_few_cells" };
  if (a.constant || b.constant || a.m2 <= 0 || b.m2 <= 0) return { r: null, reason: "constant" };
  const r = comoment / Math.sqrt(a.m2 * b.m2);
  // Rounding can put |r| a hair above 1 for identical genes.
  return { r: Math.max(-1, Math.min(1, r)) };
}

/**
 * The co-moment over n cells from sums over the union U of cells where either gene is nonzero (u = |U|):
 * `cU` is Σ_U (a - meanA_U)(b - meanB_U) (DuckDB's covar_pop × u, a stable update), `sumA`/`sumB` the sums over
 * U (equal to the genes' sums). The n - u cells where both are 0 join by Chan's rule.
 */
export function pairComoment(cU: number, u: number, sumA: number, sumB: number, n: number): number {
  if (u === 0) return 0;
  return cU + (sumA / u) * (sumB / u) * ((u * (n - u)) / n);
}

/**
 * The rank every zero gets when n values, k of them nonzero, are ranked with ties averaged: `negatives`
 * values are below 0 (scaled data), so the zeros hold ranks negatives+1 … negatives+(n-k).
 */
export function zeroRank(n: number, k: number, negatives: number): number {
  return negatives + (n - k + 1) / 2;
}

/**
 * A bound on the rounding error of an r computed from the fast co-moment `Σ_{both} q·x − sum_q·sum_x / n`
 * (top-k lists): `absDot` is Σ |q·x| over the cells where both are nonzero, `terms` the nonzeros summed. When
 * genes sit far from 0 relative to their spread the two sums cancel, and this bound says so; such an r is then
 * computed again from the union of nonzeros (pairComoment), as a pair query does.
 */
export function fastComomentError(
  absDot: number,
  offset: number,
  terms: number,
  m2a: number,
  m2b: number,
): number {
  // Rounding of the two sums grows like the square root of the terms summed.
  return (4 * Number.EPSILON * (Math.sqrt(terms) + 2) * (absDot + Math.abs(offset))) / Math.sqrt(m2a * m2b);
}

/** An r whose error bound is above this is recomputed: a tenth of the 1e-9 the results promise. */
export const REFINE_R_ABOVE = 1e-10;
