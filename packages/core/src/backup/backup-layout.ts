import { ValidationError } from "../errors/omicslake-error.js";

/** What started a backup: a person (or the API), or one of the two schedules. */
export const BACKUP_KINDS = ["manual", "daily", "weekly"] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

export function isBackupKind(value: string): value is BackupKind {
  return (BACKUP_KINDS as readonly string[]).includes(value);
}

/**
 * Everything backups write lives under this prefix of the destination store. It is in the archive
 * layer so a backup kept in the lake's own store obeys the store's key rules; fsck knows the prefix
 * holds no catalog objects.
 */
export const BACKUPS_PREFIX = "archive/backups/";

/** Where the object pool lives: one object per sha256, shared by every backup at a destination. */
export const POOL_PREFIX = `${BACKUPS_PREFIX}objects/sha256/`;

export const MANIFEST_NAME = "manifest.json";

/** The pool key of the bytes with this sha256: `archive/backups/objects/sha256/ab/abcd…`. */
export function poolKey(sha256: string): string {
  return `${POOL_PREFIX}${sha256.slice(0, 2)}/${sha256}`;
}

/** `archive/backups/{kind}/{timestamp}/`: sortable, and without `:` so it is a valid file name everywhere. */
export function backupFolder(kind: BackupKind, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/:/g, "-");
  return `${BACKUPS_PREFIX}${kind}/${stamp}/`;
}

/**
 * Splits a backup's location as a user gives it (`…/archive/backups/daily/2026-…/`, or its
 * `manifest.json`) into the store it lives in and the folder's key inside that store.
 * @example splitBackupLocation("s3://bkp/lab/archive/backups/manual/2026-01-01T00-00-00.000Z/manifest.json")
 *   // { storeUrl: "s3://bkp/lab", folder: "archive/backups/manual/2026-01-01T00-00-00.000Z/" }
 */
export function splitBackupLocation(location: string): { storeUrl: string; folder: string } {
  const trimmed = location.replace(/\\/g, "/").replace(new RegExp(`/?${MANIFEST_NAME}$`), "");
  const match = /^(.*?)\/?(archive\/backups\/(manual|daily|weekly)\/[^/]+)\/?$/.exec(trimmed);
  if (!match || match[1] === undefined || match[2] === undefined) {
    throw new ValidationError(`${JSON.stringify(location)} is not a backup folder or manifest`, {
      details: { location },
      hint: "Give a backup id, or the path or URL of a backup folder: …/archive/backups/{kind}/{timestamp}/",
    });
  }
  return { storeUrl: match[1] === "" ? "." : match[1], folder: `${match[2]}/` };
}
