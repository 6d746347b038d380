/** Stable codes of user-facing conversion errors; the CLI and the lake map them to messages and run records. */
export type FormatErrorCode =
  | "unsupported_r_type"
  | "unknown_sexp_type"
  | "rds_malformed"
  | "unsafe_pickle_global"
  | "pickle_malformed"
  | "unsupported_pickle_object"
  | "csv_malformed"
  | "archive_unsafe_member"
  | "archive_limit_exceeded"
  | "archive_malformed"
  | "unsupported_format"
  | "output_exists"
  | "compressed_truncated"
  | "compressed_corrupt";

export interface FormatErrorDetails {
  /** The offending input file (or archive member path). */
  readonly file: string;
  /** Where in the file: `byte 123`, `line 7`, `member data/x.rds`. */
  readonly location?: string;
  /** Byte offset in the file as stored (compressed bytes for a compressed file), when known. */
  readonly byteOffset?: number;
  /** What the user can do about it. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * A conversion failed because of the input (not a bug): carries a stable `code`, the file, where in it,
 * and what to do.
 */
export class FormatError extends Error {
  readonly code: FormatErrorCode;
  readonly file: string;
  readonly location: string | undefined;
  readonly byteOffset: number | undefined;
  readonly hint: string | undefined;

  constructor(code: FormatErrorCode, message: string, details: FormatErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "FormatError";
    this.code = code;
    this.file = details.file;
    this.location = details.location;
    this.byteOffset = details.byteOffset;
    this.hint = details.hint;
  }
}
