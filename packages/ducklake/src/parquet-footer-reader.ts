import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlIdentifier, sqlString, ValidationError } from "@omicslake/core";
import { compareStatValues, duckLakeTypeOf, encodeStatValue, isFloatType } from "./ducklake-types.js";

/** One column as DuckLake sees it: a DuckLake type, and child columns for list, struct and map. */
export interface ParquetColumnNode {
  /** The DuckLake column name (`element` for a list's child, `key`/`value` for a map's). */
  readonly name: string;
  /** The name the name mapping matches in the file (DuckLake maps a list child under the name `list`). */
  readonly sourceName: string;
  readonly type: string;
  readonly children: readonly ParquetColumnNode[];
  /** For leaves: the position among the file's leaf columns, which `parquet_metadata().column_id` counts. */
  readonly leafIndex: number | undefined;
}

/** Statistics of one leaf column over the whole file, DuckLake-encoded. Null means unknown. */
export interface ParquetLeafStats {
  readonly valueCount: number | null;
  readonly nullCount: number | null;
  readonly min: string | null;
  readonly max: string | null;
  readonly containsNan: boolean | null;
  readonly columnSizeBytes: number;
}

export interface ParquetFileFacts {
  readonly path: string;
  readonly recordCount: number;
  readonly fileSizeBytes: number;
  readonly footerSize: number;
  readonly columns: readonly ParquetColumnNode[];
  readonly leafStats: ReadonlyMap<number, ParquetLeafStats>;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** A scalar DuckDB returned as JS (string, number, bigint, boolean) as text; anything else is a bug. */
export function scalarText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  throw new Error(`expected a scalar from DuckDB, got ${typeof v}`);
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : scalarText(v));

interface SchemaRow {
  readonly name: string;
  readonly numChildren: number;
  readonly convertedType: string | null;
  readonly duckdbType: string | null;
}

interface RawNode {
  readonly row: SchemaRow;
  readonly children: RawNode[];
}

/** A canonical rendering of a column's type including its children, to tell whether a column changed type. */
export function typeSignature(node: ParquetColumnNode): string {
  if (node.children.length === 0) return node.type;
  return `${node.type}<${node.children.map((c) => `${c.name}:${typeSignature(c)}`).join(",")}>`;
}

/**
 * Reads what the catalog records about a Parquet file from its footer alone: row count, sizes, the column tree
 * and per-column statistics summed over row groups. Floating-point columns are the one exception: DuckDB leaves
 * out min/max for a row group holding NaN or an infinity and the footer has no NaN flag, so top-level float
 * columns are scanned (one pass over those columns only) to record exact bounds and `contains_nan`.
 */
export async function readParquetFacts(
  connection: DuckDBConnection,
  path: string,
): Promise<ParquetFileFacts> {
  const file = sqlString(path);
  const fileRows = (
    await connection.runAndReadAll(
      `SELECT num_rows, file_size_bytes, footer_size FROM parquet_file_metadata(${file})`,
    )
  ).getRowObjectsJS();
  const fileRow = fileRows[0];
  if (!fileRow) throw new Error(`parquet_file_metadata returned no row for ${path}`);

  const schemaRows = (
    await connection.runAndReadAll(
      `SELECT name, num_children, converted_type, duckdb_type FROM parquet_schema(${file}) ORDER BY column_id`,
    )
  )
    .getRowObjectsJS()
    .map((r): SchemaRow => ({
      name: scalarText(r.name),
      numChildren: num(r.num_children) ?? 0,
      convertedType: str(r.converted_type),
      duckdbType: str(r.duckdb_type),
    }));
  const columns = toColumns(path, parseTree(schemaRows));

  const statRows = (
    await connection.runAndReadAll(
      `SELECT column_id, num_values, stats_null_count, COALESCE(stats_min_value, stats_min) AS min_value,
              COALESCE(stats_max_value, stats_max) AS max_value, total_compressed_size
       FROM parquet_metadata(${file}) ORDER BY column_id, row_group_id`,
    )
  ).getRowObjectsJS();
  const leafTypes = new Map<number, string>();
  const collectLeaves = (node: ParquetColumnNode): void => {
    if (node.leafIndex !== undefined) leafTypes.set(node.leafIndex, node.type);
    node.children.forEach(collectLeaves);
  };
  columns.forEach(collectLeaves);

  const leafStats = new Map<number, ParquetLeafStats>();
  const grouped = new Map<number, Record<string, unknown>[]>();
  for (const row of statRows) {
    const id = Number(row.column_id);
    const list = grouped.get(id) ?? [];
    list.push(row);
    grouped.set(id, list);
  }
  for (const [leafIndex, rowGroups] of grouped) {
    const type = leafTypes.get(leafIndex);
    if (type === undefined) continue;
    leafStats.set(leafIndex, mergeRowGroups(type, rowGroups));
  }

  const floats = columns.filter(
    (c) => c.children.length === 0 && isFloatType(c.type) && c.leafIndex !== undefined,
  );
  if (floats.length > 0) {
    const select = floats
      .map((c, i) => {
        const col = sqlIdentifier(c.sourceName);
        return (
          `bool_or(isnan(${col})) AS n${i}, ` +
          `CAST(min(${col}) FILTER (WHERE NOT isnan(${col})) AS VARCHAR) AS lo${i}, ` +
          `CAST(max(${col}) FILTER (WHERE NOT isnan(${col})) AS VARCHAR) AS hi${i}`
        );
      })
      .join(", ");
    const scanned = (
      await connection.runAndReadAll(`SELECT ${select} FROM read_parquet(${file})`)
    ).getRowObjectsJS()[0];
    floats.forEach((c, i) => {
      const leafIndex = c.leafIndex as number;
      const footer = leafStats.get(leafIndex);
      if (!footer || !scanned) return;
      leafStats.set(leafIndex, {
        ...footer,
        containsNan: scanned[`n${i}`] === true,
        min: encodeStatValue(c.type, str(scanned[`lo${i}`])),
        max: encodeStatValue(c.type, str(scanned[`hi${i}`])),
      });
    });
  }

  return {
    path,
    recordCount: Number(fileRow.num_rows),
    fileSizeBytes: Number(fileRow.file_size_bytes),
    footerSize: Number(fileRow.footer_size),
    columns,
    leafStats,
  };
}

