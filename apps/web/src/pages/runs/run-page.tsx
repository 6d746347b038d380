import type { ProgressEvent, Run } from "@omicslake/contract";
import { Fragment, type JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { DataTable } from "../../ui/data-table.js";
import { formatBytes, formatDuration, formatNumber, formatTime, shortHash } from "../../ui/format.js";
import { PageHeader } from "../../ui/page-header.js";
import { Empty, ErrorState, Loading } from "../../ui/states.js";
import { useLastData } from "../../ui/use-last-data.js";
import { usePolling } from "../../ui/use-polling.js";

/** `/runs/:id`: one run in full; a running one is re-read every 2 s until it ends. */
export function RunPage({ id }: { id: string }): JSX.Element {
  // Run ids are positive 32-bit integers: anything else is not asked of the server, whose answer would be a
  // validation error rather than "no such run".
  const valid = /^[1-9]\d{0,9}$/.test(id) && Number(id) <= 2147483647;
  const answer = useApi<Run>(valid ? `/v1/runs/${id}` : null);
  const run = useLastData(answer);
  usePolling(answer.reload, run?.status === "running");
  if (!valid)
    return (
      <>
        <PageHeader title="Run not found" />
        <Empty title={`"${id}" is not a run id`}>
          Run ids are whole numbers, as in <code>/runs/42</code>; the <Link href="/runs">runs list</Link>{" "}
          links to each.
        </Empty>
      </>
    );
  if (!run) {
    if (answer.status === "error")
      return (
        <>
          <PageHeader title={`Run #${id}`} />
          <ErrorState error={answer.error} onRetry={answer.reload} />
        </>
      );
    return (
      <>
        <PageHeader title={`Run #${id}`} />
        <Loading label="Loading the run…" />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title={`Run #${run.id}`}
        subtitle={
          <>
            <code>{run.step}</code> · <Badge value={run.status} />
            {run.status === "running" && <span class="muted"> · refreshing every 2 s</span>}
          </>
        }
      >
        <Link class="button" href="/runs">
          All runs
        </Link>
      </PageHeader>
      {answer.status === "error" && <ErrorState error={answer.error} onRetry={answer.reload} />}
      {run.error && (
        <div class="state state-error" role="alert" data-testid="run-error">
          <strong>The run failed: {run.error.message}</strong>
          <p class="muted">
            <code>{run.error.code}</code>
          </p>
        </div>
      )}
      <div class="grid spaced">
        <section class="panel">
          <h2>Summary</h2>
          <dl class="facts" data-testid="run-summary">
            <dt>Status</dt>
            <dd>
              <Badge value={run.status} />
            </dd>
            <dt>Step</dt>
            <dd>
              <code>{run.step}</code>
            </dd>
            {run.asset && (
              <>
                <dt>Asset</dt>
                <dd>
                  <Link href={pathOf("assets", run.asset.key)}>{run.asset.key}</Link>
                  {run.asset.partition !== null && (
                    <span class="muted"> · partition {run.asset.partition}</span>
                  )}
                </dd>
              </>
            )}
            <dt>Started</dt>
            <dd>{formatTime(run.started_at)}</dd>
            <dt>Finished</dt>
            <dd>{run.finished_at ? formatTime(run.finished_at) : "not yet"}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(run.started_at, run.finished_at)}</dd>
          </dl>
          {run.progress && <Progress event={run.progress} running={run.status === "running"} />}
        </section>
        <section class="panel">
          <h2>Parameters</h2>
          <KeyValues values={run.parameters} empty="This run took no parameters." testId="run-parameters" />
          <h3 class="subhead">Tool versions</h3>
          <KeyValues values={run.tool_versions} empty="No tool versions were recorded." />
        </section>
      </div>
      <section class="panel">
        <h2>Inputs and outputs</h2>
        <ObjectList title="Inputs" objects={run.inputs} />
        <ObjectList title="Outputs" objects={run.outputs} />
      </section>
      {Object.keys(run.row_counts).length > 0 && (
        <section class="panel">
          <h2>Row counts</h2>
          <ul class="row-counts" data-testid="run-row-counts">
            {Object.entries(run.row_counts)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([name, rows]) => (
                <li key={name}>
                  <code>{name}</code>
                  <span class="num">{formatNumber(rows)}</span>
                </li>
              ))}
          </ul>
        </section>
      )}
      <section class="panel">
        <h2>Log</h2>
        {run.log ? (
          <pre class="log" data-testid="run-log">
            {run.log}
          </pre>
        ) : (
          <p class="muted" data-testid="run-log-empty">
            {run.status === "running"
              ? "Nothing logged yet; this view refreshes while the run goes on."
              : "This run wrote nothing to its log; its parameters, inputs and outputs above are the record."}
          </p>
        )}
      </section>
    </>
  );
}

