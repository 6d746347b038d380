import type { JSX } from "preact";
import { useMemo } from "preact/hooks";
import type { ExpressionAggregates } from "@omicslake/contract";
import type { Data, Layout } from "plotly.js";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { Plot } from "../../charts/plot.js";
import { Async } from "../../ui/states.js";

/** The largest dot: a gene every cell of a group expresses. */
const MAX_DOT = 30;

/** Genes × groups: dot size is the fraction of the group's cells expressing the gene, colour its mean. */
export function DotPlotView({
  dataset,
  genes,
  by,
}: {
  dataset: string;
  genes: readonly string[];
  by: string;
}): JSX.Element {
  const aggregates = useApi<ExpressionAggregates>(
    apiUrl(`/v1/expression/${encodeURIComponent(dataset)}/aggregates`, { genes: genes.join(","), by }),
  );
  return (
    <Async value={aggregates} loading="Computing means and fractions…">
      {(answer) => <DotPlot answer={answer} genes={genes} by={by} />}
    </Async>
  );
}

function DotPlot({
  answer,
  genes,
  by,
}: {
  answer: ExpressionAggregates;
  genes: readonly string[];
  by: string;
}): JSX.Element {
  const rows = answer.data;
  const data = useMemo<Data[]>(
    () => [
      {
        type: "scatter",
        mode: "markers",
        x: rows.map((r) => r.gene),
        y: rows.map((r) => r.group ?? "(none)"),
        // The fraction itself rides along, so the hover (and anyone reading the chart's data) sees it exactly.
        customdata: rows.map((r) => r.fraction),
        marker: {
          // Area, not diameter, grows with the fraction, as the eye compares areas.
          size: rows.map((r) => Math.max(3, Math.sqrt(r.fraction) * MAX_DOT)),
          color: rows.map((r) => r.mean),
          colorscale: "Viridis",
          showscale: true,
          colorbar: { title: { text: "mean" } },
          line: { width: 0 },
        },
        hovertemplate:
          "%{x} in %{y}<br>mean %{marker.color:.3f}<br>expressing %{customdata:.1%}<extra></extra>",
      },
    ],
    [rows],
  );
  const groups = new Set(rows.map((r) => r.group)).size;
  const layout = useMemo<Partial<Layout>>(
    () => ({
      showlegend: false,
      xaxis: { type: "category", categoryarray: [...genes], title: { text: "gene" } },
      yaxis: { type: "category", title: { text: by, standoff: 16 }, autorange: "reversed" },
    }),
    [genes, by],
  );
  return (
    <section class="panel">
      <Plot
        data={data}
        layout={layout}
        label={`dot plot of ${genes.join(", ")} by ${by}`}
        testId="dot-plot"
        height={Math.max(320, 70 + groups * 36)}
      />
      <p class="muted expression-legend">
        Dot size: fraction of the group's cells expressing the gene (largest = all). Colour: mean expression,
        zeros included.
      </p>
    </section>
  );
}
