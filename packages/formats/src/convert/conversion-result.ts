/** A Parquet column as recorded in schema versions (mirrors the catalog's SchemaField). */
export interface OutputField {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

/** One Parquet (or JSON manifest) file a conversion wrote. */
export interface ConversionOutput {
  /** File name relative to the output directory, e.g. `obs.parquet`, `matrix.X.parquet`, `manifest.json`. */
  readonly name: string;
  readonly path: string;
  /** Logical table name used for schema versions, e.g. `obs`, `var`, `matrix_X`, `table`. */
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  readonly fields: readonly OutputField[];
}

/** What a converter reports; the lake turns it into objects, a run record and schema versions. */
export interface ConversionResult {
  /** Detected input format: `h5ad`, `10x-mtx`, `10x-h5`, `mtx`, `rds`, `pickle`, `csv`, `tsv`, `archive`. */
  readonly format: string;
  readonly input: string;
  readonly outputs: readonly ConversionOutput[];
  /** Format-specific facts: shape, encodings, dtypes, R/pandas versions, members of an archive. */
  readonly manifest: Record<string, unknown>;
  /** Things a user should know that did not stop the conversion (cells without metadata, skipped members). */
  readonly warnings: readonly string[];
  /** Versions of the libraries that did the reading/writing, for the run record. */
  readonly toolVersions: Record<string, string>;
}

export interface ConvertOptions {
  /** Called with bytes or items processed so far, for progress bars. */
  readonly onProgress?: (done: number, total?: number) => void;
  readonly signal?: AbortSignal;
}