/** Sums counts over row groups and keeps the widest bounds; one row group without a bound makes it unknown. */
function mergeRowGroups(type: string, rowGroups: readonly Record<string, unknown>[]): ParquetLeafStats {
  let valueCount: number | null = 0;
  let nullCount: number | null = 0;
  let columnSizeBytes = 0;
  let min: string | null = null;
  let max: string | null = null;
  let boundsKnown = true;
  for (const rg of rowGroups) {
    const values = num(rg.num_values);
    const nulls = num(rg.stats_null_count);
    valueCount = valueCount === null || values === null ? null : valueCount + values;
    nullCount = nullCount === null || nulls === null ? null : nullCount + nulls;
    columnSizeBytes += num(rg.total_compressed_size) ?? 0;
    // A row group of nulls only has no bounds and needs none.
    if (values !== null && nulls !== null && values === nulls) continue;
    const lo = encodeStatValue(type, str(rg.min_value));
    const hi = encodeStatValue(type, str(rg.max_value));
    if (lo === null || hi === null) {
      boundsKnown = false;
      continue;
    }
    if (min === null || compareStatValues(type, lo, min) < 0) min = lo;
    if (max === null || compareStatValues(type, hi, max) > 0) max = hi;
  }
  return {
    valueCount,
    nullCount,
    min: boundsKnown ? min : null,
    max: boundsKnown ? max : null,
    containsNan: null,
    columnSizeBytes,
  };
}

/** Rebuilds the schema tree from the flattened, depth-first rows `parquet_schema` returns (root first). */
function parseTree(rows: readonly SchemaRow[]): RawNode[] {
  let position = 0;
  const take = (): RawNode => {
    const row = rows[position++];
    if (!row) throw new Error("parquet_schema ended inside a group");
    const children: RawNode[] = [];
    for (let i = 0; i < row.numChildren; i++) children.push(take());
    return { row, children };
  };
  const root = take();
  return root.children;
}

function toColumns(path: string, nodes: readonly RawNode[]): ParquetColumnNode[] {
  let nextLeaf = 0;
  const unsupported = (what: string): ValidationError =>
    new ValidationError(`Parquet file ${path}: ${what} cannot be registered in a DuckLake catalog`, {
      details: { file: path },
      hint: "Write the column with a DuckLake type (numbers, strings, dates, timestamps, lists, structs, maps)",
    });
  // Leaves are numbered in depth-first schema order, which is how parquet_metadata numbers column chunks.
  const convert = (node: RawNode, name: string, sourceName: string): ParquetColumnNode => {
    const { row } = node;
    if (node.children.length === 0) {
      const type = row.duckdbType ? duckLakeTypeOf(row.duckdbType) : undefined;
      if (!type) throw unsupported(`column "${row.name}" of type ${row.duckdbType ?? "unknown"}`);
      return { name, sourceName, type, children: [], leafIndex: nextLeaf++ };
    }
    if (row.convertedType === "LIST") {
      const repeated = node.children[0];
      const element = repeated?.children.length === 1 ? repeated.children[0] : undefined;
      if (node.children.length !== 1 || !repeated || !element) {
        throw unsupported(`list column "${row.name}" in a legacy two-level layout`);
      }
      return {
        name,
        sourceName,
        type: "list",
        children: [convert(element, "element", "list")],
        leafIndex: undefined,
      };
    }
    if (row.convertedType === "MAP" || row.convertedType === "MAP_KEY_VALUE") {
      const keyValue = node.children[0];
      const key = keyValue?.children[0];
      const value = keyValue?.children[1];
      if (node.children.length !== 1 || !key || !value || keyValue.children.length !== 2) {
        throw unsupported(`map column "${row.name}" without a key_value group of two fields`);
      }
      return {
        name,
        sourceName,
        type: "map",
        children: [convert(key, "key", key.row.name), convert(value, "value", value.row.name)],
        leafIndex: undefined,
      };
    }
    return {
      name,
      sourceName,
      type: "struct",
      children: node.children.map((c) => convert(c, c.row.name, c.row.name)),
      leafIndex: undefined,
    };
  };
  return nodes.map((n) => convert(n, n.row.name, n.row.name));
}
