import type { ComponentChildren, JSX } from "preact";
import { useEffect } from "preact/hooks";

/** A page's title (also the browser tab's), an optional subtitle and actions on the right. */
export function PageHeader({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: ComponentChildren;
  children?: ComponentChildren;
}): JSX.Element {
  useEffect(() => {
    document.title = `${title} · omicslake`;
  }, [title]);
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p class="muted">{subtitle}</p>}
      </div>
      {children && <div class="page-actions">{children}</div>}
    </header>
  );
}
