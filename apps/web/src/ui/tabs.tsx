import type { JSX } from "preact";
import { Link } from "../router/link.js";
import { withQuery } from "../router/router.js";

/** Tabs kept in the URL (`?tab=files`), so each tab can be linked to. */
export function Tabs({
  tabs,
  active,
  param = "tab",
}: {
  tabs: readonly { id: string; label: string }[];
  active: string;
  param?: string;
}): JSX.Element {
  return (
    <nav class="tabs" role="tablist">
      {tabs.map((t) => (
        <Link
          key={t.id}
          role="tab"
          aria-selected={t.id === active}
          class={t.id === active ? "tab active" : "tab"}
          href={withQuery({ [param]: t.id, cursor: null })}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
