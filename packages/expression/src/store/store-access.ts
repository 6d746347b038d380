import type { StoreBuild } from "../engine/expression-engine.js";
import type { StoreManifest } from "./store-layout.js";

/**
 * How queries reach a store's current build. Implemented over the lake (store/lake-store-access.ts): it reads
 * `store.json`, copies the build's files through the lake's verifying reader into a local cache (once per
 * build; a copy whose sha256 differs is never used), and says why there is nothing to query:
 * - `expression_not_built` (404) when the dataset has no published build, naming `omicslake expr build NAME`;
 * - `expression_building` (409) when its first build is running now (a rebuild does not block queries:
 *   they keep reading the previous build until the new `store.json` is published);
 * - `unknown_dataset` (404) when neither a processed dataset nor a store of that name exists.
 */
export interface StoreAccess {
  /** The published build queries should read now. */
  current(dataset: string, signal?: AbortSignal): Promise<StoreBuild>;
  /** Manifests of every published store (for listings), newest build of each. */
  list(): Promise<StoreManifest[]>;
  /**
   * Removes the local copies of builds older than each store's current one and the one before it (which queries
   * that started before the switch may still read).
   */
  prune(): Promise<void>;
}
