/** Stable codes of Matrix Market input errors. */
export type MtxErrorCode =
  | "mtx_malformed"
  | "mtx_header_mismatch"
  | "mtx_index_out_of_range"
  | "mtx_value_out_of_range"
  | "mtx_truncated"
  | "mtx_unsupported"
  | "tenx_incomplete";

export interface MtxErrorDetails {
  readonly file: string;
  /** 1-based line of the offending text, when known. */
  readonly line?: number;
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * A Matrix Market file (or a 10x directory's name files) that cannot be read as declared: carries a stable `code`,
 * the file, the line and what to do. The message starts with `mtx line N:` as users see it in logs.
 */
export class MtxFormatError extends Error {
  readonly code: MtxErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly location: string | undefined;
  readonly hint: string | undefined;

  constructor(code: MtxErrorCode, reason: string, details: MtxErrorDetails) {
    const where = details.line === undefined ? "mtx" : `mtx line ${details.line}`;
    const hint = details.hint === undefined ? "" : ` (${details.hint})`;
    super(
      `${where}: ${reason}${hint} [${details.file}]`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = "MtxFormatError";
    this.code = code;
    this.file = details.file;
    this.line = details.line;
    this.location = details.line === undefined ? undefined : `line ${details.line}`;
    this.hint = details.hint;
  }
}
