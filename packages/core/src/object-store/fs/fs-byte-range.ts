import { pipeline, type Readable, type Transform } from "node:stream";
import { ValidationError } from "../../errors/omicslake-error.js";
import type { GetOptions } from "../object-store.js";

/** The half-open byte span a range asks for, or undefined when it is empty. */
export function byteSpan(
  key: string,
  size: number,
  range: GetOptions["range"],
): { start: number; end: number } | undefined {
  if (range === undefined) return size === 0 ? undefined : { start: 0, end: size };
  const { start } = range;
  const end = range.end === undefined ? size : Math.min(range.end, size);
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (range.end !== undefined && !Number.isSafeInteger(range.end))
  ) {
    throw invalidRange(key, size, range);
  }
  if (range.end !== undefined && range.end === start) return undefined;
  if (start >= size || end < start) throw invalidRange(key, size, range);
  return { start, end };
}

function invalidRange(key: string, size: number, range: { start: number; end?: number }): ValidationError {
  return new ValidationError(
    `byte range ${JSON.stringify(range)} does not fit object ${JSON.stringify(key)} of ${size} bytes`,
    {
      details: { key, size, range },
      hint: "Ask for 0 ≤ start < size and end > start (end is exclusive and is clipped to the size)",
    },
  );
}

export function withVerification(stream: Readable, verifier: Transform | undefined): Readable {
  // pipeline forwards a read error to the verifier and closes the file if the reader gives up early.
  return verifier === undefined ? stream : pipeline(stream, verifier, () => undefined);
}
