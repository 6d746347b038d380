import { availableParallelism } from "node:os";
import { BIGINT, DOUBLE, FLOAT, INTEGER } from "@duckdb/node-api";
import type { DuckDBType } from "@duckdb/node-api";
import { copyTypedToVector, writeParquetFromProducer } from "./parquet-sink.js";
import type { ParquetWriteSummary } from "./parquet-sink.js";

/** Parquet type of the `value` column; the source dtype decides (integers stay integers). */
export type TripletValueType = "int32" | "int64" | "float32" | "float64";

export type TripletValues = Int32Array | BigInt64Array | Float32Array | Float64Array;

/** A batch of nonzeros: `cell[i]`, `gene[i]`, `value[i]` for i < length (0-based indexes into obs/var). */
export interface TripletBatch {
  readonly cell: Int32Array;
  readonly gene: Int32Array;
  readonly value: TripletValues;
  readonly length: number;
}

/**
 * Returns the next batch, or undefined at the end. Synchronous because DuckDB pulls it from inside its scan;
 * a batch may be reused (overwritten) after the next call. Throwing aborts the write.
 */
export type TripletSource = () => TripletBatch | undefined;

export interface TripletParquetOptions {
  readonly valueType: TripletValueType;
  /** Parquet key-value metadata. */
  readonly metadata?: Record<string, string>;
  /**
   * Rows per row group. DuckDB's default (122,880) unless set: measured 5-6x faster than 1,048,576 for triplets
   * (larger groups halve the file but the writer's dictionary attempts dominate), and it keeps memory small.
   */
  readonly rowGroupSize?: number;
}

/** Names of the long-format matrix columns, shared with readers of these files. */
export const TRIPLET_COLUMNS = { cell: "cell_idx", gene: "gene_idx", value: "value" } as const;

const VALUE_TYPES: Record<TripletValueType, { duck: DuckDBType; ctor: new (n: number) => TripletValues }> = {
  int32: { duck: INTEGER, ctor: Int32Array },
  int64: { duck: BIGINT, ctor: BigInt64Array },
  float32: { duck: FLOAT, ctor: Float32Array },
  float64: { duck: DOUBLE, ctor: Float64Array },
};

/**
 * Streams a sparse matrix's nonzeros to Parquet as `(cell_idx INTEGER, gene_idx INTEGER, value)`, atomically.
 * Integer indexes (not names) keep the file small and fast to join; `obs.parquet`/`var.parquet` (or
 * `cells`/`features`) give the names by row position. Memory is bounded by one source batch plus a row group.
 *
 * @example await writeTripletsParquet("matrix.X.parquet", () => reader.next(), { valueType: "float32" })
 */
export async function writeTripletsParquet(
  path: string,
  source: TripletSource,
  options: TripletParquetOptions,
): Promise<ParquetWriteSummary> {
  const spec = VALUE_TYPES[options.valueType];
  let batch: TripletBatch | undefined;
  let offset = 0;
  let ended = false;
  return writeParquetFromProducer(
    path,
    [
      { name: TRIPLET_COLUMNS.cell, type: INTEGER, nullable: false },
      { name: TRIPLET_COLUMNS.gene, type: INTEGER, nullable: false },
      { name: TRIPLET_COLUMNS.value, type: spec.duck, nullable: false },
    ],
    (vectors, maxRows) => {
      while (!ended && (batch === undefined || offset >= batch.length)) {
        batch = source();
        offset = 0;
        if (batch === undefined) ended = true;
        else if (!(batch.value instanceof spec.ctor)) {
          throw new Error(
            `writeTripletsParquet: value batch is ${batch.value.constructor.name}, expected ${spec.ctor.name} for ${options.valueType}`,
          );
        }
      }
      if (ended || batch === undefined) return 0;
      const n = Math.min(maxRows, batch.length - offset);
      copyTypedToVector(vectors[0]!, batch.cell, offset, n);
      copyTypedToVector(vectors[1]!, batch.gene, offset, n);
      copyTypedToVector(vectors[2]!, batch.value, offset, n);
      offset += n;
      return n;
    },
    // Version 2 pages: measured on a 10 M-nonzero h5ad, 11 MB instead of 22 MB for the same CPU time.
    { metadata: options.metadata, rowGroupSize: options.rowGroupSize, parquetVersion: "v2" },
  );
}

/** One file of a matrix written in parts: where it goes and a fresh source of its nonzeros. */
export interface TripletPart {
  readonly path: string;
  readonly open: () => TripletSource;
}

export interface TripletPartsOptions extends TripletParquetOptions {
  /** Files written at once (default: the machine's cores); the bytes of each file do not depend on it. */
  readonly concurrency?: number;
}

/**
 * Writes a matrix as several Parquet files at once, one per part, each from its own source through its own
 * DuckDB instance. DuckDB encodes the rows of one table-function source on one thread, so one file is bounded by
 * a core; parts encode on as many cores as are given. Each file is written by one producer in stored order, so
 * its bytes depend on the part alone, never on the concurrency or on which part finishes first. On a failure no
 * new part starts, the running ones end, and the first error is thrown (the caller's staging removes the files).
 *
 * @example await writeTripletPartsParquet(parts.map((p, i) => ({ path: `m.${i}.parquet`, open: p.open })), { valueType: "float32" })
 */
export async function writeTripletPartsParquet(
  parts: readonly TripletPart[],
  options: TripletPartsOptions,
): Promise<ParquetWriteSummary[]> {
  const concurrency = Math.max(1, Math.min(parts.length, options.concurrency ?? availableParallelism()));
  const results: ParquetWriteSummary[] = new Array<ParquetWriteSummary>(parts.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < parts.length) {
      const i = next++;
      const part = parts[i]!;
      try {
        results[i] = await writeTripletsParquet(part.path, part.open(), options);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
