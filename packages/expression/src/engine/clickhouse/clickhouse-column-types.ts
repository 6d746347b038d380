import { sqlIdentifier } from "@omicslake/core";

/**
 * How a column of the store's Parquet files is held in ClickHouse and sent there. Each column is turned into
 * one TabSeparated field by DuckDB (escaped, `\N` for null), so Node only joins lines. Integers become Int64,
 * decimals Float64, booleans UInt8 (ClickHouse 18.16 has no Bool); dates and everything else become text,
 * which compares in ISO order, so a `min`/`max` date filter works the same as on DuckDB.
 */
export interface LoadedColumn {
  readonly name: string;
  /** DuckDB's type name, as DESCRIBE gives it. */
  readonly duckType: string;
  readonly chType: string;
  /** The DuckDB expression producing the escaped TSV field. */
  readonly field: string;
}

const INTEGER_TYPES = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
]);
const FLOAT_TYPES = new Set(["FLOAT", "DOUBLE", "REAL"]);

export type ColumnKind = "integer" | "float" | "boolean" | "text";

export function columnKind(duckType: string): ColumnKind {
  const base = duckType.toUpperCase().replace(/\(.*$/, "");
  if (INTEGER_TYPES.has(base)) return "integer";
  if (FLOAT_TYPES.has(base) || base === "DECIMAL") return "float";
  if (base === "BOOLEAN") return "boolean";
  return "text";
}

/** The ClickHouse column type and the DuckDB TSV field of a column; `keyColumns` are never null. */
export function loadedColumn(name: string, duckType: string, notNull: boolean): LoadedColumn {
  const kind = columnKind(duckType);
  const col = sqlIdentifier(name);
  const inner = { integer: "Int64", float: "Float64", boolean: "UInt8", text: "String" }[kind];
  let text: string;
  if (kind === "integer") text = `CAST(${col} AS VARCHAR)`;
  // DuckDB writes a DOUBLE as its shortest round-trip text, so ClickHouse reads back the same number.
  else if (kind === "float") text = `CAST(CAST(${col} AS DOUBLE) AS VARCHAR)`;
  else if (kind === "boolean") text = `CASE WHEN ${col} THEN '1' ELSE '0' END`;
  else text = tsvEscaped(`CAST(${col} AS VARCHAR)`);
  const field = notNull ? text : `CASE WHEN ${col} IS NULL THEN '\\N' ELSE ${text} END`;
  return { name, duckType, chType: notNull ? inner : `Nullable(${inner})`, field };
}

/** TabSeparated escaping in DuckDB SQL: backslash first, then the characters that would split a field. */
function tsvEscaped(expr: string): string {
  let out = `replace(${expr}, '\\', '\\\\')`;
  for (const [code, escape] of [
    [9, "\\t"],
    [10, "\\n"],
    [13, "\\r"],
    [0, "\\0"],
  ] as const) {
    out = `replace(${out}, chr(${code}), '${escape}')`;
  }
  return out;
}

/** A value ClickHouse returned (JSONEachRow), as the column's type reads in JSON. */
export function fromClickHouse(value: unknown, kind: ColumnKind): unknown {
  if (value === null || value === undefined) return null;
  if (kind === "integer" || kind === "float") return typeof value === "string" ? Number(value) : value;
  if (kind === "boolean") return value === 1 || value === "1" || value === true;
  return value;
}
