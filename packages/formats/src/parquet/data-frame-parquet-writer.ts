import {
  ARRAY,
  BIGINT,
  BOOLEAN,
  DOUBLE,
  ENUM,
  FLOAT,
  INTEGER,
  TIMESTAMP,
  TIMESTAMP_MS,
  TIMESTAMP_NS,
  TIMESTAMPTZ,
  VARCHAR,
} from "@duckdb/node-api";
import type { DuckDBType } from "@duckdb/node-api";
import type { Column, ColumnType, DataFrame } from "../frame/data-frame.js";
import {
  arrayChild,
  assignString,
  copyTypedToVector,
  writeParquetFromProducer,
  writeValidity,
} from "./parquet-sink.js";
import type { ParquetWriteSummary, RawVector, SinkColumn } from "./parquet-sink.js";

/** Key-value metadata key holding `{column: {categories, ordered}}` for categorical columns. */
export const CATEGORIES_METADATA_KEY = "omicslake.categories";
/** Key-value metadata key holding `{column: kind}` for every column, so readers can restore the frame's types. */
export const COLUMN_KINDS_METADATA_KEY = "omicslake.column_kinds";

export interface DataFrameParquetOptions {
  /** Extra Parquet key-value metadata. */
  readonly metadata?: Record<string, string>;
}

/**
 * Writes a DataFrame as one Parquet file (atomically). The `index`, when present, becomes the first column `_index`.
 *
 * Categoricals are written as strings through a DuckDB ENUM: the Parquet column is a dictionary-encoded UTF-8
 * string column, so DuckDB, pandas and every other reader see the labels (not bare codes that mean nothing
 * without their table), while the dictionary keeps the file as small as the codes would be. The full category list
 * (including unused categories, whose order is the category order) and `ordered` go into the key-value metadata
 * under `omicslake.categories`, so `pd.Categorical(values, categories=…, ordered=…)` restores the column exactly.
 * Missing values come from `valid` (and code -1 for categoricals); `float64_list` becomes a list of doubles.
 *
 * @example await writeDataFrameParquet({ rowCount: 2, columns: [{ name: "n", type: { kind: "int32" }, values: [1, 2] }] }, "obs.parquet")
 */
export async function writeDataFrameParquet(
  frame: DataFrame,
  path: string,
  options: DataFrameParquetOptions = {},
): Promise<ParquetWriteSummary> {
  const all: Column[] = frame.index
    ? [{ ...frame.index, name: "_index" }, ...frame.columns]
    : [...frame.columns];
  const seen = new Set<string>();
  for (const c of all) {
    if (seen.has(c.name)) throw new Error(`writeDataFrameParquet: duplicate column name "${c.name}"`);
    seen.add(c.name);
  }
  const writers = all.map((c) => columnWriter(c, frame.rowCount));
  const categories: Record<string, { categories: readonly string[]; ordered: boolean }> = {};
  const kinds: Record<string, unknown> = {};
  for (const c of all) {
    // Timestamps keep unit and zone, lists their size; categories live under their own key.
    kinds[c.name] = c.type.kind === "timestamp" || c.type.kind === "float64_list" ? c.type : c.type.kind;
    if (c.type.kind === "categorical")
      categories[c.name] = { categories: c.type.categories, ordered: c.type.ordered };
  }
  const metadata: Record<string, string> = {
    [COLUMN_KINDS_METADATA_KEY]: JSON.stringify(kinds),
    ...options.metadata,
  };
  if (Object.keys(categories).length > 0) metadata[CATEGORIES_METADATA_KEY] = JSON.stringify(categories);

  // Parquet needs at least one column; an obs table with no columns and no index still has a row count.
  if (writers.length === 0) {
    writers.push(
      columnWriter(
        { name: "_row", type: { kind: "int64" }, values: rangeArray(frame.rowCount) },
        frame.rowCount,
      ),
    );
  }
  let position = 0;
  return writeParquetFromProducer(
    path,
    writers.map((w) => w.column),
    (vectors, maxRows) => {
      const n = Math.min(maxRows, frame.rowCount - position);
      if (n <= 0) return 0;
      writers.forEach((w, i) => w.fill(vectors[i]!, position, n));
      position += n;
      return n;
    },
    { metadata },
  );
}

