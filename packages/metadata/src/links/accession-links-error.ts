import { OmicslakeError, type ErrorCode } from "@omicslake/core";

/**
 * A link lookup that cannot be answered as asked: an accession of no known kind (`invalid_accession`),
 * one the link table does not hold (`not_found`), a depth or type out of range (`invalid_input`), or a
 * result beyond the size limit (`result_too_large`). `details` carries the offending value.
 */
export class AccessionLinksError extends OmicslakeError {
  constructor(
    code: Extract<ErrorCode, "invalid_accession" | "not_found" | "invalid_input" | "result_too_large">,
    message: string,
    options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
