import type { JSX } from "preact";
import { setQuery, useLocation } from "../router/router.js";

export interface QueryFilters<N extends string> {
  /** Each filter's value from the URL, "" when unset. */
  readonly values: Readonly<Record<N, string>>;
  /** True when any filter is set. */
  readonly filtered: boolean;
  /** Sets one filter (trimmed; "" removes it) and starts again from the first page. */
  set(this: void, name: N, value: string): void;
  /** Removes every filter and the page cursor. */
  clear(this: void): void;
}

/**
 * A list's filters kept in the URL query, so a filtered list can be linked to. A new filter always drops the
 * page cursor: a cursor belongs to the list it came from.
 */
export function useQueryFilters<N extends string>(names: readonly N[]): QueryFilters<N> {
  const { query } = useLocation();
  const values = Object.fromEntries(names.map((n) => [n, query.get(n) ?? ""])) as Record<N, string>;
  return {
    values,
    filtered: names.some((n) => values[n] !== ""),
    set: (name, value) => setQuery({ [name]: value.trim(), cursor: null }),
    clear: () => setQuery({ ...Object.fromEntries(names.map((n) => [n, null])), cursor: null }),
  };
}

/** A labelled text or date input for one of `useQueryFilters`' filters, applied when it changes. */
export function FilterField<N extends string>({
  filters,
  name,
  label,
  placeholder,
  type = "text",
  grow = false,
}: {
  filters: QueryFilters<N>;
  name: N;
  label: string;
  placeholder?: string;
  type?: "text" | "date";
  grow?: boolean;
}): JSX.Element {
  return (
    <label class={grow ? "field grow" : "field"}>
      {label}
      <input
        type={type}
        name={name}
        value={filters.values[name]}
        {...(placeholder !== undefined ? { placeholder } : {})}
        onChange={(e) => filters.set(name, e.currentTarget.value)}
      />
    </label>
  );
}

/** "Clear filters", shown only while a filter is set. */
export function ClearFiltersButton<N extends string>({
  filters,
}: {
  filters: QueryFilters<N>;
}): JSX.Element | null {
  if (!filters.filtered) return null;
  return (
    <button type="button" class="button" onClick={filters.clear}>
      Clear filters
    </button>
  );
}
