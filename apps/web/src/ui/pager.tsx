import type { JSX } from "preact";
import { useLocation, withQuery, navigate } from "../router/router.js";

/**
 * Keyset paging kept in the URL: `cursor` names the page, so a page can be linked to. The cursors of the
 * pages before it are remembered for this list (keyset cursors only go forward); a page opened from a link
 * offers "First page" instead of "Previous".
 */
let trail: { list: string; cursors: string[] } = { list: "", cursors: [] };

function listOf(query: URLSearchParams): string {
  const copy = new URLSearchParams(query);
  copy.delete("cursor");
  return location.pathname + "?" + copy.toString();
}

export function Pager({
  nextCursor,
  count,
  param = "cursor",
}: {
  nextCursor: string | null;
  count: number;
  param?: string;
}): JSX.Element | null {
  const { query } = useLocation();
  const cursor = query.get(param);
  const list = listOf(query);
  if (trail.list !== list) trail = { list, cursors: [] };
  const page = cursor ? (trail.cursors.length > 0 ? trail.cursors.length + 1 : null) : 1;
  if (!cursor && !nextCursor) return null;
  return (
    <nav class="pager" aria-label="pages">
      {cursor && trail.cursors.length > 0 && (
        <button
          type="button"
          class="button"
          onClick={() => {
            const previous = trail.cursors.pop();
            navigate(withQuery({ [param]: previous || null }));
          }}
        >
          ← Previous
        </button>
      )}
      {cursor && trail.cursors.length === 0 && (
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
            trail.cursors.push(cursor ?? "");
            navigate(withQuery({ [param]: nextCursor }));
          }}
        >
          Next →
        </button>
      )}
    </nav>
  );
}
