import type { Readable } from "node:stream";
import type { ObjectStore } from "../object-store/object-store.js";
import type { BackupJob } from "./backup-job.js";
import { POOL_PREFIX, type BackupKind } from "./backup-layout.js";
import { parseManifest } from "./backup-manifest.js";
import type { BackupRepository } from "./backup-repository.js";

/** How many backups of each scheduled kind to keep at a destination; manual backups are never pruned. */
export interface Retention {
  readonly keepDaily: number;
  readonly keepWeekly: number;
}

/**
 * Removes the daily and weekly backups beyond the retention counts at `destination`, newest kept: the
 * manifest first (so a half-removed backup is never taken for a complete one), then its catalog dump;
 * then the pool objects no kept backup's manifest names. Only keys under archive/backups/ are touched,
 * never a lake object. Runs while the calling backup still holds the one-running-backup slot, so no
 * other backup can be adding to the pool meanwhile.
 */
export async function pruneBackups(
  repo: BackupRepository,
  destination: ObjectStore,
  retention: Retention,
  /** The kind of the backup now finishing: it counts as the newest kept one of its kind. */
  finishing?: BackupKind,
): Promise<{ backups: number[]; poolObjects: number }> {
  const pruned: number[] = [];
  for (const [kind, keep] of [
    ["daily", retention.keepDaily],
    ["weekly", retention.keepWeekly],
  ] as const) {
    const done = await repo.list({ kind, status: "succeeded", destination: destination.url });
    for (const old of done.slice(kind === finishing ? keep - 1 : keep)) {
      await removeFolder(destination, old);
      await repo.markPruned(old.id);
      pruned.push(old.id);
    }
  }
  if (pruned.length === 0) return { backups: [], poolObjects: 0 };
  const referenced = new Set<string>();
  // Every complete backup here keeps its objects, the one now finishing (still `running`) included.
  for (const status of ["succeeded", "running"] as const) {
    for (const kept of await repo.list({ status, destination: destination.url })) {
      const head = await destination.head(`${kept.folder}manifest.json`);
      if (head === undefined) continue;
      const manifest = parseManifest(await text(await destination.get(head.key)), head.key);
      for (const object of manifest.objects) referenced.add(object.sha256);
    }
  }
  let poolObjects = 0;
  for await (const head of destination.listAll(POOL_PREFIX)) {
    const sha256 = head.key.slice(head.key.lastIndexOf("/") + 1);
    if (referenced.has(sha256)) continue;
    await destination.delete(head.key);
    poolObjects++;
  }
  return { backups: pruned, poolObjects };
}

/**
 * Removes what failed backups left at `destination`: the catalog dump of a backup killed or failed before
 * its manifest. Such a folder is never used (no manifest), so it is only debris; a failed backup whose
 * manifest exists (its catalog row could not be marked succeeded) is left alone. Called while the calling
 * backup holds the one-running-backup slot. Returns how many folders were removed.
 */
export async function removeFailedBackupFolders(
  repo: BackupRepository,
  destination: ObjectStore,
): Promise<number> {
  let removed = 0;
  for (const failed of await repo.list({ status: "failed", destination: destination.url })) {
    if ((await destination.head(`${failed.folder}manifest.json`)) !== undefined) continue;
    const keys: string[] = [];
    for await (const head of destination.listAll(failed.folder)) keys.push(head.key);
    for (const key of keys) await destination.delete(key);
    if (keys.length > 0) removed++;
  }
  return removed;
}

async function removeFolder(store: ObjectStore, job: BackupJob): Promise<void> {
  await store.delete(`${job.folder}manifest.json`);
  const keys: string[] = [];
  for await (const head of store.listAll(job.folder)) keys.push(head.key);
  for (const key of keys) await store.delete(key);
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
