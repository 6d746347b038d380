import type { JSX } from "preact";
import { useLocation, withQuery, navigate } from "../router/router.js";

/**
 * Keyset paging kept in the URL: `cursor` names the page, so a page can be linked to. The cursors of the
 * pages walked through are remembered for this list, in order (keyset cursors only go forward): the
 * current page is found in that trail by its cursor rather than counted by clicks, so the browser's back
 * and forward buttons keep the page number and "Previous" right. A page opened from a link offers "First
 * page" instead of "Previous".
 */
// `cursors[i]` is the cursor of the trail's i-th page; "" is the first page of the list.
let trail: { list: string; cursors: readonly string[] } = { list: "", cursors: [] };

function listOf(query: URLSearchParams, param: string, ignore: readonly string[]): string {
  const copy = new URLSearchParams(query);
  copy.delete(param);
  for (const name of ignore) copy.delete(name);
  return location.pathname + "?" + copy.toString();
}

export function Pager({
  nextCursor,
  count,
  param = "cursor",
  ignore = [],
}: {
  nextCursor: string | null;
  count: number;
  param?: string;
  /** Query parameters that do not change the list (a detail panel opened beside it), so the trail survives them. */
  ignore?: readonly string[];
}): JSX.Element | null {
  const { query } = useLocation();
  const cursor = query.get(param);
  const list = listOf(query, param, ignore);
  if (trail.list !== list) trail = { list, cursors: [] };
  const at = trail.cursors.indexOf(cursor ?? "");
  const page = !cursor ? 1 : at > 0 && trail.cursors[0] === "" ? at + 1 : null;
  const previous = cursor && at > 0 ? trail.cursors[at - 1]! : null;
  if (!cursor && !nextCursor) return null;
  return (
    <nav class="pager" aria-label="pages">
      {previous !== null && (
        <button
          type="button"
          class="button"
          onClick={() => navigate(withQuery({ [param]: previous || null }))}
        >
          ← Previous
        </button>
      )}
      {cursor && previous === null && (
        <button type="button" class="button" onClick={() => navigate(withQuery({ [param]: null }))}>
          ⇤ First page
        </button>
      )}
      <span class="muted">
        {page !== null ? `page ${page} · ` : ""}
        {count} shown
      </span>
      {nextCursor && (
        <button
          type="button"
          class="button"
          onClick={() => {
            // Pages past this one in the trail are left behind (the browser went back, then Next).
            const walked = at >= 0 ? trail.cursors.slice(0, at + 1) : [cursor ?? ""];
            trail = { list, cursors: [...walked, nextCursor] };
            navigate(withQuery({ [param]: nextCursor }));
          }}
        >
          Next →
        </button>
      )}
    </nav>
  );
}
