/**
 * A column-oriented table as the converters produce it (R data.frame, pandas DataFrame, h5ad obs/var,
 * cell metadata). Values are plain arrays or typed arrays; `valid` marks non-null rows when a column
 * has missing values (NA, None, NaN-as-missing).
 */
export type ColumnType =
  | { readonly kind: "int32" }
  | { readonly kind: "int64" }
  | { readonly kind: "float32" }
  | { readonly kind: "float64" }
  | { readonly kind: "bool" }
  | { readonly kind: "string" }
  | { readonly kind: "timestamp"; readonly unit: "ms" | "us" | "ns"; readonly tz?: string }
  /** Categorical / factor: integer codes into `categories`, -1 (or null) for missing. */
  | { readonly kind: "categorical"; readonly categories: readonly string[]; readonly ordered: boolean }
  /** Fixed-size numeric vectors per row (obsm/varm embeddings). */
  | { readonly kind: "float64_list"; readonly size: number };

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: ArrayLike<unknown>;
  /** Present when some rows are missing: valid[i] === 0 means row i is null. */
  readonly valid?: Uint8Array;
}

export interface DataFrame {
  readonly rowCount: number;
  readonly columns: readonly Column[];
  /** Row labels (R row.names, pandas index), written as the first column `_index` when present. */
  readonly index?: Column;
}
