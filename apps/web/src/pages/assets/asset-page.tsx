import type { AssetDetail, AssetMaterialization, Page, Run } from "@omicslake/contract";
import type { JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { useSession } from "../../auth/session.js";
import { Link } from "../../router/link.js";
import { pathOf } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { DagGraph } from "../../ui/dag-graph.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatDuration, formatTime, shortHash } from "../../ui/format.js";
import { KeyRequiredNote } from "../../ui/key-required-note.js";
import { PageHeader } from "../../ui/page-header.js";
import { Empty, ErrorState, Loading } from "../../ui/states.js";
import { useLastData } from "../../ui/use-last-data.js";
import { usePolling } from "../../ui/use-polling.js";
import { RunTable } from "../runs/run-table.js";
import { assetTone } from "./asset-status.js";
import { MaterializeDialog, type PlannedRequest } from "./materialize-dialog.js";

function assetApiPath(key: string): string {
  return "/v1/assets/" + key.split("/").map(encodeURIComponent).join("/");
}

/** `/assets/<key>`: one asset, why it would (not) run, its partitions and materializations, and its runs. */
export function AssetPage({ assetKey }: { assetKey: string }): JSX.Element {
  const session = useSession();
  const detailAnswer = useApi<AssetDetail>(assetApiPath(assetKey));
  const runsAnswer = useApi<Page<Run>>(apiUrl("/v1/runs", { asset: assetKey, limit: 10 }));
  const detail = useLastData(detailAnswer);
  const runs = useLastData(runsAnswer);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [planned, setPlanned] = useState<readonly PlannedRequest[] | null>(null);
  // After a materialize request, watch until a new materialization has been recorded and nothing runs.
  const [watchFrom, setWatchFrom] = useState<number | null>(null);
  const reloadBoth = useCallback(() => {
    detailAnswer.reload();
    runsAnswer.reload();
  }, [detailAnswer.reload, runsAnswer.reload]);
  const running =
    detail !== null && (detail.status === "running" || detail.recent.some((m) => m.status === "running"));
  const awaitingNew = watchFrom !== null && (detail?.recent[0]?.id ?? 0) <= watchFrom;
  // The two lists are separate requests, and a materialization is recorded as finished just before its run is
  // (whoever started it: this page, the CLI or automation): keep refreshing until the runs list has the newest
  // materialization's run and shows it ended, or it would stay "running" on the page for good. That gap is
  // normally a moment; a run left "running" by a dead process is only given a minute.
  const newestRun = detail?.recent[0]?.run_id ?? null;
  const newestRunShown = runs?.data.find((r) => r.id === newestRun);
  const behind =
    newestRun !== null &&
    runs !== null &&
    (newestRunShown === undefined || newestRunShown.status === "running");
  const behindSince = useRef<number | null>(null);
  if (!behind || running || awaitingNew) behindSince.current = null;
  else behindSince.current ??= Date.now();
  const runsBehind = behind && (behindSince.current === null || Date.now() - behindSince.current < 60_000);
  const settled =
    watchFrom !== null && !awaitingNew && !running && !runsBehind && detailAnswer.status === "ok";
  useEffect(() => {
    if (settled) setWatchFrom(null);
  }, [settled]);
  usePolling(reloadBoth, running || awaitingNew || runsBehind);

  if (!detail) {
    return (
      <>
        <PageHeader title={assetKey} />
        {detailAnswer.status === "error" ? (
          <ErrorState error={detailAnswer.error} onRetry={detailAnswer.reload} />
        ) : (
          <Loading label="Loading the asset…" />
        )}
      </>
    );
  }
  return (
    <>
      <PageHeader title={detail.key} subtitle={detail.description} />
      <div class="action-bar">
        <button
          type="button"
          class="button primary"
          disabled={!session.canWrite}
          onClick={() => setDialogOpen(true)}
          data-testid="materialize-button"
        >
          Materialize…
        </button>
        <KeyRequiredNote scope="write" action="Materializing" testId="materialize-needs-key" />
      </div>

      {session.canWrite && (
        <MaterializeDialog
          asset={detail}
          open={dialogOpen}
          onClose={() => setDialogOpen(false)}
          onPlanned={(requests) => {
            setPlanned(requests);
            if (requests.length > 0) setWatchFrom(detail.recent[0]?.id ?? 0);
            reloadBoth();
          }}
        />
      )}
      {planned && <PlannedNotice requests={planned} onDismiss={() => setPlanned(null)} />}
      {detailAnswer.status === "error" && (
        <ErrorState error={detailAnswer.error} onRetry={detailAnswer.reload} />
      )}
      <div class="grid spaced">
        <section class="panel">
          <h2>Status</h2>
          <dl class="facts" data-testid="asset-facts">
            <dt>Status</dt>
            <dd>
              <Badge value={detail.status} tone={assetTone({ ...detail, stale: false })} />{" "}
              {detail.stale && <Badge value="stale" />}
              {running && <span class="muted"> · refreshing every 2 s</span>}
            </dd>
            <dt>Group</dt>
            <dd>
              <Link href={`/assets?group=${encodeURIComponent(detail.group)}`}>{detail.group}</Link>
            </dd>
            <dt>Automation</dt>
            <dd>
              <code>{detail.automation}</code>
            </dd>
            <dt>Partitions</dt>
            <dd>
              {detail.partitions
                ? `${detail.partitions.kind} · ${detail.partitions.materialized} of ${detail.partitions.count} materialized`
                : "unpartitioned"}
            </dd>
            <dt>Retries</dt>
            <dd>
              up to {detail.retry.max_retries}, {detail.retry.backoff} from {detail.retry.delay_ms} ms
            </dd>
            {detail.tags.length > 0 && (
              <>
                <dt>Tags</dt>
                <dd>
                  {detail.tags.map((t) => (
                    <span key={t} class="tag">
                      {t}
                    </span>
                  ))}
                </dd>
              </>
            )}
          </dl>
        </section>
        <section class="panel">
          <h2>Why it would or would not run</h2>
          {/* The automation evaluation's own explanation, as `omicslake assets why` prints it. */}
          <pre class="log why" data-testid="asset-why">
            {detail.why}
          </pre>
        </section>
      </div>
      {(detail.deps.length > 0 || detail.downstream.length > 0) && (
        <section class="panel">
          <h2>Neighbours</h2>
          <DagGraph
            label={`what ${detail.key} reads and what reads it`}
            testId="asset-neighbours"
            nodes={[
              ...detail.deps.map((k) => ({ id: k, label: k, href: pathOf("assets", k) })),
              { id: detail.key, label: detail.key, current: true, tone: assetTone(detail) },
              ...detail.downstream.map((k) => ({ id: k, label: k, href: pathOf("assets", k) })),
            ]}
            edges={[
              ...detail.deps.map((k) => ({ from: k, to: detail.key })),
              ...detail.downstream.map((k) => ({ from: detail.key, to: k })),
            ]}
          />
        </section>
      )}
      <section class="panel">
        <h2>Partitions</h2>
        <DataTable
          columns={PARTITION_COLUMNS}
          rows={detail.partition_statuses}
          rowKey={(p) => p.partition ?? "(whole asset)"}
          testId="asset-partitions"
          empty={
            <Empty title="No partitions are known yet">They are listed once its upstream data exists.</Empty>
          }
        />
      </section>
      <section class="panel">
        <h2>Recent materializations</h2>
        <DataTable
          columns={MATERIALIZATION_COLUMNS}
          rows={detail.recent}
          rowKey={(m) => m.id}
          testId="asset-materializations"
          empty={
            <Empty title="Never materialized">
              {session.canWrite
                ? "Materialize it with the button above."
                : "Someone with a write key can materialize it."}
            </Empty>
          }
        />
      </section>
      <section class="panel">
        <h2>Runs</h2>
        {runs ? (
          <>
            <RunTable
              runs={runs.data}
              testId="asset-runs"
              empty={<Empty title="No runs of this asset yet">Each materialization attempt is a run.</Empty>}
            />
            {runs.meta.next_cursor && (
              <p>
                <Link href={`/runs?asset=${encodeURIComponent(detail.key)}`}>All runs of this asset →</Link>
              </p>
            )}
          </>
        ) : runsAnswer.status === "error" ? (
          <ErrorState error={runsAnswer.error} onRetry={runsAnswer.reload} />
        ) : (
          <Loading label="Loading its runs…" />
        )}
      </section>
    </>
  );
}

function PlannedNotice({
  requests,
  onDismiss,
}: {
  requests: readonly PlannedRequest[];
  onDismiss: () => void;
}): JSX.Element {
  return (
    <div class="notice ok planned" role="status" data-testid="materialize-planned">
      <div class="planned-head">
        <strong>
          {requests.length === 0
            ? "Nothing to run: every requested partition is already up to date or running."
            : `Started ${requests.length} materialization${requests.length === 1 ? "" : "s"}:`}
        </strong>
        <button type="button" class="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      {requests.length > 0 && (
        <ul>
          {requests.map((r) => (
            <li key={`${r.key}:${r.partition ?? ""}`}>
              <Link href={pathOf("assets", r.key)}>{r.key}</Link>
              {r.partition !== null && <code> [{r.partition}]</code>} — {r.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const PARTITION_COLUMNS: readonly Column<AssetDetail["partition_statuses"][number]>[] = [
  {
    key: "partition",
    label: "Partition",
    render: (p) =>
      p.partition === null ? <span class="muted">whole asset</span> : <code>{p.partition}</code>,
  },
  {
    key: "status",
    label: "Status",
    render: (p) => (
      <>
        <Badge value={p.status} tone={assetTone({ status: p.status, stale: false })} />{" "}
        {p.stale && <Badge value="stale" />}
      </>
    ),
  },
  {
    key: "version",
    label: "Data version",
    secondary: true,
    render: (p) => (p.data_version ? <code title={p.data_version}>{shortHash(p.data_version)}</code> : "—"),
  },
  { key: "finished", label: "Materialized", render: (p) => formatTime(p.finished_at) },
];

const MATERIALIZATION_COLUMNS: readonly Column<AssetMaterialization>[] = [
  {
    key: "partition",
    label: "Partition",
    render: (m) => (m.partition === null ? <span class="muted">whole</span> : <code>{m.partition}</code>),
  },
  {
    key: "status",
    label: "Status",
    render: (m) => (
      <>
        <Badge value={m.status} tone={m.status === "skipped" ? "muted" : undefined} />
        {m.error && (
          <div class="form-error">
            {m.error.message} <code>{m.error.code}</code>
          </div>
        )}
      </>
    ),
  },
  { key: "attempt", label: "Attempt", align: "right", secondary: true },
  {
    key: "origin",
    label: "Why",
    secondary: true,
    render: (m) => (
      <>
        <span class="tag">{m.origin}</span> {m.reason}
      </>
    ),
  },
  { key: "started", label: "Started", render: (m) => formatTime(m.started_at) },
  {
    key: "duration",
    label: "Duration",
    align: "right",
    secondary: true,
    // An attempt whose run died never got a finish time: its duration is unknown, not still growing.
    render: (m) =>
      m.status !== "running" && m.finished_at === null ? "—" : formatDuration(m.started_at, m.finished_at),
  },
  {
    key: "run",
    label: "Run",
    render: (m) => (m.run_id !== null ? <Link href={`/runs/${m.run_id}`}>#{m.run_id}</Link> : "—"),
  },
];
