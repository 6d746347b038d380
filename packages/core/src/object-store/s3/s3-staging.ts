import type { Layer } from "../layer.js";

/**
 * Staged objects live under this folder of the prefix, outside the layers: listings and fsck's orphan
 * scan never see them, and a crashed write's leftovers are easy to find and sweep.
 */
export const STAGING_FOLDER = ".staging/";
/** Staged objects are named by a random UUID, nothing else. */
const STAGED_LOCATION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a write is for: a layer's key, or the staging folder (written like a non-raw layer). */
export type WriteLayer = Layer | "staging";

export function stagingKey(location: string): string {
  return `${STAGING_FOLDER}${location}`;
}

export function checkLocation(location: string): string {
  if (!STAGED_LOCATION.test(location)) {
    throw new Error(`staged location ${JSON.stringify(location)} was not issued by this store`);
  }
  return location;
}
