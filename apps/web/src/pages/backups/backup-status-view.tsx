import type { BackupStatus, BackupSummary } from "@omicslake/contract";
import type { JSX } from "preact";
import { Badge } from "../../ui/badge.js";
import { formatAge, formatBytes, formatNumber, formatTime } from "../../ui/format.js";

/** `/v1/backups/latest` in words: how old the last good backup is, one running now, the last failure. */
export function BackupStatusView({ status }: { status: BackupStatus }): JSX.Element {
  const { last_succeeded: ok, last_failed: failed, running } = status;
  const failedSince = failed && (!ok || failed.started_at > ok.started_at);
  return (
    <div class="backup-status" data-testid="backup-status">
      {ok ? (
        <p class="backup-age">
          Last backup <strong data-testid="backup-age">{formatAge(ok.finished_at ?? ok.started_at)}</strong>{" "}
          <Badge value="succeeded" />
        </p>
      ) : (
        <div class="backup-never">
          <p class="backup-age">
            Last backup: <strong data-testid="backup-age">never</strong>
          </p>
          <p class="muted">
            Make one with <code>omicslake backup</code> (or “Back up now” on the Backups page with an admin
            key).
          </p>
        </div>
      )}
      <dl class="facts">
        {ok && <Summary label="Last succeeded" backup={ok} />}
        {running && <Summary label="Running now" backup={running} />}
        {failed && <Summary label={failedSince ? "Failed since" : "Last failed"} backup={failed} />}
      </dl>
    </div>
  );
}

function Summary({ label, backup }: { label: string; backup: BackupSummary }): JSX.Element {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        #{backup.id} <Badge value={backup.status} /> <span class="tag">{backup.kind}</span>{" "}
        {formatTime(backup.finished_at ?? backup.started_at)} · {formatNumber(backup.objects)} objects,{" "}
        {formatBytes(backup.bytes)}
      </dd>
    </>
  );
}
