import type { Dataset, Page } from "@omicslake/contract";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { Badge } from "../../ui/badge.js";
import { SearchInput } from "../../ui/search-input.js";
import { Loading } from "../../ui/states.js";

/** Finds a dataset by name (the catalog's full-text search) and reports the one chosen. */
export function DatasetPicker({
  onPick,
  disabled,
}: {
  onPick: (dataset: Dataset) => void;
  disabled?: boolean;
}): JSX.Element {
  const [q, setQ] = useState("");
  const results = useApi<Page<Dataset>>(q ? apiUrl("/v1/catalog", { q, limit: 8 }) : null);
  return (
    <div class="dataset-picker">
      <label class="field">
        Dataset
        <SearchInput
          type="search"
          name="dataset-search"
          placeholder="Search by name, e.g. pubmed"
          value={q}
          onCommit={setQ}
        />
      </label>
      {q && results.status === "loading" && <Loading label="Searching…" />}
      {q && results.status === "error" && (
        <p class="form-error" role="alert">
          {results.error.message}
        </p>
      )}
      {q && results.status === "ok" && (
        <ul class="picker-results" aria-label="matching datasets">
          {results.data.data.length === 0 && <li class="muted">No dataset matches “{q}”.</li>}
          {results.data.data.map((d) => (
            <li key={d.id}>
              <button
                type="button"
                class="picker-option"
                disabled={disabled}
                onClick={() => {
                  onPick(d);
                  setQ("");
                }}
              >
                <Badge value={d.layer} /> <span>{d.name}</span> <span class="muted">#{d.id}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
