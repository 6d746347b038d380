import { OmicslakeError, type ErrorCode } from "@omicslake/core";

/**
 * An asset-graph step could not go on: an unknown asset or selection, a cycle, an invalid automation
 * condition, an asset-partition already running, an upstream that failed. `details` names the asset key,
 * partition or config key involved.
 */
export class AssetError extends OmicslakeError {
  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
