/** What a `Range` header asks of an object of a known size. */
export type RangeRequest =
  | { readonly kind: "full" }
  | { readonly kind: "range"; readonly start: number; /** inclusive */ readonly end: number }
  | { readonly kind: "unsatisfiable" };

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * Reads a `Range` header (RFC 9110 §14.2) for an object of `size` bytes: `bytes=a-b`, `bytes=a-` and
 * `bytes=-n`. A header this server does not act on is ignored and the whole object is sent, as the RFC
 * allows: a unit other than bytes, a syntax error, and a request for several ranges (answering those
 * would need multipart/byteranges, which range readers such as DuckDB's httpfs never ask for; a 200 with
 * every byte is always a correct answer). A well-formed range that starts at or past the end, or a
 * zero-length suffix, is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: "full" };
  const match = SINGLE_RANGE.exec(header);
  if (!match) return { kind: "full" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "full" };
  if (first === "") {
    // A suffix: the last n bytes.
    const n = Number(last);
    if (!Number.isSafeInteger(n)) return { kind: "full" };
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) {
    // Digits beyond 2^53: a start that large is past any object; an end that large means "to the end".
    if (!Number.isSafeInteger(start)) return { kind: "unsatisfiable" };
    return start < size ? { kind: "range", start, end: size - 1 } : { kind: "unsatisfiable" };
  }
  if (last !== "" && end < start) return { kind: "full" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "range", start, end: Math.min(end, size - 1) };
}
