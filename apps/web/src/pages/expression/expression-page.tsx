import type { JSX } from "preact";
import type { ExpressionDataset, ExpressionDatasetSummary } from "@omicslake/contract";
import { useApi } from "../../api/use-api.js";
import { setQuery, useLocation } from "../../router/router.js";
import { formatNumber } from "../../ui/format.js";
import { PageHeader } from "../../ui/page-header.js";
import { Async, Empty, Loading } from "../../ui/states.js";
import { Tabs } from "../../ui/tabs.js";
import { DistributionView } from "./distribution-view.js";
import { DotPlotView } from "./dot-plot-view.js";
import { MAX_CELLS, useResolvedGenes } from "./expression-data.js";
import { GenePicker } from "./gene-picker.js";
import { ScatterView, type CorrelationMethod } from "./scatter-view.js";
import { VariabilityView } from "./variability-view.js";

const TABS = [
  { id: "distribution", label: "Violin / box" },
  { id: "dotplot", label: "Dot plot" },
  { id: "scatter", label: "Two genes" },
  { id: "variable", label: "Variable genes" },
] as const;

type Tab = (typeof TABS)[number]["id"];

/** Column types a grouping can use: text values name groups; numbers would make one group per value. */
const GROUP_TYPES = new Set(["VARCHAR", "TEXT", "STRING", "ENUM", "BOOLEAN"]);

export function ExpressionPage(): JSX.Element {
  const datasets = useApi<{ data: ExpressionDatasetSummary[] }>("/v1/expression");
  return (
    <>
      <PageHeader title="Expression" subtitle="Gene expression per cell, per group and across genes" />
      <Async value={datasets} loading="Loading expression datasets…">
        {(answer) =>
          answer.data.length === 0 ? (
            <Empty title="There is no expression dataset in the lake">
              <p>
                Build one from a processed count matrix with <code>omicslake expr build</code>; it then
                appears here.
              </p>
            </Empty>
          ) : (
            <Explorer datasets={answer.data} />
          )
        }
      </Async>
    </>
  );
}

function Explorer({ datasets }: { datasets: readonly ExpressionDatasetSummary[] }): JSX.Element {
  const { query } = useLocation();
  const name = query.get("dataset") ?? datasets[0]!.dataset;
  const summary = datasets.find((d) => d.dataset === name);
  const detail = useApi<ExpressionDataset>(summary ? `/v1/expression/${encodeURIComponent(name)}` : null);
  const picker = (
    <label class="field">
      Dataset
      <select
        name="dataset"
        value={summary ? name : ""}
        onChange={(e) =>
          setQuery({ dataset: e.currentTarget.value, by: null, x: null, y: null, within: null, cursor: null })
        }
      >
        {!summary && <option value="">choose a dataset</option>}
        {datasets.map((d) => (
          <option key={d.dataset} value={d.dataset}>
            {d.dataset} ({formatNumber(d.cells)} cells × {formatNumber(d.genes)} genes)
          </option>
        ))}
      </select>
    </label>
  );
  if (!summary)
    return (
      <>
        <div class="panel filters">{picker}</div>
        <Empty title={`The lake has no expression dataset called "${name}"`}>
          <p>Choose one of the {datasets.length} datasets above.</p>
        </Empty>
      </>
    );
  return (
    <Async value={detail} loading={`Loading ${name}…`}>
      {(dataset) => <DatasetExplorer dataset={dataset} picker={picker} query={query} />}
    </Async>
  );
}