function Progress({ event, running }: { event: ProgressEvent; running: boolean }): JSX.Element {
  const total = event.total;
  const fraction = total && total > 0 ? Math.min(1, event.done / total) : null;
  const amount =
    event.unit === "bytes"
      ? `${formatBytes(event.done)}${total !== undefined ? ` of ${formatBytes(total)}` : ""}`
      : `${formatNumber(event.done)}${total !== undefined ? ` of ${formatNumber(total)}` : ""} ${event.unit}`;
  return (
    <div class="run-progress" data-testid="run-progress">
      <h3 class="subhead">{running ? "Progress" : "Last progress reported"}</h3>
      {fraction !== null && (
        <progress max={1} value={fraction} aria-label="progress">
          {Math.round(fraction * 100)}%
        </progress>
      )}
      <p class="muted">
        <code>{event.step}</code>
        {event.stage ? ` · ${event.stage}` : ""} · {amount}
        {event.item ? ` · ${event.item}` : ""}
      </p>
    </div>
  );
}

function KeyValues({
  values,
  empty,
  testId,
}: {
  values: Readonly<Record<string, unknown>>;
  empty: string;
  testId?: string;
}): JSX.Element {
  const entries = Object.entries(values);
  if (entries.length === 0) return <p class="muted">{empty}</p>;
  return (
    <dl class="facts" data-testid={testId}>
      {entries.map(([name, value]) => (
        <Fragment key={name}>
          <dt>{name}</dt>
          <dd data-name={name}>
            <code>{typeof value === "string" ? value : JSON.stringify(value)}</code>
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** A run's inputs or outputs: catalog objects (key, size, dataset) when they are, raw JSON otherwise. */
function ObjectList({
  title,
  objects,
}: {
  title: string;
  objects: readonly Readonly<Record<string, unknown>>[];
}): JSX.Element {
  return (
    <>
      <h3 class="subhead">
        {title} <span class="muted">({objects.length})</span>
      </h3>
      {objects.length === 0 ? (
        <p class="muted">None recorded.</p>
      ) : (
        <DataTable
          columns={[
            {
              key: "key",
              label: "Object",
              render: (o) =>
                typeof o["key"] === "string" ? <code>{o["key"]}</code> : <code>{JSON.stringify(o)}</code>,
            },
            {
              key: "dataset",
              label: "Dataset",
              render: (o) =>
                typeof o["datasetId"] === "number" ? (
                  <Link class="nowrap" href={`/datasets/${o["datasetId"]}`}>
                    dataset {o["datasetId"]}
                  </Link>
                ) : (
                  "—"
                ),
            },
            {
              key: "size",
              label: "Size",
              align: "right",
              render: (o) =>
                typeof o["size"] === "number" ? <span class="nowrap">{formatBytes(o["size"])}</span> : "—",
            },
            {
              key: "sha256",
              label: "sha256",
              secondary: true,
              render: (o) =>
                typeof o["sha256"] === "string" ? (
                  <code title={o["sha256"]}>{shortHash(o["sha256"])}</code>
                ) : (
                  "—"
                ),
            },
          ]}
          rows={objects}
          rowKey={(o) => JSON.stringify(o)}
        />
      )}
    </>
  );
}
