/**
 * A parse failure a user can act on: which file, where in it (byte offset of the uncompressed stream
 * and, for line formats, the 1-based line), which record was being read, and what to do.
 * Records emitted before the error stay valid.
 */
export interface ParseLocation {
  readonly file?: string;
  readonly byteOffset?: number;
  readonly line?: number;
  /** Accession or element of the record being read when the error happened. */
  readonly record?: string;
}

export class ParseError extends Error {
  readonly code: string;
  readonly location: ParseLocation;
  readonly hint: string | undefined;

  constructor(code: string, message: string, location: ParseLocation, options: { hint?: string; cause?: unknown } = {}) {
    const where = [
      location.file,
      location.line !== undefined ? `line ${location.line}` : undefined,
      location.byteOffset !== undefined ? `byte ${location.byteOffset}` : undefined,
      location.record !== undefined ? `in record ${location.record}` : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(", ");
    super(`${where ? `${where}: ` : ""}${message}${options.hint ? `. ${options.hint}` : ""}`, { cause: options.cause });
    this.name = "ParseError";
    this.code = code;
    this.location = location;
    this.hint = options.hint;
  }

  /** The `details` shape shared with the rest of omicslake's errors. */
  get details(): Record<string, unknown> {
    return { ...this.location };
  }
}
