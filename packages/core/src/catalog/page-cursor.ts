import { ValidationError } from "../errors/omicslake-error.js";
import { InvalidCursorError } from "./invalid-cursor-error.js";

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/**
 * Keyset cursors: the sort key of the last row of a page, tagged with the list it belongs to, as
 * base64url JSON. Opaque to callers; a cursor from another list is refused rather than misread.
 */
export function encodeCursor(list: string, after: number | string): string {
  return Buffer.from(JSON.stringify({ l: list, a: after }), "utf8").toString("base64url");
}

export function decodeCursor(list: string, cursor: string, kind: "number"): number;
export function decodeCursor(list: string, cursor: string, kind: "string"): string;
export function decodeCursor(list: string, cursor: string, kind: "number" | "string"): number | string {
  let payload: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    throw new InvalidCursorError(cursor, { cause: error });
  }
  const { l, a } = (payload ?? {}) as { l?: unknown; a?: unknown };
  const valid =
    l === list &&
    (kind === "number" ? typeof a === "number" && Number.isSafeInteger(a) && a >= 0 : typeof a === "string");
  if (!valid) throw new InvalidCursorError(cursor);
  return a as number | string;
}

/** The page size to use: the default when omitted, an error outside 1…MAX_PAGE_LIMIT. */
export function resolveLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(`invalid page limit ${String(limit)}`, {
      details: { limit, max: MAX_PAGE_LIMIT },
      hint: `Use a whole number from 1 to ${MAX_PAGE_LIMIT}`,
    });
  }
  return limit;
}
