/** Registers a table's data: creates the table from the files' schema if missing, otherwise swaps its files. */
export interface RegisterTableChange {
  readonly kind: "register";
  readonly table: string;
  /** Parquet files (all with the same schema) that become the table's data, in row order. */
  readonly files: readonly string[];
}

/** Ends a table, its columns and its files at the new snapshot (the files stay on disk). */
export interface DropTableChange {
  readonly kind: "drop";
  readonly table: string;
}

export type DuckLakeChange = RegisterTableChange | DropTableChange;

/**
 * The change that makes `files` the data of `table` in the next snapshot.
 *
 * @example catalog.commit([registerTable({ table: "sra_study", files: ["/lake/ducklake/main/sra_study/part-0.parquet"] })])
 */
export function registerTable(spec: {
  readonly table: string;
  readonly files: readonly string[];
}): RegisterTableChange {
  return { kind: "register", table: spec.table, files: [...spec.files] };
}

/** The change that drops `table` in the next snapshot. */
export function dropTable(table: string): DropTableChange {
  return { kind: "drop", table };
}
