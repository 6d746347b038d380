import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type * as PlotlyApi from "plotly.js";
import type { Config, Data, Layout } from "plotly.js";
import { Loading } from "../ui/states.js";
import { escapePlotStrings } from "./plot-text.js";

type PlotlyModule = typeof PlotlyApi;

// Plotly is a large prebuilt bundle: it is fetched the first time a chart is drawn, so pages without charts
// (catalog, metadata, runs) load without it, and then it is shared by every chart.
let plotly: Promise<PlotlyModule> | null = null;
function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import("plotly.js-cartesian-dist-min").then(
    (m) => ((m as { default?: PlotlyModule }).default ?? m) as PlotlyModule,
  );
  return plotly;
}

function themeLayout(): Partial<Layout> {
  const dark = window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
  const text = dark ? "#d8dee9" : "#1f2933";
  const grid = dark ? "#3b4252" : "#e4e7eb";
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: "system-ui, sans-serif", size: 12, color: text },
    margin: { l: 56, r: 16, t: 24, b: 48 },
    xaxis: { gridcolor: grid, zerolinecolor: grid, automargin: true },
    yaxis: { gridcolor: grid, zerolinecolor: grid, automargin: true },
    legend: { orientation: "h", y: -0.2 },
  };
}

/**
 * A Plotly chart. The element keeps Plotly's own `data` (what is drawn), so the drawn values can be read
 * back from the page. `label` names the chart for screen readers.
 */
export function Plot({
  data,
  layout = {},
  config = {},
  label,
  testId,
  height = 360,
}: {
  data: Data[];
  layout?: Partial<Layout>;
  config?: Partial<Config>;
  label: string;
  testId?: string;
  height?: number;
}): JSX.Element {
  const element = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  // Plotly draws asynchronously: a purge (the chart leaving the page, as when a new key reloads it) that
  // lands in the middle of a draw makes the draw throw an uncaught error. Draws and the purge run in turn.
  const drawing = useRef<Promise<void>>(Promise.resolve());
  useEffect(() => {
    let cancelled = false;
    loadPlotly().then(
      (Plotly) => {
        const target = element.current;
        if (cancelled || !target) return;
        drawing.current = drawing.current
          .then(async () => {
            if (cancelled) return;
            const base = themeLayout();
            // Names from the lake are drawn as text, never as Plotly's markup (see plot-text.ts).
            await Plotly.react(
              target,
              escapePlotStrings(data),
              escapePlotStrings({
                ...base,
                ...layout,
                xaxis: { ...base.xaxis, ...layout.xaxis },
                yaxis: { ...base.yaxis, ...layout.yaxis },
                height,
                autosize: true,
              }),
              { responsive: true, displaylogo: false, ...config },
            );
            if (!cancelled) setReady(true);
          })
          // A draw that failed on a chart still shown says so; one the page already left is of no interest.
          .catch((error: unknown) => {
            if (!cancelled) setFailed(error instanceof Error ? error.message : String(error));
          });
      },
      (error: unknown) => setFailed(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      cancelled = true;
    };
  }, [data, layout, config, height]);
  useEffect(
    () => () => {
      const target = element.current;
      if (target) void loadPlotly().then((Plotly) => drawing.current.then(() => Plotly.purge(target)));
    },
    [],
  );
  if (failed) return <p class="form-error">The chart library could not be loaded: {failed}</p>;
  return (
    <figure class="plot" aria-label={label}>
      {!ready && <Loading label="Drawing…" />}
      <div
        ref={element}
        data-testid={testId}
        data-ready={ready ? "true" : "false"}
        style={{ minHeight: `${height}px` }}
      />
    </figure>
  );
}
