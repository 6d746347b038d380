import type { BackupJob, BackupStatus } from "./backup-job.js";
import type { BackupKind } from "./backup-layout.js";

/** A backup as `--json` and the API show it. */
export interface BackupRecord {
  readonly id: number;
  readonly kind: BackupKind;
  readonly status: BackupStatus;
  readonly destination: string;
  readonly folder: string;
  readonly run_id: number | null;
  readonly objects: number;
  readonly bytes: number;
  readonly bytes_copied: number;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly manifest: { readonly key: string; readonly sha256: string } | null;
  readonly error: BackupJob["error"];
}

export function backupRecord(job: BackupJob): BackupRecord {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    destination: job.destination,
    folder: job.folder,
    run_id: job.runId,
    objects: job.objects,
    bytes: job.bytes,
    bytes_copied: job.bytesCopied,
    started_at: job.startedAt.toISOString(),
    finished_at: job.finishedAt?.toISOString() ?? null,
    manifest: job.manifest,
    error: job.error,
  };
}
