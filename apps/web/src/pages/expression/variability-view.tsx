import type { JSX } from "preact";
import type { ExpressionVariability } from "@omicslake/contract";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { DataTable } from "../../ui/data-table.js";
import { formatNumber } from "../../ui/format.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty } from "../../ui/states.js";

const PAGE_SIZE = 25;

type Row = ExpressionVariability["data"][number];

/** The most variable genes (by coefficient of variation), over all cells or one group's. */
export function VariabilityView({
  dataset,
  by,
  within,
  groups,
  cursor,
  chosen,
  onWithin,
  onAdd,
}: {
  dataset: string;
  by: string;
  within: string | null;
  groups: readonly string[];
  cursor: string | null;
  chosen: readonly string[];
  onWithin: (group: string | null) => void;
  onAdd: (gene: string) => void;
}): JSX.Element {
  const answer = useApi<ExpressionVariability>(
    apiUrl(`/v1/expression/${encodeURIComponent(dataset)}/variability`, {
      limit: PAGE_SIZE,
      cursor,
      ...(within ? { by, cell_type: within } : {}),
    }),
  );
  return (
    <section class="panel">
      <div class="filters">
        {groups.length > 0 && (
          <label class="field">
            Cells
            <select
              name="within"
              value={within ?? ""}
              onChange={(e) => onWithin(e.currentTarget.value || null)}
            >
              <option value="">all cells</option>
              {groups.map((g) => (
                <option key={g} value={g}>
                  {by} = {g}
                </option>
              ))}
            </select>
          </label>
        )}
        <p class="muted variability-hint">
          Ranked by coefficient of variation (sd / mean, zeros included); genes never expressed come last.
        </p>
      </div>
      <Async value={answer} loading="Ranking genes…">
        {(page) => (
          <>
            <DataTable<Row>
              testId="variability"
              rows={page.data}
              rowKey={(r) => r.gene}
              empty={<Empty title="No genes to rank in these cells" />}
              columns={[
                { key: "gene", label: "Gene", render: (r) => <span class="mono">{r.gene}</span> },
                { key: "cv", label: "CV", align: "right", render: (r) => formatNumber(r.cv, 3) },
                { key: "mean", label: "Mean", align: "right", render: (r) => formatNumber(r.mean, 3) },
                {
                  key: "variance",
                  label: "Variance",
                  align: "right",
                  secondary: true,
                  render: (r) => formatNumber(r.variance, 3),
                },
                {
                  key: "fraction",
                  label: "Expressing",
                  align: "right",
                  render: (r) => `${formatNumber(r.fraction * 100, 1)} %`,
                },
                {
                  key: "add",
                  label: "",
                  render: (r) =>
                    chosen.includes(r.gene) ? (
                      <span class="muted">plotted</span>
                    ) : (
                      <button type="button" class="button" onClick={() => onAdd(r.gene)}>
                        + Plot
                      </button>
                    ),
                },
              ]}
            />
            <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} />
            <p class="muted">
              {formatNumber(page.meta.total)} genes over {formatNumber(page.meta.n_cells)} cells.
            </p>
          </>
        )}
      </Async>
    </section>
  );
}
