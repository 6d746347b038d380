import { sqlIdentifier, sqlString, ValidationError } from "@omicslake/core";
import type { CellFilter, CellValue } from "../../model/expression-types.js";
import type { StoreColumn } from "../../store/store-layout.js";

/**
 * A filter as a SQL condition on the columns of `alias` (cells or genes). Column names are quoted identifiers
 * and values literals, so a name or value with quotes, semicolons or any other text stays one name or one
 * value. `null` in `in` matches a missing value; `min`/`max` are inclusive and compare numbers, or text
 * (a date column compares an ISO date given as text). An empty filter is TRUE.
 *
 * Values are checked against the column's type from the manifest (`columns`) before they reach SQL: DuckDB
 * would otherwise cast the whole column to the value's type and fail mid-scan ("could not convert 'B' to
 * DOUBLE"), an engine error where the caller gave a value of the wrong kind. Text that spells a number
 * compares with a number column, and a number or boolean with a text column compares as its text (a cluster
 * column holding "1", "2" filtered with 1).
 *
 * @example cellFilterSql({ donor: { in: ["d1", null] }, n_count: { min: 100 } }, columns, "c")
 * // (c."donor" IN ('d1') OR c."donor" IS NULL) AND c."n_count" >= 100::DOUBLE
 */
export function cellFilterSql(filter: CellFilter, columns: readonly StoreColumn[], alias?: string): string {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const parts = Object.entries(filter).map(([column, condition]) => {
    const col = alias === undefined ? sqlIdentifier(column) : `${alias}.${sqlIdentifier(column)}`;
    const kind = columnKind(types.get(column));
    if ("in" in condition) {
      const values = condition.in.filter((v) => v !== null);
      const hasNull = values.length < condition.in.length;
      const options: string[] = [];
      if (values.length > 0)
        options.push(`${col} IN (${values.map((v) => valueLiteral(v, column, kind)).join(", ")})`);
      if (hasNull) options.push(`${col} IS NULL`);
      return options.length === 0 ? "FALSE" : `(${options.join(" OR ")})`;
    }
    const bounds: string[] = [];
    for (const [op, bound] of [
      [">=", condition.min],
      ["<=", condition.max],
    ] as const) {
      if (bound === undefined) continue;
      if (kind === "boolean")
        throw wrongKind(column, bound, "a boolean column takes `in` with true or false, not a range");
      if (kind === "text" && typeof bound !== "string")
        throw wrongKind(column, bound, "a text column compares text bounds; give the bound as text");
      bounds.push(`${col} ${op} ${valueLiteral(bound, column, kind)}`);
    }
    return bounds.length === 0 ? `${col} IS NOT NULL` : `(${bounds.join(" AND ")})`;
  });
  return parts.length === 0 ? "TRUE" : parts.join(" AND ");
}

/** How values compare with a column: as numbers, text, booleans, dates; `other` leaves them to DuckDB. */
type ColumnKind = "number" | "text" | "boolean" | "date" | "other";

const NUMBER_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;

function columnKind(type: string | undefined): ColumnKind {
  if (type === undefined) return "other";
  if (NUMBER_TYPES.test(type)) return "number";
  if (type === "VARCHAR") return "text";
  if (type === "BOOLEAN") return "boolean";
  if (/^(DATE|TIMESTAMP.*)$/.test(type)) return "date";
  return "other";
}

/** A value as a SQL literal of the column's kind, or a ValidationError when it cannot be one. */
export function valueLiteral(
  value: Exclude<CellValue, null>,
  column: string,
  kind: ColumnKind = "other",
): string {
  switch (kind) {
    case "number": {
      const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof number !== "number") throw wrongKind(column, value, "a number column compares numbers");
      return numberLiteral(number, column);
    }
    case "text":
      return sqlString(typeof value === "string" ? value : String(value));
    case "boolean": {
      const bool = value === "true" ? true : value === "false" ? false : value;
      if (typeof bool !== "boolean")
        throw wrongKind(column, value, "a boolean column compares true or false");
      return bool ? "TRUE" : "FALSE";
    }
    case "date":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value)))
        throw wrongKind(column, value, "a date column compares ISO dates given as text (2024-01-31)");
      return sqlString(value);
    case "other":
      if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
      if (typeof value === "number") return numberLiteral(value, column);
      return sqlString(value);
  }
}

function numberLiteral(value: number, column: string): string {
  if (!Number.isFinite(value))
    throw new ValidationError(`filter on ${JSON.stringify(column)}: ${value} is not a finite number`, {
      details: { column, value: String(value) },
      hint: "Compare with a finite number",
    });
  // A DOUBLE literal, so that a large integer and a fraction compare the same way.
  return `${value}::DOUBLE`;
}

function wrongKind(column: string, value: CellValue, hint: string): ValidationError {
  return new ValidationError(
    `filter on ${JSON.stringify(column)}: ${JSON.stringify(value)} cannot be compared with its values`,
    { details: { column, value: String(value) }, hint },
  );
}

/** Checks that indexes handed to SQL are integers (cell ids, gene indexes), and writes them as a list. */
export function indexList(values: readonly number[], what: string): string {
  for (const v of values)
    if (!Number.isSafeInteger(v) || v < 0)
      throw new ValidationError(`${what} ${v} is not a valid index`, {
        details: { what, value: v },
        hint: `Give ${what} as non-negative integers`,
      });
  return values.join(", ");
}
