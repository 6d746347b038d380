import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { Page } from "@omicslake/contract";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import type { GeneRow } from "./expression-data.js";

/** The chosen genes as removable chips, and a search (`/genes?q=`) whose matches add a gene. */
export function GenePicker({
  dataset,
  genes,
  unknown,
  onChange,
}: {
  dataset: string;
  genes: readonly string[];
  unknown: readonly string[];
  onChange: (genes: string[]) => void;
}): JSX.Element {
  const [search, setSearch] = useState("");
  const q = search.trim();
  const matches = useApi<Page<GeneRow>>(
    q ? apiUrl(`/v1/expression/${encodeURIComponent(dataset)}/genes`, { q, limit: 12 }) : null,
  );
  const add = (gene: string): void => {
    if (!genes.some((g) => g.toLowerCase() === gene.toLowerCase())) onChange([...genes, gene]);
    setSearch("");
  };
  return (
    <div class="gene-picker">
      <div class="gene-chips" aria-label="chosen genes">
        {genes.map((g) => (
          <span key={g} class={unknown.includes(g) ? "tag gene-chip unknown" : "tag gene-chip"}>
            {g}
            <button
              type="button"
              aria-label={`remove ${g}`}
              onClick={() => onChange(genes.filter((x) => x !== g))}
            >
              ×
            </button>
          </span>
        ))}
      </div>
      <label class="field grow gene-search">
        Add a gene
        <input
          type="search"
          name="gene-search"
          value={search}
          placeholder="symbol, name or id (CD3E, ENSG…)"
          autocomplete="off"
          onInput={(e) => setSearch(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setSearch("");
            if (e.key !== "Enter") return;
            e.preventDefault();
            const first = matches.status === "ok" ? matches.data.data[0] : undefined;
            if (first) add(first.gene);
            else if (q) add(q);
          }}
        />
      </label>
      {q && (
        <ul class="gene-matches" role="listbox" aria-label="matching genes">
          {matches.status === "loading" && <li class="muted">Searching…</li>}
          {matches.status === "error" && <li class="form-error">{matches.error.message}</li>}
          {matches.status === "ok" && matches.data.data.length === 0 && (
            <li class="muted">No gene matches “{q}”.</li>
          )}
          {matches.status === "ok" &&
            matches.data.data.map((row) => (
              <li key={row.gene}>
                <button type="button" role="option" aria-selected="false" onClick={() => add(row.gene)}>
                  <strong>{row.gene}</strong>
                  <span class="muted">
                    {row.gene_id}
                    {row.symbol && row.symbol !== row.gene ? ` · ${row.symbol}` : ""}
                  </span>
                </button>
              </li>
            ))}
        </ul>
      )}
    </div>
  );
}
