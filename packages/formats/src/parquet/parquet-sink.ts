import { randomBytes } from "node:crypto";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import duckdb from "@duckdb/node-bindings";
import { DuckDBTableFunction, version as duckdbVersion } from "@duckdb/node-api";
import type { DuckDBType } from "@duckdb/node-api";
import { openDuckDb, sqlString } from "@omicslake/core";
import type { OutputField } from "../convert/conversion-result.js";

/*
 * Why DuckDB with a JavaScript table function as the Parquet engine (measured on a 2-core machine, 20 M rows of
 * (int32, int32, float32), zstd):
 *   - table function pulled by `COPY (SELECT * FROM src()) TO 'x.parquet'`: 24 M rows/s, 114 MB peak RSS, and
 *     the memory stays bounded because DuckDB pulls one vector (2,048 rows) at a time and flushes row groups;
 *   - Appender into an in-memory table then COPY: 13 M rows/s and the whole table in memory (580 MB for 20 M);
 *   - Appender into an on-disk temporary database then COPY: 9 M rows/s (the data is written twice).
 * Filling a vector is one `copy_data_to_vector` of a typed-array slice, not a JavaScript call per value, so the
 * cost per value is DuckDB's encoding and compression. DuckDB is already a dependency (the lake queries these files
 * with it), writes dictionary encoding and statistics, and needs no extension: a pure-JS writer or a WASM one
 * would add a dependency and an Arrow IPC copy per batch without being faster here.
 * The price: the producer must be synchronous (it runs inside DuckDB's pull on the JS thread), which suits h5wasm
 * (synchronous reads); asynchronous inputs (gzip streams) hand batches over from a worker thread.
 */

/** A DuckDB vector handle from the raw bindings (the fast path copies typed-array bytes straight into it). */
export type RawVector = duckdb.Vector;

/** One output column: its name, DuckDB type, and whether it may contain nulls (for the schema record). */
export interface SinkColumn {
  readonly name: string;
  readonly type: DuckDBType;
  readonly nullable: boolean;
}

/**
 * Fills `vectors` (one per column) with up to `maxRows` rows and returns how many it wrote; 0 ends the table.
 * Called synchronously from DuckDB's scan; throwing aborts the write (the error is rethrown to the caller).
 */
export type ChunkProducer = (vectors: readonly RawVector[], maxRows: number) => number;

export interface ParquetSinkOptions {
  /** Parquet key-value metadata (file footer). */
  readonly metadata?: Record<string, string>;
  /** Rows per row group; DuckDB's default (122,880) when absent. */
  readonly rowGroupSize?: number;
  /**
   * Parquet format version: `v1` (the default, read by every reader) or `v2`, whose DELTA_BINARY_PACKED and
   * BYTE_STREAM_SPLIT encodings halve the long-format matrices (sorted integer indexes) at the same CPU cost.
   */
  readonly parquetVersion?: "v1" | "v2";
}

export interface ParquetWriteSummary {
  readonly rows: number;
  readonly bytes: number;
  readonly fields: OutputField[];
}

/** The DuckDB version that wrote the Parquet files, for run records. */
export function parquetEngineVersion(): string {
  return duckdbVersion();
}

/** Max rows per DuckDB vector (2,048 in current builds). */
export const VECTOR_SIZE: number = duckdb.vector_size();

/**
 * Writes a Parquet file from a synchronous chunk producer, atomically: the data goes to a temporary file in the
 * same directory that is renamed over `path` only when DuckDB finished it, so a failed or aborted conversion leaves
 * nothing behind.
 */
