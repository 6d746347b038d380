import type { JSX } from "preact";
import { useMemo } from "preact/hooks";
import type { ExpressionCorrelation } from "@omicslake/contract";
import type { Data, Layout } from "plotly.js";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { Plot } from "../../charts/plot.js";
import { formatNumber } from "../../ui/format.js";
import { Async } from "../../ui/states.js";
import { groupsOf, useCellValues, type CellValue } from "./expression-data.js";

export type CorrelationMethod = "pearson" | "spearman";

const WHY_UNDEFINED: Readonly<Record<string, string>> = {
  constant: "one of the genes has the same value in every cell",
  zero_mean: "one of the genes is not expressed in any cell",
  too_few_cells: "too few cells to correlate",
};

/** Two genes per cell, coloured by group, with their correlation over all cells as the API computes it. */
export function ScatterView({
  dataset,
  x,
  y,
  by,
  method,
}: {
  dataset: string;
  x: string;
  y: string;
  by: string;
  method: CorrelationMethod;
}): JSX.Element {
  const genes = useMemo(() => [x, y], [x, y]);
  const values = useCellValues(dataset, x === y ? [x] : genes, by);
  const correlation = useApi<ExpressionCorrelation>(
    apiUrl(`/v1/expression/${encodeURIComponent(dataset)}/correlation`, { gene_a: x, gene_b: y, method }),
  );
  return (
    <section class="panel">
      <div class="correlation" data-testid="correlation">
        <Async value={correlation} loading="Correlating…">
          {(c) => (
            <p>
              <strong>
                {method === "pearson" ? "Pearson" : "Spearman"} r ={" "}
                <span data-testid="correlation-r">{c.r === null ? "undefined" : formatNumber(c.r, 4)}</span>
              </strong>{" "}
              <span class="muted">
                over n = {formatNumber(c.n)} cells ({formatNumber(c.n_both_expressing)} expressing both)
                {c.r === null && c.undefined_reason
                  ? ` · ${WHY_UNDEFINED[c.undefined_reason] ?? c.undefined_reason}`
                  : ""}
              </span>
            </p>
          )}
        </Async>
      </div>
      <Async value={values} loading="Loading every cell's values…">
        {(byGene) => <Scatter x={x} y={y} by={by} xs={byGene.get(x) ?? []} ys={byGene.get(y) ?? []} />}
      </Async>
    </section>
  );
}

function Scatter({
  x,
  y,
  by,
  xs,
  ys,
}: {
  x: string;
  y: string;
  by: string;
  xs: readonly CellValue[];
  ys: readonly CellValue[];
}): JSX.Element {
  const data = useMemo<Data[]>(() => {
    const yOf = new Map(ys.map((v) => [v.cell, v.value]));
    return groupsOf(xs).map((group) => {
      const cells = xs.filter((v) => v.group === group);
      return {
        type: "scatter",
        mode: "markers",
        name: group,
        x: cells.map((v) => v.value),
        y: cells.map((v) => yOf.get(v.cell) ?? 0),
        text: cells.map((v) => v.cell),
        marker: { size: 6, opacity: 0.7 },
        hovertemplate: `%{text}<br>${x} %{x}<br>${y} %{y}<extra>${group}</extra>`,
      };
    });
  }, [xs, ys, x, y]);
  const layout = useMemo<Partial<Layout>>(
    () => ({
      xaxis: { title: { text: x }, rangemode: "tozero" },
      yaxis: { title: { text: y }, rangemode: "tozero" },
      legend: { orientation: "h", y: -0.25, title: { text: by } },
    }),
    [x, y, by],
  );
  return (
    <Plot data={data} layout={layout} label={`${y} against ${x} per cell`} testId="scatter" height={440} />
  );
}
