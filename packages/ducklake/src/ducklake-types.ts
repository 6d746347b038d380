/*
 * DuckLake type names and the string encoding of statistics (DuckLake v1.0 specification, "Data Types").
 * Types come from DuckDB's reading of a Parquet schema (`parquet_schema().duckdb_type`), so the catalog says what
 * DuckDB itself would read from the file.
 */

const PRIMITIVES: Readonly<Record<string, string>> = {
  BOOLEAN: "boolean",
  TINYINT: "int8",
  SMALLINT: "int16",
  INTEGER: "int32",
  BIGINT: "int64",
  HUGEINT: "int128",
  UTINYINT: "uint8",
  USMALLINT: "uint16",
  UINTEGER: "uint32",
  UBIGINT: "uint64",
  UHUGEINT: "uint128",
  FLOAT: "float32",
  DOUBLE: "float64",
  TIME: "time",
  TIME_NS: "time_ns",
  "TIME WITH TIME ZONE": "timetz",
  DATE: "date",
  TIMESTAMP: "timestamp",
  TIMESTAMP_S: "timestamp_s",
  TIMESTAMP_MS: "timestamp_ms",
  TIMESTAMP_NS: "timestamp_ns",
  "TIMESTAMP WITH TIME ZONE": "timestamptz",
  INTERVAL: "interval",
  VARCHAR: "varchar",
  BLOB: "blob",
  UUID: "uuid",
  JSON: "json",
};

/** The DuckLake name of a primitive DuckDB type, or undefined when DuckLake has no such type. */
export function duckLakeTypeOf(duckdbType: string): string | undefined {
  const upper = duckdbType.trim().toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(upper);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  return PRIMITIVES[upper];
}

export const isFloatType = (type: string): boolean => type === "float32" || type === "float64";

const INTEGER_TYPES = new Set(["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]);

/** Types the specification gives no min/max statistics (Parquet cannot order them). */
const NO_MIN_MAX = new Set(["int128", "uint128", "timetz", "interval", "blob"]);

/**
 * Re-encodes a Parquet footer statistic (as DuckDB renders it in `parquet_metadata().stats_min_value`) into the
 * DuckLake encoding: booleans as `0`/`1`, the rest as DuckDB prints them. Returns null (bound unknown) for types
 * without min/max statistics and for blobs: the specification asks for hex while DuckDB's extension writes and
 * casts its escaped literal (`\x00\xFF`), and a bound one reader misreads could prune a file that matches.
 */
export function encodeStatValue(type: string, rendered: string | null): string | null {
  if (rendered === null || NO_MIN_MAX.has(type)) return null;
  if (type === "boolean") return rendered === "true" ? "1" : rendered === "false" ? "0" : rendered;
  return rendered;
}

function floatValue(encoded: string): number {
  if (encoded === "inf" || encoded === "infinity") return Number.POSITIVE_INFINITY;
  if (encoded === "-inf" || encoded === "-infinity") return Number.NEGATIVE_INFINITY;
  return Number(encoded);
}

/**
 * Orders two encoded statistics of one DuckLake type: numerically for numbers (the strings of `9` and `10` sort
 * the other way), bytewise for everything else, which is how Parquet orders strings and how ISO dates sort.
 */
export function compareStatValues(type: string, a: string, b: string): number {
  if (INTEGER_TYPES.has(type)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (isFloatType(type) || type.startsWith("decimal(")) {
    const x = floatValue(a);
    const y = floatValue(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
