// The errors entry only: the core's root would load the catalog, DuckDB and the AWS SDK into every parse.
import { OmicslakeError } from "@omicslake/core/errors";
import type { ErrorCode, ErrorLocation } from "@omicslake/core/errors";

/**
 * Where a parse failed: the file, the byte offset of the uncompressed stream and, for line formats, the
 * 1-based line, and the accession or element of the record being read.
 */
export type ParseLocation = Pick<ErrorLocation, "file" | "byteOffset" | "line" | "record">;

/**
 * A parse failure a user can act on: which file, where in it, which record was being read, and what
 * to do. Records emitted before the error stay valid.
 */
export class ParseError extends OmicslakeError {
  declare readonly location: ParseLocation;

  constructor(
    code: ErrorCode,
    message: string,
    location: ParseLocation,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, { ...options, location });
  }
}
