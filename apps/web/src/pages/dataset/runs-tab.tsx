import type { Dataset, DatasetVersion, Page, ProvenanceGraph, Run } from "@omicslake/contract";
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiRequestError, apiGet } from "../../api/client.js";
import type { Loadable } from "../../api/use-api.js";
import { onKeyChange } from "../../auth/key-store.js";
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
  const [state, setState] = useState<Loadable<RunRow[]>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);
  const reload = (): void => setGeneration((n) => n + 1);
  useEffect(() => onKeyChange(() => setGeneration((n) => n + 1)), []);
  useEffect(() => {
    const controller = new AbortController();
    setState({ status: "loading" });
    loadRuns(datasetId, controller.signal).then(
      (rows) => {
        if (!controller.signal.aborted) setState({ status: "ok", data: rows });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          status: "error",
          error:
            error instanceof ApiRequestError
              ? error
              : new ApiRequestError(0, "client", error instanceof Error ? error.message : String(error)),
        });
      },
    );
    return () => controller.abort();
  }, [datasetId, generation]);
  return { ...state, reload };
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
