import type { Dataset, DatasetVersion, Page, ProvenanceGraph, Run } from "@omicslake/contract";
import type { JSX } from "preact";
import { ApiRequestError, apiGet } from "../../api/client.js";
import { useLoader, type Loadable } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatDuration, formatTime } from "../../ui/format.js";
import { Async, Empty } from "../../ui/states.js";

/** A run that produced the dataset, or the id of one the lake no longer has (pruned). */
type RunRow = { readonly id: number; readonly run: Run | null };

/**
 * The runs that wrote the dataset: those of the lineage edges into it and of its versions. Versions are read
 * up to the API's largest page; a dataset with more versions than that lists the runs of the newest.
 */
async function loadRuns(datasetId: number, signal: AbortSignal): Promise<RunRow[]> {
  const [graph, versions] = await Promise.all([
    apiGet<ProvenanceGraph>(pathOf("v1", "provenance", datasetId, "graph"), {}, signal),
    apiGet<Page<DatasetVersion>>(pathOf("v1", "catalog", datasetId, "versions"), { limit: 500 }, signal),
  ]);
  const ids = new Set<number>();
  for (const e of graph.edges) if (e.output_dataset_id === datasetId && e.run_id !== null) ids.add(e.run_id);
  for (const v of versions.data) if (v.run_id !== null) ids.add(v.run_id);
  const sorted = [...ids].sort((a, b) => b - a);
  return Promise.all(
    sorted.map((id) =>
      apiGet<Run>(pathOf("v1", "runs", id), {}, signal).then(
        (run) => ({ id, run }),
        (error: unknown) => {
          if (error instanceof ApiRequestError && error.status === 404) return { id, run: null };
          throw error;
        },
      ),
    ),
  );
}

function useRuns(datasetId: number): Loadable<RunRow[]> & { reload: () => void } {
  return useLoader(String(datasetId), (signal) => loadRuns(datasetId, signal));
}

const COLUMNS: readonly Column<RunRow>[] = [
  { key: "id", label: "Run", render: (r) => <Link href={pathOf("runs", r.id)}>#{r.id}</Link> },
  {
    key: "step",
    label: "Step",
    render: (r) =>
      r.run ? <span class="mono">{r.run.step}</span> : <span class="muted">no longer kept</span>,
  },
  { key: "status", label: "Status", render: (r) => (r.run ? <Badge value={r.run.status} /> : "—") },
  {
    key: "started",
    label: "Started",
    render: (r) => <span class="nowrap">{r.run ? formatTime(r.run.started_at) : "—"}</span>,
  },
  {
    key: "duration",
    label: "Duration",
    align: "right",
    render: (r) =>
      r.run
        ? formatDuration(r.run.started_at, r.run.finished_at) + (r.run.finished_at ? "" : " so far")
        : "—",
  },
];

/** The runs that produced the dataset, newest first. */
export function RunsTab({ dataset }: { dataset: Dataset }): JSX.Element {
  const runs = useRuns(dataset.id);
  return (
    <Async value={runs} loading="Loading runs…">
      {(rows) => (
        <DataTable
          columns={COLUMNS}
          rows={rows}
          rowKey={(r) => r.id}
          testId="dataset-runs"
          empty={
            <Empty title="No run has written this dataset">
              <p>It was created directly (through the API or the CLI) and has no recorded run.</p>
            </Empty>
          }
        />
      )}
    </Async>
  );
}
