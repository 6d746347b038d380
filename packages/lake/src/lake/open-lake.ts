import { mkdir } from "node:fs/promises";
import { openCatalog } from "../catalog/sql-catalog.js";
import type { LakeConfig } from "../config/load-config.js";
import { openObjectStore } from "../object-store/open-object-store.js";
import { Lake } from "./lake.js";

/**
 * Opens the store and the catalog a configuration names, migrating the catalog, marks runs whose
 * owner died abandoned and sweeps their dead temp files (Lake.recover), and returns the lake.
 *
 * @example
 * const lake = await openLake(await loadConfig());
 * try { console.log(await lake.stats()); } finally { await lake.close(); }
 */
export async function openLake(config: Pick<LakeConfig, "root" | "storage" | "database">): Promise<Lake> {
  await mkdir(config.root, { recursive: true });
  const store = openObjectStore(config.storage);
  try {
    const catalog = await openCatalog(config.database);
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