export async function writeParquetFromProducer(
  path: string,
  columns: readonly SinkColumn[],
  produce: ChunkProducer,
  options: ParquetSinkOptions = {},
): Promise<ParquetWriteSummary> {
  if (columns.length === 0)
    throw new Error("writeParquetFromProducer: a Parquet file needs at least one column");
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  // One thread: the source is one JavaScript producer, so DuckDB has nothing to run in parallel, and its idle
  // workers cost CPU (measured here: 2.7-3.0 s instead of 3.8 s of CPU for 20 M nonzeros in three files).
  // Parallelism comes from writing several files at once (`writeTripletPartsParquet`).
  const duck = await openDuckDb({ threads: 1 });
  const { connection } = duck;
  let producerError: unknown;
  let rows = 0;
  try {
    const fn = DuckDBTableFunction.create({
      name: "omicslake_source",
      bindFunction: (bind) => {
        for (const c of columns) bind.addResultColumn(c.name, c.type);
      },
      // One producer, one cursor: DuckDB must not call it from several threads at once.
      initFunction: (init) => init.setMaxThreads(1),
      mainFunction: (info, out) => {
        if (producerError !== undefined) {
          out.rowCount = 0;
          return;
        }
        try {
          const raw = out.chunk;
          duckdb.data_chunk_set_size(raw, VECTOR_SIZE);
          const vectors = columns.map((_, i) => duckdb.data_chunk_get_vector(raw, i));
          const n = produce(vectors, VECTOR_SIZE);
          duckdb.data_chunk_set_size(raw, n);
          rows += n;
        } catch (error) {
          producerError = error;
          duckdb.data_chunk_set_size(out.chunk, 0);
          info.setError(error instanceof Error ? error.message : String(error));
        }
      },
    });
    connection.registerTableFunction(fn);
    const kv = Object.entries(options.metadata ?? {});
    const copyOptions = ["FORMAT parquet", "COMPRESSION zstd"];
    if (options.parquetVersion === "v2") copyOptions.push("PARQUET_VERSION v2");
    if (options.rowGroupSize !== undefined)
      copyOptions.push(`ROW_GROUP_SIZE ${Math.floor(options.rowGroupSize)}`);
    if (kv.length > 0)
      copyOptions.push(`KV_METADATA {${kv.map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(", ")}}`);
    let copyError: unknown;
    try {
      await connection.run(
        `COPY (SELECT * FROM omicslake_source()) TO ${sqlString(tmp)} (${copyOptions.join(", ")})`,
      );
    } catch (error) {
      copyError = error;
    }
    // The producer's own (typed) error explains the failure better than DuckDB's copy of its message.
    if (producerError !== undefined) throw asError(producerError);
    if (copyError !== undefined) throw asError(copyError);
    const described = await connection.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet(${sqlString(tmp)})`,
    );
    const types = new Map<string, string>();
    for (const row of described.getRowObjectsJS())
      types.set(row["column_name"] as string, row["column_type"] as string);
    const fields: OutputField[] = columns.map((c) => ({
      name: c.name,
      type: types.get(c.name) ?? c.type.toString(),
      nullable: c.nullable,
    }));
    const { size } = await stat(tmp);
    await rename(tmp, path);
    return { rows, bytes: size, fields };
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  } finally {
    duck.close();
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

// ---- helpers for producers: copy typed-array slices into vectors -------------------------------------------

/** Copies `count` elements starting at `start` of a typed array into the vector (types must match DuckDB's). */
export function copyTypedToVector(
  vector: RawVector,
  source: ArrayBufferView & { readonly BYTES_PER_ELEMENT: number },
  start: number,
  count: number,
): void {
  const bpe = source.BYTES_PER_ELEMENT;
  duckdb.copy_data_to_vector(
    vector,
    0,
    source.buffer as ArrayBuffer,
    source.byteOffset + start * bpe,
    count * bpe,
  );
}

/** Writes a validity mask: `isValid(i)` for rows 0..count-1 of this vector. */
export function writeValidity(vector: RawVector, count: number, isValid: (row: number) => boolean): void {
  const words = Math.ceil(count / 64);
  const mask = new Uint8Array(words * 8);
  let anyNull = false;
  for (let i = 0; i < count; i++) {
    if (isValid(i)) mask[i >> 3]! |= 1 << (i & 7);
    else anyNull = true;
  }
  if (!anyNull) return;
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer, 0, mask.byteLength);
}

export function assignString(vector: RawVector, row: number, value: string): void {
  duckdb.vector_assign_string_element(vector, row, value);
}

export function arrayChild(vector: RawVector): RawVector {
  return duckdb.array_vector_get_child(vector);
}
