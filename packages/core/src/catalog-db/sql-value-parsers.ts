/**
 * Text-format parsers shared by both engines so a row reads the same whichever engine produced it:
 * PGlite and `pg` disagree on int8 (number vs string) and numeric (string on both), and the catalog
 * wants plain numbers for ids, sizes, counts and sums.
 */

/** PostgreSQL type oids the clients override. */
export const PG_OIDS = { int8: 20, numeric: 1700, int8Array: 1016, numericArray: 1231 } as const;

/**
 * int8 as a JS number. Ids, sizes and byte totals stay far below 2^53 in any real lake; a value
 * above it would silently round, so it fails loudly instead.
 */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`int8 value ${text} does not fit a JavaScript number exactly (limit 2^53 - 1)`);
  }
  return value;
}

/** numeric (what sum() of bigint returns) as a JS number; the catalog only produces integral sums. */
export function parseNumeric(text: string): number {
  const value = Number(text);
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new RangeError(`numeric value ${text} does not fit a JavaScript number exactly (limit 2^53 - 1)`);
  }
  return value;
}

/** Applies `parse` to every leaf of a (possibly nested) array of strings, keeping NULLs. */
export function mapArrayLeaves(value: unknown, parse: (text: string) => number): unknown {
  if (Array.isArray(value)) return value.map((item) => mapArrayLeaves(item, parse));
  if (typeof value === "string") return parse(value);
  return value;
}
