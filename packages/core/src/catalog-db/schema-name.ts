import { ValidationError } from "../errors/omicslake-error.js";

/**
 * Checks a PostgreSQL schema name and returns it double-quoted for SQL. Only lower-case letters,
 * digits and `_` are accepted so the name never needs escaping in a connection's `options`.
 */
export function quoteSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ValidationError(`invalid database schema name ${JSON.stringify(schema)}`, {
      details: { schema },
      hint: "Use 1 to 63 lower-case letters, digits or underscores, starting with a letter or underscore",
    });
  }
  return `"${schema}"`;
}

/** True for the errors two processes get when both create the same schema at once. */
export function isDuplicateSchemaError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "42P06" || code === "23505";
}
