import type { CatalogStats } from "@omicslake/contract";
import type { JSX } from "preact";
import { useMemo } from "preact/hooks";
import type { Loadable } from "../../api/use-api.js";
import { Plot } from "../../charts/plot.js";
import { formatBytes } from "../../ui/format.js";
import { Async, Empty } from "../../ui/states.js";

// The layer colours of the stylesheet's badges, so a layer looks the same in charts and tables.
const LAYER_COLOURS: Readonly<Record<string, string>> = {
  raw: "#7c3aed",
  processed: "#0891b2",
  curated: "#15803d",
  archive: "#78716c",
};

/** Datasets per layer and bytes per source, from `/v1/catalog/stats`. */
export function CatalogCharts({
  stats,
}: {
  stats: Loadable<CatalogStats> & { reload: () => void };
}): JSX.Element {
  return (
    <div class="grid spaced">
      <section class="panel">
        <h2>Datasets per layer</h2>
        <Async value={stats} loading="Loading catalog totals…">
          {(s) => <LayerChart stats={s} />}
        </Async>
      </section>
      <section class="panel">
        <h2>Bytes per source</h2>
        <Async value={stats} loading="Loading catalog totals…">
          {(s) => <SourceChart stats={s} />}
        </Async>
      </section>
    </div>
  );
}

function LayerChart({ stats }: { stats: CatalogStats }): JSX.Element {
  const data = useMemo(
    () => [
      {
        type: "bar" as const,
        x: stats.by_layer.map((l) => l.layer),
        y: stats.by_layer.map((l) => l.datasets),
        text: stats.by_layer.map((l) => String(l.datasets)),
        textposition: "outside" as const,
        cliponaxis: false,
        customdata: stats.by_layer.map((l) => `${l.objects} objects · ${formatBytes(l.bytes)}`),
        hovertemplate: "%{x}: %{y} datasets<br>%{customdata}<extra></extra>",
        marker: { color: stats.by_layer.map((l) => LAYER_COLOURS[l.layer] ?? "#616e7c") },
      },
    ],
    [stats],
  );
  const layout = useMemo(
    () => ({ yaxis: { title: { text: "datasets" }, rangemode: "tozero" as const } }),
    [],
  );
  if (stats.datasets === 0)
    return (
      <Empty title="The catalog is empty">
        Add files with <code>omicslake add</code> or ingest a source to see them here by layer.
      </Empty>
    );
  return (
    <Plot
      data={data}
      layout={layout}
      label="datasets per layer"
      testId="chart-datasets-per-layer"
      height={280}
    />
  );
}

function SourceChart({ stats }: { stats: CatalogStats }): JSX.Element {
  const sources = useMemo(() => [...stats.by_source].sort((a, b) => b.bytes - a.bytes), [stats]);
  const data = useMemo(
    () => [
      {
        type: "bar" as const,
        orientation: "h" as const,
        y: sources.map((s) => s.source),
        x: sources.map((s) => s.bytes),
        text: sources.map((s) => formatBytes(s.bytes)),
        textposition: "auto" as const,
        customdata: sources.map((s) => `${s.datasets} datasets · ${s.objects} objects`),
        hovertemplate: "%{y}: %{text}<br>%{customdata}<extra></extra>",
        marker: { color: "#2563eb" },
      },
    ],
    [sources],
  );
  const layout = useMemo(
    () => ({
      xaxis: { title: { text: "bytes (log scale)" }, type: "log" as const },
      yaxis: { autorange: "reversed" as const },
    }),
    [],
  );
  if (sources.length === 0)
    return <Empty title="No sources yet">Each source (geo, sra, lab…) gets a bar once it has data.</Empty>;
  return (
    <Plot data={data} layout={layout} label="bytes per source" testId="chart-bytes-per-source" height={280} />
  );
}
