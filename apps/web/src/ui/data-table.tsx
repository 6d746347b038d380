import type { ComponentChildren, JSX } from "preact";

export interface Column<T> {
  readonly key: string;
  readonly label: string;
  readonly render?: (row: T) => ComponentChildren;
  readonly align?: "left" | "right";
  /** Hidden on narrow (phone) screens: secondary columns. */
  readonly secondary?: boolean;
}

/** A table that scrolls sideways on a narrow screen rather than squeezing its columns. */
export function DataTable<T>({
  columns,
  rows,
  rowKey,
  empty,
  caption,
  testId,
}: {
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  /** Shown instead of an empty table. */
  empty?: ComponentChildren;
  caption?: string;
  testId?: string;
}): JSX.Element {
  if (rows.length === 0 && empty !== undefined) return <>{empty}</>;
  return (
    <div class="table-wrap" data-testid={testId}>
      <table class="table">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.key}
                scope="col"
                class={[c.align === "right" ? "num" : "", c.secondary ? "secondary" : ""].join(" ")}
              >
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td
                  key={c.key}
                  class={[c.align === "right" ? "num" : "", c.secondary ? "secondary" : ""].join(" ")}
                >
                  {c.render ? c.render(row) : cellText((row as Record<string, unknown>)[c.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function cellText(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}
