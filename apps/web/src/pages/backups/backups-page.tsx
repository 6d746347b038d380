import type { Backup, BackupStatus, Page } from "@omicslake/contract";
import type { JSX } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { apiSend, apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { useSession } from "../../auth/session.js";
import { Link } from "../../router/link.js";
import { setQuery, useLocation, withQuery } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { ConfirmDialog } from "../../ui/confirm-dialog.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatBytes, formatDuration, formatNumber, formatTime } from "../../ui/format.js";
import { KeyCheckState } from "../../ui/key-check-state.js";
import { useConfirmAction } from "../../ui/use-confirm-action.js";
import { KeyRequiredNote } from "../../ui/key-required-note.js";
import { PageHeader } from "../../ui/page-header.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty, ErrorState, Loading } from "../../ui/states.js";
import { useLastData } from "../../ui/use-last-data.js";
import { usePolling } from "../../ui/use-polling.js";
import { CursorError } from "../catalog/cursor-error.js";
import { BackupStatusView } from "./backup-status-view.js";
import { SelectField } from "../../ui/select-field.js";

const KINDS: readonly Backup["kind"][] = ["manual", "daily", "weekly"];
const STATUSES: readonly Backup["status"][] = ["running", "succeeded", "failed", "pruned"];

/**
 * `/backups?kind=&status=&backup=&cursor=`: the latest backup status for everyone; the list, one backup's details
 * and "Back up now" only with an admin key (they are not even requested without one).
 */
export function BackupsPage(): JSX.Element {
  const session = useSession();
  const status = useApi<BackupStatus>("/v1/backups/latest");
  const [dialogOpen, setDialogOpen] = useState(false);
  return (
    <>
      <PageHeader
        title="Backups"
        subtitle="Copies of the catalog and every object, verified, with a manifest"
      />
      <div class="action-bar">
        <button
          type="button"
          class="button primary"
          disabled={!session.isAdmin}
          onClick={() => setDialogOpen(true)}
          data-testid="backup-now"
        >
          Back up now…
        </button>
        <KeyRequiredNote scope="admin" action="Starting a backup" testId="backup-needs-key" />
      </div>

      <section class="panel">
        <h2>Latest</h2>
        <Async value={status} loading="Loading backup status…">
          {(s) => <BackupStatusView status={s} />}
        </Async>
      </section>
      {session.isAdmin ? (
        <AdminBackups
          dialogOpen={dialogOpen}
          onDialogClose={() => setDialogOpen(false)}
          onChange={status.reload}
        />
      ) : session.checking || session.checkError ? (
        <KeyCheckState />
      ) : (
        <Empty title="The backup list is for administrators">
          Each backup's destination, folder and manifest are shown only with an admin key; the status above is
          open to every reader.
        </Empty>
      )}
    </>
  );
}

function AdminBackups({
  dialogOpen,
  onDialogClose,
  onChange,
}: {
  dialogOpen: boolean;
  onDialogClose: () => void;
  onChange: () => void;
}): JSX.Element {
  const { query } = useLocation();
  const kind = query.get("kind") ?? "";
  const statusFilter = query.get("status") ?? "";
  const selected = query.get("backup");
  const listAnswer = useApi<Page<Backup>>(
    apiUrl("/v1/backups", { kind, status: statusFilter, limit: 50, cursor: query.get("cursor") }),
  );
  const list = useLastData(listAnswer);
  const [started, setStarted] = useState<Backup | null>(null);
  const watchedAnswer = useApi<Backup>(started ? `/v1/backups/${started.id}` : null);
  const watched = useLastData(watchedAnswer) ?? started;
  const watching = watched?.status === "running";
  const tick = useCallback(() => {
    watchedAnswer.reload();
    listAnswer.reload();
  }, [watchedAnswer.reload, listAnswer.reload]);
  usePolling(tick, watching);
  // When the watched backup ends, the latest status above changes too.
  const [reported, setReported] = useState<number | null>(null);
  const ended = watched && !watching && reported !== watched.id ? watched.id : null;
  useEffect(() => {
    if (ended === null) return;
    setReported(ended);
    onChange();
  }, [ended, onChange]);
  return (
    <>
      <BackupDialog
        open={dialogOpen}
        onClose={onDialogClose}
        onStarted={(backup) => {
          setStarted(backup);
          setReported(null);
          listAnswer.reload();
          onChange();
        }}
      />
      {watched && (
        <div
          class={watched.status === "failed" ? "state state-error" : watching ? "notice" : "notice ok"}
          role="status"
          data-testid="backup-started"
        >
          Backup #{watched.id} ({watched.kind}) <Badge value={watched.status} />
          {watching
            ? ` — started ${formatTime(watched.started_at)}; this updates every 2 s.`
            : watched.status === "succeeded"
              ? ` — ${formatNumber(watched.objects)} objects, ${formatBytes(watched.bytes)} (${formatBytes(watched.bytes_copied)} copied) in ${formatDuration(watched.started_at, watched.finished_at)}.`
              : watched.error
                ? ` — ${watched.error.message} (${watched.error.code})`
                : ""}{" "}
          <Link href={withQuery({ backup: watched.id })}>Details</Link>
        </div>
      )}
      {selected && <BackupDetails id={selected} />}
      <section class="panel">
        <h2>All backups</h2>
        <form class="filters" aria-label="backup filters" onSubmit={(e) => e.preventDefault()}>
          <SelectField
            label="Kind"
            name="kind"
            value={kind}
            choices={KINDS}
            any="any kind"
            onChange={(value) => setQuery({ kind: value, cursor: null })}
          />
          <SelectField
            label="Status"
            name="status"
            value={statusFilter}
            choices={STATUSES}
            any="any status"
            onChange={(value) => setQuery({ status: value, cursor: null })}
          />
        </form>
        {listAnswer.status === "error" && listAnswer.error.code === "invalid_cursor" ? (
          <CursorError />
        ) : list ? (
          <DataTable
            columns={LIST_COLUMNS}
            rows={list.data}
            rowKey={(b) => b.id}
            testId="backup-list"
            empty={
              <Empty title={kind || statusFilter ? "No backup matches these filters" : "No backups yet"}>
                {kind || statusFilter
                  ? "Pick another kind or status."
                  : "Start one with “Back up now”, or schedule omicslake backup --kind daily."}
              </Empty>
            }
          />
        ) : listAnswer.status === "error" ? (
          <ErrorState error={listAnswer.error} onRetry={listAnswer.reload} />
        ) : (
          <Loading label="Loading backups…" />
        )}
        {/* Not under a refused cursor: the page kept on screen would offer its own next cursor as a way on. */}
        {list && !(listAnswer.status === "error" && listAnswer.error.code === "invalid_cursor") && (
          <Pager nextCursor={list.meta.next_cursor} count={list.meta.count} ignore={["backup"]} />
        )}
      </section>
    </>
  );
}

const LIST_COLUMNS: readonly Column<Backup>[] = [
  { key: "id", label: "Backup", render: (b) => <Link href={withQuery({ backup: b.id })}>#{b.id}</Link> },
  { key: "kind", label: "Kind", render: (b) => <span class="tag">{b.kind}</span> },
  { key: "status", label: "Status", render: (b) => <Badge value={b.status} /> },
  { key: "started", label: "Started", render: (b) => formatTime(b.started_at) },
  {
    key: "duration",
    label: "Took",
    align: "right",
    secondary: true,
    render: (b) => formatDuration(b.started_at, b.finished_at),
  },
  { key: "objects", label: "Objects", align: "right", render: (b) => formatNumber(b.objects) },
  { key: "bytes", label: "Size", align: "right", render: (b) => formatBytes(b.bytes) },
  {
    key: "copied",
    label: "Copied",
    align: "right",
    secondary: true,
    render: (b) => formatBytes(b.bytes_copied),
  },
];

function BackupDetails({ id }: { id: string }): JSX.Element {
  const backup = useApi<Backup>(/^\d+$/.test(id) ? `/v1/backups/${id}` : null);
  if (!/^\d+$/.test(id))
    return <Empty title={`"${id}" is not a backup id`}>Pick a backup from the list below.</Empty>;
  return (
    <section class="panel" data-testid="backup-details">
      <div class="panel-head">
        <h2>Backup #{id}</h2>
        <Link href={withQuery({ backup: null })}>Close</Link>
      </div>
      <Async value={backup} loading="Loading the backup…">
        {(b) => (
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Badge value={b.status} /> <span class="tag">{b.kind}</span>
            </dd>
            <dt>Started</dt>
            <dd>{formatTime(b.started_at)}</dd>
            <dt>Finished</dt>
            <dd>
              {b.finished_at
                ? `${formatTime(b.finished_at)} (${formatDuration(b.started_at, b.finished_at)})`
                : "not yet"}
            </dd>
            <dt>Destination</dt>
            <dd>
              <code>{b.destination}</code>
            </dd>
            <dt>Folder</dt>
            <dd>
              <code>{b.folder}</code>
            </dd>
            <dt>Contents</dt>
            <dd>
              {formatNumber(b.objects)} objects, {formatBytes(b.bytes)}; {formatBytes(b.bytes_copied)} copied
              (the rest was already in the destination)
            </dd>
            <dt>Manifest</dt>
            <dd>
              {b.manifest ? (
                <>
                  <code>{b.manifest.key}</code>
                  <div class="muted mono">sha256 {b.manifest.sha256}</div>
                </>
              ) : (
                "none yet"
              )}
            </dd>
            {b.run_id !== null && (
              <>
                <dt>Run</dt>
                <dd>
                  <Link href={`/runs/${b.run_id}`}>#{b.run_id}</Link>
                </dd>
              </>
            )}
            {b.error && (
              <>
                <dt>Error</dt>
                <dd class="form-error">
                  {b.error.message} <code>{b.error.code}</code>
                </dd>
              </>
            )}
          </dl>
        )}
      </Async>
    </section>
  );
}

function BackupDialog({
  open,
  onClose,
  onStarted,
}: {
  open: boolean;
  onClose: () => void;
  onStarted: (backup: Backup) => void;
}): JSX.Element {
  const [kind, setKind] = useState<Backup["kind"]>("manual");
  const close = (): void => {
    action.clearError();
    onClose();
  };
  const action = useConfirmAction(async () => {
    onStarted(await apiSend<Backup>("POST", "/v1/backups", { kind }));
    close();
  });
  return (
    <ConfirmDialog
      open={open}
      title="Back up the lake now"
      confirmLabel="Start backup"
      busy={action.busy}
      error={action.error}
      onConfirm={action.run}
      onCancel={close}
    >
      <p>
        This copies the catalog and every object not yet in the configured destination, verifies them and
        writes a manifest. It runs in the background; you can leave this page.
      </p>
      <label class="field">
        Kind
        <select
          name="backup-kind"
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value as Backup["kind"])}
        >
          <option value="manual">manual (kept until deleted)</option>
          <option value="daily">daily (retention applies)</option>
          <option value="weekly">weekly (retention applies)</option>
        </select>
      </label>
    </ConfirmDialog>
  );
}