function rangeArray(n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

interface ColumnWriter {
  readonly column: SinkColumn;
  fill(vector: RawVector, start: number, count: number): void;
}

type TypedArrayCtor =
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor;

/** A typed array of the given kind holding all values, converting once when the source is a plain array. */
function asTyped(
  values: ArrayLike<unknown>,
  ctor: TypedArrayCtor,
  convert: (v: unknown) => number | bigint,
): ArrayBufferView & { BYTES_PER_ELEMENT: number } {
  if (values instanceof ctor) return values;
  const out = new ctor(values.length);
  const slots = out as unknown as (number | bigint)[];
  for (let i = 0; i < values.length; i++) slots[i] = convert(values[i]);
  return out;
}

const toNumber = (v: unknown): number =>
  v === null || v === undefined
    ? 0
    : typeof v === "bigint"
      ? Number(v)
      : typeof v === "boolean"
        ? v
          ? 1
          : 0
        : Number(v);
const toBigInt = (v: unknown): bigint => {
  if (v === null || v === undefined) return 0n;
  if (typeof v === "bigint") return v;
  const n = Number(v);
  return Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
};

function validityOf(
  column: Column,
  extra?: (row: number) => boolean,
): ((row: number) => boolean) | undefined {
  const valid = column.valid;
  if (!valid && !extra) return undefined;
  if (valid && extra) return (row) => valid[row] !== 0 && extra(row);
  if (valid) return (row) => valid[row] !== 0;
  return extra;
}

/** Scale factor from the column's unit to DuckDB's storage unit for the chosen timestamp type. */
function timestampPlan(type: Extract<ColumnType, { kind: "timestamp" }>): {
  duck: DuckDBType;
  toStorage: (v: unknown) => bigint;
} {
  const fromUnitPerMs = type.unit === "ms" ? 1n : type.unit === "us" ? 1000n : 1_000_000n;
  const raw = (v: unknown): bigint => (v instanceof Date ? BigInt(v.getTime()) * fromUnitPerMs : toBigInt(v));
  if (type.tz !== undefined) {
    // TIMESTAMPTZ is microseconds since the epoch in UTC; the zone name is kept in the column kinds metadata.
    const toUs =
      type.unit === "ms"
        ? (v: bigint) => v * 1000n
        : type.unit === "us"
          ? (v: bigint) => v
          : (v: bigint) => v / 1000n;
    return { duck: TIMESTAMPTZ, toStorage: (v) => toUs(raw(v)) };
  }
  const duck = type.unit === "ms" ? TIMESTAMP_MS : type.unit === "us" ? TIMESTAMP : TIMESTAMP_NS;
  return { duck, toStorage: raw };
}

function columnWriter(column: Column, rowCount: number): ColumnWriter {
  if (column.values.length < rowCount && column.type.kind !== "float64_list") {
    throw new Error(
      `writeDataFrameParquet: column "${column.name}" has ${column.values.length} values for ${rowCount} rows`,
    );
  }
  const t = column.type;
  const plain = (duck: DuckDBType, typed: ArrayBufferView & { BYTES_PER_ELEMENT: number }): ColumnWriter => {
    const isValid = validityOf(column);
    return {
      column: { name: column.name, type: duck, nullable: isValid !== undefined },
      fill(vector, start, count) {
        copyTypedToVector(vector, typed, start, count);
        if (isValid) writeValidity(vector, count, (r) => isValid(start + r));
      },
    };
  };
  switch (t.kind) {
    case "int32":
      return plain(INTEGER, asTyped(column.values, Int32Array, toNumber));
    case "int64":
      return plain(BIGINT, asTyped(column.values, BigInt64Array, toBigInt));
    case "float32":
      return plain(FLOAT, asTyped(column.values, Float32Array, toNumber));
    case "float64":
      return plain(DOUBLE, asTyped(column.values, Float64Array, toNumber));
    case "bool":
      return plain(
        BOOLEAN,
        asTyped(column.values, Uint8Array, (v) => (v === true || v === 1 || v === 1n ? 1 : 0)),
      );
    case "timestamp": {
      const { duck, toStorage } = timestampPlan(t);
      return plain(duck, asTyped(column.values, BigInt64Array, toStorage));
    }
    case "string": {
      const values = column.values;
      const isValid = validityOf(column, (r) => values[r] !== null && values[r] !== undefined);
      return {
        column: {
          name: column.name,
          type: VARCHAR,
          nullable: column.valid !== undefined || hasNullish(values, rowCount),
        },
        fill(vector, start, count) {
          for (let r = 0; r < count; r++) {
            const v = values[start + r];
            if (
              v !== null &&
              v !== undefined &&
              (column.valid === undefined || column.valid[start + r] !== 0)
            )
              assignString(vector, r, toText(v));
          }
          if (isValid) writeValidity(vector, count, (r) => isValid(start + r));
        },
      };
    }
    case "categorical":
      return categoricalWriter(column, t, rowCount);
    case "float64_list":
      return listWriter(column, t.size, rowCount);
  }
}

function toText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

function hasNullish(values: ArrayLike<unknown>, n: number): boolean {
  for (let i = 0; i < n; i++) if (values[i] === null || values[i] === undefined) return true;
  return false;
}

function categoricalWriter(
  column: Column,
  t: Extract<ColumnType, { kind: "categorical" }>,
  rowCount: number,
): ColumnWriter {
  const codeOf = (v: unknown): number => (v === null || v === undefined ? -1 : Number(v));
  const codes = column.values;
  let hasMissing = column.valid !== undefined;
  for (let i = 0; i < rowCount; i++) {
    const c = codeOf(codes[i]);
    if (c < 0) hasMissing = true;
    else if (!(c < t.categories.length) || !Number.isInteger(c)) {
      throw new Error(
        `writeDataFrameParquet: column "${column.name}" row ${i} has code ${c} outside its ${t.categories.length} categories`,
      );
    }
  }
  const unique = new Set(t.categories).size === t.categories.length;
  const isValid = validityOf(column, (r) => codeOf(codes[r]) >= 0);
  if (!unique || t.categories.length === 0) {
    // ENUM needs distinct labels; fall back to plain strings (still dictionary-encoded by the writer).
    return {
      column: { name: column.name, type: VARCHAR, nullable: hasMissing },
      fill(vector, start, count) {
        for (let r = 0; r < count; r++) {
          const c = codeOf(codes[start + r]);
          if (c >= 0) assignString(vector, r, t.categories[c]!);
        }
        if (isValid) writeValidity(vector, count, (r) => isValid(start + r));
      },
    };
  }
  // DuckDB stores ENUM codes as the smallest unsigned type that holds the category count.
  const n = t.categories.length;
  const ctor = n <= 0xff ? Uint8Array : n <= 0xffff ? Uint16Array : Uint32Array;
  const typed = asTyped(codes, ctor, (v) => Math.max(0, codeOf(v)));
  return {
    column: { name: column.name, type: ENUM(t.categories), nullable: hasMissing },
    fill(vector, start, count) {
      copyTypedToVector(vector, typed, start, count);
      if (isValid) writeValidity(vector, count, (r) => isValid(start + r));
    },
  };
}

function listWriter(column: Column, size: number, rowCount: number): ColumnWriter {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`writeDataFrameParquet: column "${column.name}" has list size ${size}`);
  const values = column.values;
  let flat: Float64Array;
  if (values instanceof Float64Array && values.length === rowCount * size) flat = values;
  else if (values.length === rowCount * size && (rowCount === 0 || typeof values[0] === "number"))
    flat = Float64Array.from(values as ArrayLike<number>);
  else {
    // One array per row.
    flat = new Float64Array(rowCount * size);
    for (let r = 0; r < rowCount; r++) {
      const row = values[r] as ArrayLike<number> | null | undefined;
      if (row === null || row === undefined) continue;
      if (row.length !== size)
        throw new Error(
          `writeDataFrameParquet: column "${column.name}" row ${r} has ${row.length} values, expected ${size}`,
        );
      for (let k = 0; k < size; k++) flat[r * size + k] = Number(row[k]);
    }
  }
  const isValid = validityOf(
    column,
    values.length === rowCount && typeof values[0] === "object"
      ? (r) => values[r] !== null && values[r] !== undefined
      : undefined,
  );
  return {
    column: { name: column.name, type: ARRAY(DOUBLE, size), nullable: isValid !== undefined },
    fill(vector, start, count) {
      copyTypedToVector(arrayChild(vector), flat, start * size, count * size);
      if (isValid) writeValidity(vector, count, (r) => isValid(start + r));
    },
  };
}
