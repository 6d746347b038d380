import { sqlIdentifier, sqlString } from "@omicslake/core";

/*
 * How a curated row becomes the JSON the API serves. DuckDB's `to_json` already writes BIGINT as a
 * whole number and DATE as "YYYY-MM-DD", but writes a timestamp in the session's zone with a space
 * ("2019-01-17 13:10:26+00"); the API serves ISO 8601 in UTC ("2019-01-17T13:10:26Z"), so every
 * timestamp, nested ones included, is rendered here. The walk follows the Parquet file's own column
 * types (DuckDB's DESCRIBE), so a file of an older release loads as it is.
 */

const TIMESTAMP_TZ = "TIMESTAMP WITH TIME ZONE";

/** The largest whole number a JSON reader using IEEE doubles (JavaScript's) reads exactly: 2^53 − 1. */
export const MAX_EXACT_JSON_INTEGER = 9_007_199_254_740_991;

/** A column of the curated file as DuckDB describes it. */
export interface DescribedColumn {
  readonly name: string;
  readonly type: string;
}

/** Splits `a, b(c, d), "e, f" g` at its top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/** The fields of `STRUCT(name TYPE, "quoted name" TYPE, …)`. */
function structFields(type: string): { name: string; type: string }[] {
  return splitTopLevel(type.slice("STRUCT(".length, -1)).map((field) => {
    if (field.startsWith('"')) {
      let end = 1;
      while (end < field.length) {
        if (field[end] === '"' && field[end + 1] === '"') end += 2;
        else if (field[end] === '"') break;
        else end++;
      }
      return { name: field.slice(1, end).replaceAll('""', '"'), type: field.slice(end + 1).trim() };
    }
    const space = field.indexOf(" ");
    return { name: field.slice(0, space), type: field.slice(space + 1).trim() };
  });
}

const isList = (type: string): boolean => type.endsWith("[]");
const isStruct = (type: string): boolean => type.startsWith("STRUCT(") && type.endsWith(")");

/** ISO 8601 in UTC, fractional seconds only when there are some. */
const isoTimestamp = (expr: string): string =>
  `regexp_replace(strftime(timezone('UTC', ${expr}), '%Y-%m-%dT%H:%M:%S.%fZ'), '[.]?0+Z$', 'Z')`;

/** `expr` (of DuckDB type `type`) with every timestamp inside it rendered as ISO 8601 text. */
function rendered(expr: string, type: string, depth: number): string {
  if (!type.includes(TIMESTAMP_TZ)) return expr;
  if (type === TIMESTAMP_TZ) return isoTimestamp(expr);
  if (isList(type)) {
    const e = `e${depth}`;
    return `list_transform(${expr}, lambda ${e}: ${rendered(e, type.slice(0, -2), depth + 1)})`;
  }
  if (isStruct(type)) {
    const fields = structFields(type).map(
      (f) =>
        `${sqlIdentifier(f.name)} := ${rendered(`(${expr}).${sqlIdentifier(f.name)}`, f.type, depth + 1)}`,
    );
    // A NULL struct stays NULL rather than becoming an object of NULL fields.
    return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(", ")}) END`;
  }
  // MAP values: no record schema puts a timestamp in a map; DuckDB's own rendering is kept.
  return expr;
}

/**
 * The query yielding one JSON text per row of `source` (`j`), timestamps as ISO 8601 UTC.
 *
 * @example recordJsonQuery(columns, "read_parquet('sra_run.parquet')")
 */
export function recordJsonQuery(columns: readonly DescribedColumn[], source: string): string {
  const replaced = columns
    .filter((c) => c.type.includes(TIMESTAMP_TZ))
    .map((c) => `${rendered(sqlIdentifier(c.name), c.type, 0)} AS ${sqlIdentifier(c.name)}`);
  const relation =
    replaced.length === 0 ? source : `(SELECT * REPLACE (${replaced.join(", ")}) FROM ${source})`;
  return `SELECT to_json(t)::VARCHAR AS j FROM ${relation} AS t`;
}

/** True when `expr` (of DuckDB type `type`) holds a whole number beyond ±(2^53 − 1) anywhere inside it. */
function exceeds(expr: string, type: string, depth: number): string | undefined {
  if (type === "BIGINT" || type === "HUGEINT" || type === "UBIGINT")
    return `abs(${expr}) > ${MAX_EXACT_JSON_INTEGER}`;
  if (isList(type)) {
    const e = `e${depth}`;
    const inner = exceeds(e, type.slice(0, -2), depth + 1);
    return inner && `list_bool_or(list_transform(${expr}, lambda ${e}: coalesce(${inner}, false)))`;
  }
  if (isStruct(type)) {
    const inner = structFields(type)
      .map((f) => exceeds(`(${expr}).${sqlIdentifier(f.name)}`, f.type, depth + 1))
      .filter((x) => x !== undefined)
      .map((x) => `coalesce(${x}, false)`);
    return inner.length === 0 ? undefined : `(${inner.join(" OR ")})`;
  }
  return undefined;
}

/**
 * A query returning the first row (`accession`, `column`) of `source` whose whole numbers a JSON reader
 * could not read exactly, or no row; undefined when no column can hold one.
 */
export function inexactIntegerQuery(columns: readonly DescribedColumn[], source: string): string | undefined {
  const checks = columns
    .map((c) => ({ name: c.name, test: exceeds(sqlIdentifier(c.name), c.type, 0) }))
    .filter((c): c is { name: string; test: string } => c.test !== undefined);
  if (checks.length === 0) return undefined;
  const which = checks.map((c) => `WHEN coalesce(${c.test}, false) THEN ${sqlString(c.name)}`).join(" ");
  return `SELECT accession, column_name FROM (SELECT accession, CASE ${which} END AS column_name FROM ${source}) WHERE column_name IS NOT NULL LIMIT 1`;
}
