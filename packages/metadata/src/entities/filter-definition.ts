import type { FilterKind } from "./entity-definition.js";

/**
 * A filter in one line. Literal types are kept, so the entity definition it goes into checks the
 * column against the entity's serving columns and the kind against the column's type.
 *
 * @example filter("organism", "organism", "lower", "Scientific name (case-insensitive)", "Homo sapiens")
 */
export const filter = <const Column extends string, const Kind extends FilterKind>(
  param: string,
  column: Column,
  kind: Kind,
  description: string,
  example: string | number,
): { param: string; column: Column; kind: Kind; description: string; example: string | number } => ({
  param,
  column,
  kind,
  description,
  example,
});
