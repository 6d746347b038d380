import type { JSX } from "preact";
import { useMemo } from "preact/hooks";
import type { Data, Layout } from "plotly.js";
import { Plot } from "../../charts/plot.js";
import { Async } from "../../ui/states.js";
import { groupsOf, useCellValues, type CellValue } from "./expression-data.js";

/** A violin or box per group for each gene, from every cell's value (zeros included). */
export function DistributionView({
  dataset,
  genes,
  by,
  plot,
}: {
  dataset: string;
  genes: readonly string[];
  by: string;
  plot: "violin" | "box";
}): JSX.Element {
  const values = useCellValues(dataset, genes, by);
  return (
    <Async value={values} loading="Loading every cell's values…">
      {(byGene) => (
        <div class="expression-charts">
          {genes.map((gene) => (
            <GeneDistribution key={gene} gene={gene} values={byGene.get(gene) ?? []} by={by} plot={plot} />
          ))}
        </div>
      )}
    </Async>
  );
}

function GeneDistribution({
  gene,
  values,
  by,
  plot,
}: {
  gene: string;
  values: readonly CellValue[];
  by: string;
  plot: "violin" | "box";
}): JSX.Element {
  const data = useMemo<Data[]>(
    () =>
      groupsOf(values).map((group) => {
        const y = values.filter((v) => v.group === group).map((v) => v.value);
        return plot === "violin"
          ? {
              type: "violin",
              name: group,
              y,
              box: { visible: true },
              meanline: { visible: true },
              points: false,
              spanmode: "hard",
            }
          : { type: "box", name: group, y, boxpoints: false, boxmean: true };
      }),
    [values, plot],
  );
  const layout = useMemo<Partial<Layout>>(
    () => ({
      showlegend: false,
      xaxis: { title: { text: by } },
      yaxis: { title: { text: `${gene} expression` }, rangemode: "tozero" },
    }),
    [gene, by],
  );
  return (
    <section class="panel">
      <h3>{gene}</h3>
      <Plot data={data} layout={layout} label={`${gene} by ${by}`} testId={`distribution-${gene}`} />
    </section>
  );
}
