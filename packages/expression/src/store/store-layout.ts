/**
 * The layout of an expression store: what `expr build` writes and every engine reads. Changing a file name or
 * a column here is a format change: bump STORE_FORMAT_VERSION, and readers refuse stores of another version.
 *
 * A store is the curated dataset `<name>.expression` (for the processed dataset `<name>`). Each build writes
 * its files under `b<build>/` and then, last, `store.json`: the one object whose replacement publishes the
 * build (an object write is atomic). Readers read `store.json` first and only the files it names, so a build
 * in progress or a killed one is never seen; the build before the current one is kept for readers that
 * started before the switch, and older builds are removed.
 *
 * Indexes are 0-based and contiguous. Cells are numbered in the order of the store's group column (then the
 * source order), so the cells of one group are one contiguous `cell_idx` range: a scan of one group reads
 * only the row groups of `values_by_cell` whose min/max statistics overlap that range.
 */

export const STORE_FORMAT = "omicslake-expression";
export const STORE_FORMAT_VERSION = 1;

/** The curated dataset holding the store of processed dataset `name`. */
export function storeDatasetName(name: string): string {
  return `${name}.expression`;
}

/** The pointer object: replaced last by a build, read first by every query. */
export const STORE_POINTER = "store.json";

/** File names inside a build's prefix (`b<build>/`). */
export const STORE_FILES = {
  /**
   * One row per gene: `gene_idx INTEGER`, `gene VARCHAR` (unique name: the symbol, made unique the way R's
   * make.unique and Seurat do — LYZ, LYZ.1 — or the id when there is no symbol), `gene_id VARCHAR` (nullable),
   * `symbol VARCHAR` (as given, nullable), then the all-cells statistics (GENE_STAT_COLUMNS), then every other
   * column of the source's gene table (a name that collides is prefixed `var_`).
   */
  genes: "genes.parquet",
  /**
   * One row per cell: `cell_idx INTEGER`, `cell VARCHAR` (barcode or obs name, made unique like genes),
   * `source_cell_idx INTEGER` (its index in the source matrix), then every metadata column with its type
   * (a name that collides is prefixed `obs_`). Sorted by `cell_idx`.
   */
  cells: "cells.parquet",
  /**
   * Nonzeros `gene_idx INTEGER, cell_idx INTEGER, value <type>` sorted by (gene_idx, cell_idx).
   */
  valuesByGene: "values_by_gene.parquet",
  /** The same nonzeros sorted by (cell_idx, gene_idx). */
  valuesByCell: "values_by_cell.parquet",
  /**
   * Per group of the store's group column and gene (genes with no nonzero in a group have no row):
   * `group_value VARCHAR, gene_idx INTEGER, n_cells BIGINT` (cells in the group) and GENE_STAT_COLUMNS over the
   * group's cells. Absent when the store has no group column. Cells whose group is null belong to no group.
   */
  groupStats: "group_stats.parquet",
} as const;

export type StoreFileRole = keyof typeof STORE_FILES;

/**
 * Statistics of a gene's nonzero values over a set of cells, from which every statistic with implicit zeros
 * follows exactly (see statistics/implicit-zeros.ts): `n_expressing BIGINT` (nonzeros), `sum DOUBLE`,
 * `m2 DOUBLE` (sum of squared deviations of the nonzeros from their own mean: var_pop(value) * n_expressing,
 * which DuckDB computes with a numerically stable update), `min_value DOUBLE`, `max_value DOUBLE` (over the
 * nonzeros; null when there are none). min and max make a constant gene exact: its variance is 0, not 1e-17.
 */
export const GENE_STAT_COLUMNS = ["n_expressing", "sum", "m2", "min_value", "max_value"] as const;

/** Columns every store adds; source columns with these names are prefixed (`var_`, `obs_`). */
export const GENE_KEY_COLUMNS = ["gene_idx", "gene", "gene_id", "symbol", ...GENE_STAT_COLUMNS] as const;
export const CELL_KEY_COLUMNS = ["cell_idx", "cell", "source_cell_idx"] as const;

/** The Parquet type of `value`: the source's own (integers stay integers); engines compute in DOUBLE. */
export type StoreValueType = "INTEGER" | "BIGINT" | "FLOAT" | "DOUBLE";

/** A column of the cells or genes table, as the manifest lists it (for filters and error messages). */
export interface StoreColumn {
  readonly name: string;
  /** DuckDB's type name: VARCHAR, DOUBLE, BIGINT, BOOLEAN, INTEGER, FLOAT, DATE … */
  readonly type: string;
}

/** One file of a build, with what readers verify before using it. */
export interface StoreFileEntry {
  /** Object name inside the store dataset, e.g. `b3/genes.parquet`. */
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
  readonly rows: number;
}

/** `store.json`: the published build. */
export interface StoreManifest {
  readonly format: typeof STORE_FORMAT;
  readonly formatVersion: typeof STORE_FORMAT_VERSION;
  /** The expression dataset's name (the processed dataset's). */
  readonly dataset: string;
  /** Increases by one per build; the files live under `b<build>/`. */
  readonly build: number;
  /**
   * When it was published: the catalog's time of `store.json`, filled in when it is read. Neither this nor the run
   * that built it is written in its bytes: a build rerun after a crash must publish the same bytes as one that
   * never crashed.
   */
  readonly builtAt: string;
  readonly source: {
    /**
     * `processed:<name>`: the converted matrix this was built from. Its id is in the provenance edge, not here
     * (ids depend on what else the lake went through; these bytes must not).
     */
    readonly dataset: string;
    /** Which matrix of the source: `X`, a layer name, or `raw.X`. */
    readonly matrix: string;
    /** The source's format (h5ad, 10x-mtx, 10x-h5, rds, mtx, parquet). */
    readonly format: string;
    /** Object names read and their checksums, for provenance and staleness. */
    readonly objects: readonly { readonly name: string; readonly sha256: string }[];
  };
  readonly counts: { readonly genes: number; readonly cells: number; readonly nonzeros: number };
  readonly valueType: StoreValueType;
  /** The default group column of queries (`cell_type` unless the build chose another); null when absent. */
  readonly groupBy: string | null;
  /** Every group of groupBy with its contiguous cell range [firstCell, lastCell] and size. */
  readonly groups: readonly {
    readonly value: string;
    readonly cells: number;
    readonly firstCell: number;
    readonly lastCell: number;
  }[];
  /** Cells whose group value is null (they belong to no group; all-cell statistics include them). */
  readonly cellsWithoutGroup: number;
  readonly geneColumns: readonly StoreColumn[];
  readonly cellColumns: readonly StoreColumn[];
  /** Gene symbols that occur more than once, with the unique names given to them: `{LYZ: ["LYZ","LYZ.1"]}`. */
  readonly duplicateSymbols: Readonly<Record<string, readonly string[]>>;
  readonly files: { readonly [K in StoreFileRole]?: StoreFileEntry };
}
