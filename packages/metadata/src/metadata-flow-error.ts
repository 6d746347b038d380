import { OmicslakeError } from "@omicslake/core";
import type { ErrorCode } from "@omicslake/core";

/**
 * A metadata-flow step could not go on: a raw object failed to parse, a dataset has no known format, a
 * query was refused. `details` names the dataset, object key or SQL involved.
 */
export class MetadataFlowError extends OmicslakeError {
  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