function DatasetExplorer({
  dataset,
  picker,
  query,
}: {
  dataset: ExpressionDataset;
  picker: JSX.Element;
  query: URLSearchParams;
}): JSX.Element {
  const name = dataset.dataset;
  const genes = (query.get("genes") ?? "")
    .split(",")
    .map((g) => g.trim())
    .filter(Boolean);
  const groupColumns = dataset.cell_columns.filter(
    (c) => GROUP_TYPES.has(c.type.toUpperCase()) && c.name !== "cell",
  );
  const by =
    groupColumns.find((c) => c.name === query.get("by"))?.name ??
    dataset.group_by ??
    groupColumns[0]?.name ??
    "";
  const tab: Tab = TABS.find((t) => t.id === query.get("tab"))?.id ?? "distribution";
  const plot = query.get("plot") === "box" ? "box" : "violin";
  const method: CorrelationMethod = query.get("method") === "spearman" ? "spearman" : "pearson";
  const resolved = useResolvedGenes(name, genes);
  const setGenes = (next: readonly string[]): void =>
    setQuery({ genes: next.length > 0 ? next.join(",") : null, x: null, y: null });
  const unknown = resolved.status === "ok" ? resolved.data.unknown : [];
  const known = resolved.status === "ok" ? resolved.data.known : [];
  const groups = by === dataset.group_by ? dataset.groups.map((g) => g.value) : [];
  return (
    <>
      <section class="panel expression-controls">
        <div class="filters">
          {picker}
          <label class="field">
            Group cells by
            <select
              name="by"
              value={by}
              onChange={(e) => setQuery({ by: e.currentTarget.value, within: null })}
            >
              {groupColumns.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <p class="muted expression-summary">
            {formatNumber(dataset.cells)} cells · {formatNumber(dataset.genes)} genes ·{" "}
            {dataset.groups.length} {dataset.group_by} groups · build {dataset.build}
          </p>
        </div>
        <GenePicker dataset={name} genes={genes} unknown={unknown} onChange={setGenes} />
        {unknown.length > 0 && (
          <div class="notice expression-unknown" role="alert">
            <strong>Not in {name}:</strong> {unknown.join(", ")}. Search for the gene by symbol or id, or{" "}
            <button
              type="button"
              class="link-button"
              onClick={() => setGenes(genes.filter((g) => !unknown.includes(g)))}
            >
              remove {unknown.length === 1 ? "it" : "them"}
            </button>
            .
          </div>
        )}
      </section>
      <Tabs tabs={TABS} active={tab} />
      {tab === "variable" ? (
        <VariabilityView
          dataset={name}
          by={by}
          within={groups.find((g) => g === query.get("within")) ?? null}
          groups={groups}
          cursor={query.get("cursor")}
          chosen={known}
          onWithin={(within) => setQuery({ within, cursor: null })}
          onAdd={(gene) => setGenes([...genes, gene])}
        />
      ) : genes.length === 0 ? (
        <Empty title="Choose a gene to plot">
          <p>
            Search for genes above, or add some from the{" "}
            <button
              type="button"
              class="link-button"
              onClick={() => setQuery({ tab: "variable", cursor: null })}
            >
              most variable genes
            </button>
            .
          </p>
        </Empty>
      ) : !by ? (
        <Empty title="The cells of this dataset have no column to group them by">
          <p>The charts compare groups of cells; the most variable genes work without one.</p>
        </Empty>
      ) : resolved.status === "loading" ? (
        <Loading label="Looking up the genes…" />
      ) : known.length === 0 ? (
        <Empty title="None of the chosen genes is in this dataset">
          <p>Search for a gene by its symbol, name or id.</p>
        </Empty>
      ) : (
        <GeneViews
          tab={tab}
          dataset={dataset}
          genes={known}
          by={by}
          plot={plot}
          method={method}
          query={query}
        />
      )}
    </>
  );
}

function GeneViews({
  tab,
  dataset,
  genes,
  by,
  plot,
  method,
  query,
}: {
  tab: Exclude<Tab, "variable">;
  dataset: ExpressionDataset;
  genes: readonly string[];
  by: string;
  plot: "violin" | "box";
  method: CorrelationMethod;
  query: URLSearchParams;
}): JSX.Element {
  const name = dataset.dataset;
  if (tab === "dotplot") return <DotPlotView dataset={name} genes={genes} by={by} />;
  if (dataset.cells > MAX_CELLS)
    return (
      <Empty title={`${formatNumber(dataset.cells)} cells are too many to draw one by one here`}>
        <p>
          The per-cell charts draw at most {formatNumber(MAX_CELLS)} cells; the dot plot summarises any
          number.
        </p>
      </Empty>
    );
  if (tab === "distribution")
    return (
      <>
        <div class="filters">
          <div class="segmented" role="group" aria-label="chart type">
            {(["violin", "box"] as const).map((p) => (
              <button
                key={p}
                type="button"
                class={p === plot ? "button primary" : "button"}
                aria-pressed={p === plot}
                onClick={() => setQuery({ plot: p === "violin" ? null : p })}
              >
                {p === "violin" ? "Violin" : "Box"}
              </button>
            ))}
          </div>
        </div>
        <DistributionView dataset={name} genes={genes} by={by} plot={plot} />
      </>
    );
  const pick = (asked: string | null, fallback: string): string =>
    asked && genes.includes(asked) ? asked : fallback;
  const x = pick(query.get("x"), genes[0]!);
  const y = pick(query.get("y"), genes[1] ?? genes[0]!);
  return (
    <>
      <div class="filters">
        <GeneSelect label="x" value={x} genes={genes} />
        <GeneSelect label="y" value={y} genes={genes} />
        <label class="field">
          Correlation
          <select
            name="method"
            value={method}
            onChange={(e) => setQuery({ method: e.currentTarget.value === "spearman" ? "spearman" : null })}
          >
            <option value="pearson">Pearson</option>
            <option value="spearman">Spearman (ranks)</option>
          </select>
        </label>
        {genes.length < 2 && <p class="muted">Add a second gene to compare two genes.</p>}
      </div>
      <ScatterView dataset={name} x={x} y={y} by={by} method={method} />
    </>
  );
}

function GeneSelect({
  label,
  value,
  genes,
}: {
  label: "x" | "y";
  value: string;
  genes: readonly string[];
}): JSX.Element {
  return (
    <label class="field">
      Gene on {label}
      <select name={label} value={value} onChange={(e) => setQuery({ [label]: e.currentTarget.value })}>
        {genes.map((g) => (
          <option key={g} value={g}>
            {g}
          </option>
        ))}
      </select>
    </label>
  );
}
