import { sqlIdentifier } from "@omicslake/core";
import type { BinaryType } from "./clickhouse-row-binary.js";

/**
 * How a column of the store's Parquet files is held in ClickHouse: integers as Int64 (the indexes as Int32,
 * as the layout types them), decimals as Float64, booleans as UInt8 (18.16 has no Bool), and dates and every
 * other type as text, which compares in ISO order, so a `min`/`max` date filter works as it does on DuckDB.
 * DuckDB casts each column to the matching type (`select`) and the rows travel as RowBinary.
 */
export interface LoadedColumn {
  readonly name: string;
  readonly type: BinaryType;
  readonly nullable: boolean;
  /** The ClickHouse column type. */
  readonly chType: string;
  /** The DuckDB expression reading the column as `type`. */
  readonly select: string;
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
const FLOAT_TYPES = new Set(["FLOAT", "DOUBLE", "REAL", "DECIMAL"]);
const INDEX_COLUMNS = new Set(["gene_idx", "cell_idx", "source_cell_idx"]);

export type ColumnKind = "integer" | "float" | "boolean" | "text";

export function columnKind(duckType: string): ColumnKind {
  const base = duckType.toUpperCase().replace(/\(.*$/, "");
  if (INTEGER_TYPES.has(base)) return "integer";
  if (FLOAT_TYPES.has(base)) return "float";
  if (base === "BOOLEAN") return "boolean";
  return "text";
}

const BY_KIND: Readonly<Record<ColumnKind, { type: BinaryType; duck: string }>> = {
  integer: { type: "Int64", duck: "BIGINT" },
  float: { type: "Float64", duck: "DOUBLE" },
  boolean: { type: "UInt8", duck: "BOOLEAN" },
  text: { type: "String", duck: "VARCHAR" },
};

/** How a column is loaded; `notNull` columns (keys, nonzeros) are not Nullable, so ClickHouse can sort by them. */
export function loadedColumn(name: string, duckType: string, notNull: boolean): LoadedColumn {
  const kind = columnKind(duckType);
  const { type, duck } =
    kind === "integer" && INDEX_COLUMNS.has(name)
      ? { type: "Int32" as const, duck: "INTEGER" }
      : BY_KIND[kind];
  return {
    name,
    type,
    nullable: !notNull,
    chType: notNull ? type : `Nullable(${type})`,
    select: `CAST(${sqlIdentifier(name)} AS ${duck})`,
  };
}

/** A value ClickHouse returned (JSONEachRow), as the column's type reads in JSON. */
export function fromClickHouse(value: unknown, kind: ColumnKind): unknown {
  if (value === null || value === undefined) return null;
  if (kind === "integer" || kind === "float") return typeof value === "string" ? Number(value) : value;
  if (kind === "boolean") return value === 1 || value === "1" || value === true;
  return value;
}
