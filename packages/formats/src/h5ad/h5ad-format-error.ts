/** Stable codes of HDF5 / AnnData input errors. */
export type H5adErrorCode = "invalid_hdf5" | "h5ad_malformed" | "h5ad_unsupported";

export interface H5adErrorDetails {
  readonly file: string;
  /** The HDF5 object path (`/X/indptr`, `/obs/cell_type`) or byte offset, when known. */
  readonly location?: string;
  readonly hint?: string;
  readonly cause?: unknown;
}

/** An HDF5 file (h5ad or 10x .h5) that cannot be read as what it claims to be. */
export class H5adFormatError extends Error {
  readonly code: H5adErrorCode;
  readonly file: string;
  readonly location: string | undefined;
  readonly hint: string | undefined;

  constructor(code: H5adErrorCode, reason: string, details: H5adErrorDetails) {
    const where = details.location === undefined ? "" : ` at ${details.location}`;
    const hint = details.hint === undefined ? "" : ` (${details.hint})`;
    super(
      `${details.file}${where}: ${reason}${hint}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = "H5adFormatError";
    this.code = code;
    this.file = details.file;
    this.location = details.location;
    this.hint = details.hint;
  }
}
