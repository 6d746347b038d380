import { OmicslakeError } from "@omicslake/core";
import type { ErrorCode, ErrorLocation } from "@omicslake/core";

/** Stable codes of user-facing conversion errors; the CLI and the lake map them to messages and run records. */
export type FormatErrorCode = Extract<
  ErrorCode,
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
  | "compressed_corrupt"
  | "invalid_hdf5"
  | "h5ad_malformed"
  | "h5ad_unsupported"
  | "mtx_malformed"
  | "mtx_header_mismatch"
  | "mtx_index_out_of_range"
  | "mtx_value_out_of_range"
  | "mtx_truncated"
  | "mtx_unsupported"
  | "tenx_incomplete"
  | "reads_malformed"
>;

/** Where in the input a conversion failed, and what to do; `file` is always known. */
export interface FormatErrorDetails extends Omit<ErrorLocation, "file"> {
  /** The offending input file, directory or archive. */
  readonly file: string;
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * A conversion failed because of the input (not a bug): any converter's (RDS, pickle, CSV, h5ad, Matrix
 * Market, 10x, archives, compressed streams). Carries a stable `code`, the file, where in it (line, byte
 * offset, HDF5 object path as `key`, archive member) and what to do.
 */
export class FormatError extends OmicslakeError {
  declare readonly code: FormatErrorCode;
  /** The offending input file, directory or archive. */
  readonly file: string;

  constructor(code: FormatErrorCode, message: string, details: FormatErrorDetails) {
    const { hint, cause, ...location } = details;
    super(code, message, {
      location,
      ...(hint !== undefined ? { hint } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
    this.file = details.file;
  }
}
