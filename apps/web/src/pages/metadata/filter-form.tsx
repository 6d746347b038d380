import type { JSX } from "preact";
import { setQuery } from "../../router/router.js";
import type { FilterSpec } from "./api-description.js";
import { parameterLabel } from "./entity-labels.js";

/**
 * The search box and the entity's filters, as the API describes them. Values are applied together (one
 * request per search, not per keystroke) and kept in the URL.
 */
export function FilterForm({
  filters,
  search,
  query,
}: {
  filters: readonly FilterSpec[];
  search: boolean;
  query: URLSearchParams;
}): JSX.Element {
  const names = [...(search ? ["q"] : []), ...filters.map((f) => f.name)];
  const active = names.filter((n) => query.get(n)).length;
  const activeFilters = filters.filter((f) => query.get(f.name)).length;
  const apply = (event: JSX.TargetedEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const update: Record<string, string | null> = { cursor: null };
    for (const name of names) {
      const value = form.get(name);
      update[name] = typeof value === "string" && value.trim() ? value.trim() : null;
    }
    setQuery(update);
  };
  const clear = (): void => {
    const update: Record<string, null> = { cursor: null };
    for (const name of names) update[name] = null;
    setQuery(update);
  };
  return (
    <form class="panel metadata-filters" onSubmit={apply} aria-label="search and filters" role="search">
      {search && (
        <div class="filters">
          <label class="field grow">
            Search
            <input
              type="search"
              name="q"
              defaultValue={query.get("q") ?? ""}
              placeholder='words, "a phrase", or, -excluded'
            />
          </label>
          <button type="submit" class="button primary">
            Search
          </button>
          {active > 0 && (
            <button type="button" class="button" onClick={clear}>
              Clear all
            </button>
          )}
        </div>
      )}
      {filters.length > 0 && (
        <details class="metadata-filter-details" open={activeFilters > 0 || wideScreen()}>
          <summary>Filters{activeFilters > 0 ? ` (${activeFilters} applied)` : ""}</summary>
          <div class="metadata-filter-grid">
            {filters.map((f) => (
              <FilterField key={f.name} spec={f} value={query.get(f.name) ?? ""} />
            ))}
          </div>
        </details>
      )}
      {!search && (
        <div class="filters">
          <button type="submit" class="button primary">
            Apply filters
          </button>
          {active > 0 && (
            <button type="button" class="button" onClick={clear}>
              Clear all
            </button>
          )}
        </div>
      )}
      {search && filters.length > 0 && (
        <p class="muted metadata-filter-hint">Filters apply with Search; dates are inclusive.</p>
      )}
    </form>
  );
}

/** A phone starts with the filters folded: a dozen fields would push the results off the screen. */
function wideScreen(): boolean {
  return window.matchMedia?.("(min-width: 761px)").matches ?? true;
}

function FilterField({ spec, value }: { spec: FilterSpec; value: string }): JSX.Element {
  const label = parameterLabel(spec.name);
  const common = { name: spec.name, title: spec.description || label };
  let input: JSX.Element;
  if (spec.kind === "enum" || spec.kind === "boolean")
    input = (
      <select {...common} value={value}>
        <option value="">any</option>
        {(spec.kind === "boolean" ? ["true", "false"] : spec.options).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  else
    input = (
      <input
        {...common}
        type={spec.kind === "date" ? "date" : spec.kind === "text" ? "text" : "number"}
        step={spec.kind === "integer" ? 1 : undefined}
        defaultValue={value}
        placeholder={spec.example ?? ""}
      />
    );
  return (
    <label class="field">
      {label}
      {input}
    </label>
  );
}
