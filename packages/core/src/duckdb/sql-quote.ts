import { ValidationError } from "../errors/omicslake-error.js";

/*
 * DuckDB takes file paths, option values and names only as SQL text in many places (read_parquet, COPY … TO,
 * SET, CREATE VIEW), where a prepared-statement parameter is not accepted. These helpers are the one way the
 * lake writes such values into SQL. A NUL character is refused rather than escaped: DuckDB hands parts of the
 * statement to C code that would end the string at the NUL, so what it ran would not be what was quoted.
 */

function refuseNul(value: string, what: string): void {
  if (value.includes("\0")) {
    throw new ValidationError(
      `${what} ${JSON.stringify(value)} contains a NUL character and cannot go into SQL`,
      {
        details: { value },
        hint: "Remove the NUL character (\\0) from the name or path",
      },
    );
  }
}

/**
 * A SQL string literal: single quotes doubled, so any text (quotes, backslashes, newlines) stays one literal.
 *
 * @example `SELECT * FROM read_parquet(${sqlString(path)})` // read_parquet('it''s.parquet')
 */
export function sqlString(value: string): string {
  refuseNul(value, "text");
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A quoted SQL identifier (table, view or column name): double quotes doubled, so reserved words, spaces and
 * quotes in the name stay part of one name. An empty name is refused: SQL has no empty identifier.
 *
 * @example `SELECT ${sqlIdentifier('my "col"')} FROM t` // SELECT "my ""col""" FROM t
 */
export function sqlIdentifier(name: string): string {
  if (name.length === 0) {
    throw new ValidationError("an empty name cannot be a SQL identifier", {
      details: { value: name },
      hint: "Give the table or column a non-empty name",
    });
  }
  refuseNul(name, "name");
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A DuckDB list literal of strings, as `read_parquet` takes several files.
 *
 * @example `read_parquet(${sqlList(files)}, union_by_name = true)` // read_parquet(['a.parquet', 'b.parquet'], …)
 */
export function sqlList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(", ")}]`;
}
