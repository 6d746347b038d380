import type { BackupKind } from "./backup-layout.js";

export type BackupStatus = "running" | "succeeded" | "failed" | "pruned";

/** A backup as the catalog records it (`omicslake backup --json`, `GET /v1/backups/{id}`). */
export interface BackupJob {
  readonly id: number;
  readonly kind: BackupKind;
  readonly status: BackupStatus;
  /** The destination store's URL (never with credentials). */
  readonly destination: string;
  /** The backup's folder inside the destination: `archive/backups/{kind}/{timestamp}/`. */
  readonly folder: string;
  readonly runId: number | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  /** Objects the backup holds, and their bytes; `bytesCopied` is what this backup had to copy. */
  readonly objects: number;
  readonly bytes: number;
  readonly bytesCopied: number;
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown } | null;
  /** The manifest's key and sha256: only a backup that has one is complete. */
  readonly manifest: { readonly key: string; readonly sha256: string } | null;
}
