import { sqlIdentifier, sqlString, ValidationError } from "@omicslake/core";
import type { CellFilter, CellValue } from "../../model/expression-types.js";

/**
 * A filter as a SQL condition on the columns of `alias` (cells or genes). Column names are quoted identifiers
 * and values literals, so a name or value with quotes, semicolons or any other text stays one name or one
 * value. `null` in `in` matches a missing value; `min`/`max` are inclusive and compare numbers, or text
 * (a date column compares an ISO date given as text). An empty filter is TRUE.
 *
 * @example cellFilterSql({ donor: { in: ["d1", null] }, n_count: { min: 100 } }, "c")
 * // (c."donor" IN ('d1') OR c."donor" IS NULL) AND c."n_count" >= 100
 */
export function cellFilterSql(filter: CellFilter, alias?: string): string {
  const parts = Object.entries(filter).map(([column, condition]) => {
    const col = alias === undefined ? sqlIdentifier(column) : `${alias}.${sqlIdentifier(column)}`;
    if ("in" in condition) {
      const values = condition.in.filter((v) => v !== null);
      const hasNull = values.length < condition.in.length;
      const options: string[] = [];
      if (values.length > 0)
        options.push(`${col} IN (${values.map((v) => valueLiteral(v, column)).join(", ")})`);
      if (hasNull) options.push(`${col} IS NULL`);
      return options.length === 0 ? "FALSE" : `(${options.join(" OR ")})`;
    }
    const bounds: string[] = [];
    if (condition.min !== undefined) bounds.push(`${col} >= ${valueLiteral(condition.min, column)}`);
    if (condition.max !== undefined) bounds.push(`${col} <= ${valueLiteral(condition.max, column)}`);
    return bounds.length === 0 ? `${col} IS NOT NULL` : `(${bounds.join(" AND ")})`;
  });
  return parts.length === 0 ? "TRUE" : parts.join(" AND ");
}

/** A value as a SQL literal: numbers must be finite, text is quoted, booleans are TRUE/FALSE. */
export function valueLiteral(value: Exclude<CellValue, null>, column: string): string {
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new ValidationError(`filter on ${JSON.stringify(column)}: ${value} is not a finite number`, {
        details: { column, value: String(value) },
        hint: "Compare with a finite number",
      });
    // A DOUBLE literal, so that a large integer and a fraction compare the same way.
    return `${value}::DOUBLE`;
  }
  return sqlString(value);
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
