/*
 * ClickHouse 18.16 has no query parameters, so every value a query compares with is written into the SQL text.
 * These helpers are the one way the engine does it. ClickHouse reads backslash escapes inside string literals
 * and backquoted names (unlike standard SQL), so a backslash is escaped as well as the quote; control characters
 * are written as escapes, so a NUL or a newline stays part of the value instead of ending or splitting it.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "\0": "\\0",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function escapeText(value: string, quote: "'" | "`"): string {
  let out = "";
  for (const ch of value) {
    if (ch === quote) out += `\\${quote}`;
    else out += ESCAPES[ch] ?? ch;
  }
  return out;
}

/**
 * A ClickHouse string literal: any text (quotes, backslashes, NUL, newlines, unicode) stays one literal.
 *
 * @example `WHERE cell_type = ${chString("B cell's")}` // WHERE cell_type = 'B cell\'s'
 */
export function chString(value: string): string {
  return `'${escapeText(value, "'")}'`;
}

/**
 * A backquoted ClickHouse identifier (table or column name). An empty name is refused: there is no empty
 * identifier, and a quoted empty name would make a query that reads a different column than meant.
 */
export function chIdentifier(name: string): string {
  if (name.length === 0) throw new Error("an empty name cannot be a ClickHouse identifier");
  return `\`${escapeText(name, "`")}\``;
}

/**
 * A number literal, refused unless finite: `NaN` or `Infinity` written into SQL would be read as a column name
 * or as ClickHouse's own nan/inf, neither of which a caller meant.
 */
export function chNumber(value: number): string {
  if (!Number.isFinite(value))
    throw new Error(`a number written into ClickHouse SQL must be finite, got ${value}`);
  return Object.is(value, -0) ? "0" : String(value);
}

/** A whole number literal (indexes, limits, counts), refused unless it is a safe integer. */
export function chInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`expected an integer for ClickHouse SQL, got ${value}`);
  return String(value);
}

/** A literal for a scalar a filter compares with: text, number or boolean (written 1/0, as stored). */
export function chScalar(value: string | number | boolean): string {
  if (typeof value === "string") return chString(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  return chNumber(value);
}
