import { openCatalog } from "../catalog/sql-catalog.js";
import type { LakeConfig } from "../config/load-config.js";
import { assertNoRestoreMarker } from "../backup/restore-marker.js";
import { FsObjectStore } from "../object-store/fs/fs-object-store.js";
import { openObjectStore } from "../object-store/open-object-store.js";
import { Lake } from "./lake.js";
import { ensurePrivateDir, tightenTree, type NoticeSink } from "./private-files.js";

export interface OpenLakeOptions {
  /**
   * Told what the lake changed on its own, such as permissions it tightened; the CLI prints these on
   * stderr. Default: a process warning.
   */
  readonly onNotice?: NoticeSink;
}

/**
 * Opens the store and the catalog a configuration names, migrating the catalog, marks runs whose
 * owner died abandoned and sweeps their dead temp files (Lake.recover), and returns the lake.
 * The lake's local root, a filesystem store's root and the embedded catalog's directory are made
 * private to the owner (0700, files 0600), tightening (and reporting) any that were looser.
 *
 * @example
 * const lake = await openLake(await loadConfig());
 * try { console.log(await lake.stats()); } finally { await lake.close(); }
 */
export async function openLake(
  config: Pick<LakeConfig, "root" | "storage" | "database">,
  options: OpenLakeOptions = {},
): Promise<Lake> {
  const notice =
    options.onNotice ??
    ((message: string) => process.emitWarning(message, { code: "OMICSLAKE_PERMISSIONS" }));
  // A restore that was stopped leaves its marker: the half-built lake must not be taken for a whole one.
  assertNoRestoreMarker(config.root);
  await ensurePrivateDir(config.root, notice);
  const store = await openObjectStore(config.storage);
  try {
    if (store instanceof FsObjectStore) await ensurePrivateDir(store.root, notice);
    const pgliteDir = config.database.url?.trim() ? undefined : config.database.pgliteDir;
    if (pgliteDir !== undefined && !pgliteDir.startsWith("memory://")) {
      // A catalog folder that others could enter was written before files were made private: its
      // files, API keys included, are world-readable too. A private folder keeps others out of
      // whatever is inside, and the files are tightened when the catalog closes, so it is not walked.
      const tightened = (await ensurePrivateDir(pgliteDir, notice)) ? await tightenTree(pgliteDir) : 0;
      if (tightened > 0)
        notice(`made ${tightened} files and folders of the catalog in ${pgliteDir} private to their owner`);
    }
    const catalog = await openCatalog(config.database, { localRoot: config.root });
    const lake = new Lake(store, catalog);
    try {
      // Work killed earlier is recognised here, by whichever process comes next.
      await lake.recover();
    } catch (error) {
      await catalog.close();
      throw error;
    }
    return lake;
  } catch (error) {
    await store.close();
    throw error;
  }
}
