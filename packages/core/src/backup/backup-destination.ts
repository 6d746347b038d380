import type { LakeConfig } from "../config/load-config.js";
import { redactUrl } from "../errors/redact-secrets.js";
import { openObjectStore, type StoreConfig } from "../object-store/open-object-store.js";
import type { ObjectStore } from "../object-store/object-store.js";

/**
 * The store a backup goes to or comes from, by URL: `file://DIR` or a plain path, or `s3://bucket/prefix`
 * with the lake's `[lake.s3]` endpoint and credentials (a second bucket on the same service). Undefined
 * URL: `[backup] to`, or else undefined (the lake's own store).
 */
export function backupStoreConfig(
  config: Pick<LakeConfig, "storage" | "backup">,
  url?: string,
): StoreConfig | undefined {
  if (url === undefined) return config.backup.to;
  if (!url.startsWith("s3://")) return { url };
  const { objectLock: _unused, ...s3 } = config.storage;
  return { ...s3, url };
}

/**
 * Opens the destination `url` names, reusing `own` (the lake's store) when it is the same place, so a
 * backup into the lake's own store never opens a second client for it.
 */
export async function openBackupStore(
  config: Pick<LakeConfig, "storage" | "backup">,
  own: ObjectStore | undefined,
  url?: string,
): Promise<{ store: ObjectStore; close: () => Promise<void> }> {
  const wanted = backupStoreConfig(config, url);
  if (wanted === undefined && own !== undefined) return { store: own, close: () => Promise.resolve() };
  const store = await openObjectStore(wanted ?? config.storage);
  if (own !== undefined && redactUrl(store.url) === redactUrl(own.url)) {
    await store.close();
    return { store: own, close: () => Promise.resolve() };
  }
  return { store, close: () => store.close() };
}
