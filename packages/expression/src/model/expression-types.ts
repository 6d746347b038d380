/**
 * What expression queries take and return, shared by the engines, the service, the CLI and the REST routes.
 * Statistics always include the implicit zeros: a cell where a gene has no stored value counts as 0.
 * Names are the API's (snake_case where they reach JSON).
 */

/** A scalar a cell metadata column can hold, as filters compare it. */
export type CellValue = string | number | boolean | null;

/**
 * A condition on one cell metadata column: one of `in` (equals any; `null` matches a missing value), or a
 * numeric or date range `min`/`max` (inclusive, either may be left out).
 */
export type CellCondition =
  { readonly in: readonly CellValue[] } | { readonly min?: number | string; readonly max?: number | string };

/** Conditions on cell metadata columns, all of which a cell must meet. An empty filter selects every cell. */
export type CellFilter = Readonly<Record<string, CellCondition>>;

/** A gene after resolution: its index, its unique name and id, and how the request named it. */
export interface ResolvedGene {
  readonly gene_idx: number;
  /** The unique name (LYZ, LYZ.1). */
  readonly gene: string;
  readonly gene_id: string | null;
  readonly symbol: string | null;
  /** What the caller wrote, when it differs from `gene` (an id, or a repeated symbol). */
  readonly requested?: string;
  /** Set when the symbol occurs more than once: every unique name it was given, this one first. */
  readonly same_symbol?: readonly string[];
}

/** A gene row of the genes table with its all-cells statistics and source columns. */
export interface GeneRow {
  readonly gene_idx: number;
  readonly gene: string;
  readonly gene_id: string | null;
  readonly symbol: string | null;
  /** Cells where the gene is nonzero. */
  readonly n_expressing: number;
  /** Mean over all cells, zeros included. */
  readonly mean: number;
  /** The other columns of the source's gene table. */
  readonly [column: string]: unknown;
}

export interface CellRow {
  readonly cell_idx: number;
  readonly cell: string;
  readonly [column: string]: unknown;
}

/** Keyset paging over `gene_idx` / `cell_idx`: rows after `after`, at most `limit`. */
export interface PageRequest {
  readonly after?: number;
  readonly limit: number;
}

export interface GeneListQuery extends PageRequest {
  /** Substring of gene, gene_id or symbol, case-insensitive. */
  readonly q?: string;
  /** Conditions on gene columns (same shapes as cell filters). */
  readonly where?: CellFilter;
}

export interface CellListQuery extends PageRequest {
  readonly where?: CellFilter;
}

export type CorrelationMethod = "pearson" | "spearman";

/**
 * Why a statistic is undefined (null): a gene that is constant over the cells (zero variance, which includes
 * never expressed), a mean of 0 (CV), or fewer than two cells (n < 2).
 */
export type UndefinedReason = "constant" | "zero_mean" | "too_few_cells";

export interface PairCorrelationRequest {
  readonly a: number;
  readonly b: number;
  readonly method: CorrelationMethod;
  readonly cells: CellFilter;
}

export interface PairCorrelation {
  /** Null when undefined; `undefined_reason` says why. */
  readonly r: number | null;
  /** Cells the statistic is over (zeros included). */
  readonly n: number;
  /** Cells where both genes are nonzero. */
  readonly n_both_expressing: number;
  readonly mean_a: number;
  readonly mean_b: number;
  readonly undefined_reason?: UndefinedReason;
}

export interface TopCorrelationRequest {
  readonly gene: number;
  readonly method: CorrelationMethod;
  readonly cells: CellFilter;
  readonly k: number;
  /** Rank by r (default, most positive first) or by |r|. */
  readonly order: "r" | "abs";
}

export interface TopCorrelationRow {
  readonly gene_idx: number;
  readonly r: number;
  readonly n_both_expressing: number;
}

export interface TopCorrelation {
  readonly n: number;
  /** The k best, best first, the query gene itself excluded; genes whose r is undefined are never listed. */
  readonly rows: readonly TopCorrelationRow[];
  /** Genes left out because r is undefined for them (constant over the cells). */
  readonly undefined_genes: number;
}

export interface VariabilityRequest {
  readonly cells: CellFilter;
  /**
   * Genes with a mean below this are left out. The default, 0, keeps every gene of counts or normalised data
   * and leaves out genes with a negative mean (scaled data), for which a CV means nothing.
   */
  readonly min_mean: number;
  readonly limit: number;
  /** Keyset continuation: the position after which the next page starts (opaque to clients; see the service). */
  readonly offset?: number;
}

export interface VariabilityRow {
  readonly gene_idx: number;
  /** Sample sd / mean; null when the mean is 0 (listed after every defined one). */
  readonly cv: number | null;
  readonly mean: number;
  /** Sample variance (n - 1). */
  readonly variance: number;
  /** Share of cells where the gene is nonzero. */
  readonly fraction: number;
  readonly n_expressing: number;
  readonly undefined_reason?: UndefinedReason;
}

export interface Variability {
  readonly n: number;
  readonly rows: readonly VariabilityRow[];
  /** Genes that passed min_mean, for paging. */
  readonly total: number;
}

export interface AggregateRequest {
  readonly genes: readonly number[];
  /** The column cells are grouped by. */
  readonly by: string;
  readonly cells: CellFilter;
}

export interface AggregateRow {
  readonly group: string | null;
  readonly gene_idx: number;
  readonly n_cells: number;
  /** Mean over the group's cells, zeros included. */
  readonly mean: number;
  readonly fraction: number;
  /** Sum of values (pseudobulk). */
  readonly sum: number;
  /** Mean over the cells where the gene is nonzero (null when none). */
  readonly mean_expressing: number | null;
}

/** Cells of a subset: by ids, or by filter. */
export interface SubsetRequest {
  readonly genes: readonly number[];
  readonly cells: { readonly ids: readonly number[] } | { readonly where: CellFilter };
  /** Rows per batch the engine yields. */
  readonly batchRows: number;
}

/** A batch of a subset: nonzeros only, ordered by (cell_idx, gene_idx); zeros are the formatters' job. */
export interface SubsetBatch {
  readonly cell: Int32Array;
  readonly gene: Int32Array;
  readonly value: Float64Array;
  readonly length: number;
}

/** A count of cells per value of a column (groups and their sizes). */
export interface GroupCount {
  readonly value: string | null;
  readonly cells: number;
}
