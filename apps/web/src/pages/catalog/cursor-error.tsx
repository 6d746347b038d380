import type { JSX } from "preact";
import type { ApiRequestError } from "../../api/client.js";
import type { Loadable } from "../../api/use-api.js";
import { setQuery } from "../../router/router.js";

/**
 * A list whose `?cursor=` the server refused (edited by hand, or cut short when the link was copied): retrying
 * would fail the same way, so the way out is the first page.
 */
export function isCursorRefusal<T>(value: Loadable<T>): value is { status: "error"; error: ApiRequestError } {
  return value.status === "error" && value.error.code === "invalid_cursor";
}

export function CursorError(): JSX.Element {
  return (
    <div class="state state-error" role="alert" data-testid="cursor-error">
      <strong>This page link no longer works</strong>
      <p>
        Its page cursor is not one the server handed out; the list can only be opened from its first page.
      </p>
      <div class="state-actions">
        <button type="button" class="button" onClick={() => setQuery({ cursor: null })}>
          Back to the first page
        </button>
      </div>
    </div>
  );
}
