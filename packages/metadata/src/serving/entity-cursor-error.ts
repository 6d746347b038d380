import { OmicslakeError } from "@omicslake/core";

/** A cursor this list did not produce (edited, truncated or from another entity). */
export class EntityCursorError extends OmicslakeError {
  constructor(cursor: string, entity: string, cause?: unknown) {
    super(
      "invalid_cursor",
      `invalid page cursor ${JSON.stringify(cursor.length > 80 ? `${cursor.slice(0, 80)}…` : cursor)}`,
      {
        details: { cursor, entity },
        hint: "Pass the next_cursor value of the previous page unchanged, or omit the cursor to start from the first page",
        cause,
      },
    );
  }
}
