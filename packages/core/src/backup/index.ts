export type { BackupJob, BackupStatus } from "./backup-job.js";
export {
  BACKUP_KINDS,
  BACKUPS_PREFIX,
  isBackupKind,
  poolKey,
  splitBackupLocation,
  type BackupKind,
} from "./backup-layout.js";
export { MANIFEST_FORMAT, type BackupManifest } from "./backup-manifest.js";
export type { BackupRepository } from "./backup-repository.js";
export { pruneBackups, type Retention } from "./backup-retention.js";
export {
  BackupScheduler,
  nextSlot,
  parseSlot,
  previousSlot,
  systemClock,
  type BackupSchedulerOptions,
  type SchedulerClock,
  type Slot,
} from "./backup-schedule.js";
export { backupRepository, runBackup, type BackupOptions } from "./run-backup.js";
export { restoreBackup, type RestoreOptions, type RestoreResult } from "./restore-backup.js";
export { RESTORE_MARKER } from "./restore-marker.js";
export { backupStoreConfig, openBackupStore } from "./backup-destination.js";
export { backupRecord, type BackupRecord } from "./backup-record.js";
