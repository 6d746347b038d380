import { FormatError } from "../convert/format-error.js";

export type Compression = "gzip" | "bzip2" | "xz";

/**
 * A compressed input that cannot be decompressed completely: cut short (`compressed_truncated`) or damaged
 * (`compressed_corrupt`). Either way nothing converted from it may be kept, since the data after the damage is
 * lost and a decoder may already have produced wrong bytes before noticing. `byteOffset` is in the file as stored:
 * where it ends for a truncated file; for a corrupt one, where the decoder was when it noticed (for gzip, the start
 * of the compressed piece being inflated; for bzip2, the end of the damaged block; for xz, the structure named).
 */
export function compressedInputError(args: {
  readonly compression: Compression;
  readonly file: string;
  readonly truncated: boolean;
  readonly byteOffset: number;
  /** The decoder's own words. */
  readonly detail: string;
  readonly cause?: unknown;
  /** What was read before the failure, e.g. "after 1,234 entries (line 1,240)". */
  readonly progress?: string;
}): FormatError {
  const { compression, file, truncated, byteOffset } = args;
  const what = truncated
    ? `the ${compression} stream ends early at compressed byte ${byteOffset}`
    : `the ${compression} stream is corrupt (found near compressed byte ${byteOffset})`;
  return new FormatError(
    truncated ? "compressed_truncated" : "compressed_corrupt",
    `${what} (${args.detail})${args.progress === undefined ? "" : ` ${args.progress}`}; nothing was converted`,
    {
      file,
      byteOffset,
      hint: truncated
        ? "The file is incomplete (an interrupted download or copy); fetch it again."
        : "The file is damaged; fetch it again or recompress it from the original.",
      ...(args.cause === undefined ? {} : { cause: args.cause }),
    },
  );
}

/** Whether a zlib error means the input ended before the stream did (as opposed to bad data). */
export function isZlibTruncation(error: { code?: unknown; message?: unknown }): boolean {
  return error.code === "Z_BUF_ERROR" || /unexpected end/i.test(String(error.message));
}
