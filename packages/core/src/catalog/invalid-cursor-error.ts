import type { ErrorCode } from "../errors/error-codes.js";
import { ValidationError } from "../errors/omicslake-error.js";

/** A page cursor that this list did not produce (edited, truncated, or from another list). */
export class InvalidCursorError extends ValidationError {
  override readonly code: ErrorCode = "invalid_cursor";

  constructor(cursor: string, options: { cause?: unknown } = {}) {
    super(`invalid page cursor ${JSON.stringify(cursor.length > 80 ? `${cursor.slice(0, 80)}…` : cursor)}`, {
      details: { cursor },
      hint: "Pass the next_cursor value of the previous page unchanged, or omit the cursor to start from the first page",
      ...options,
    });
  }
}
