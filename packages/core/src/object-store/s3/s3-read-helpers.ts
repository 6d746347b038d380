import { pipeline, type Readable, type Transform } from "node:stream";
import { ValidationError } from "../../errors/omicslake-error.js";
import type { GetOptions } from "../object-store.js";

/** The Range header for a range, "" for an empty range, undefined for the whole object. */
export function rangeHeader(key: string, range: GetOptions["range"]): string | undefined {
  if (range === undefined) return undefined;
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new ValidationError(`byte range ${JSON.stringify(range)} for ${JSON.stringify(key)} is not valid`, {
      details: { key, range },
      hint: "Ask for 0 ≤ start < size and end > start (end is exclusive and is clipped to the size)",
    });
  }
  if (end === start) return "";
  return end === undefined ? `bytes=${start}-` : `bytes=${start}-${end - 1}`;
}

/** `attachment` with an ASCII fallback name and the exact name in RFC 5987 form. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function withVerification(stream: Readable, verifier: Transform | undefined): Readable {
  // pipeline forwards a read error to the verifier and releases the connection if the reader gives up.
  return verifier === undefined ? stream : pipeline(stream, verifier, () => undefined);
}
