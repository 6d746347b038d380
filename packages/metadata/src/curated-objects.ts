import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { CatalogObject, Dataset } from "@omicslake/core";
import type { Lake } from "@omicslake/core";

/**
 * Puts a local file at a fixed name in a processed or curated dataset, replacing the previous version.
 * The store write is atomic (readers see the old or the new bytes), then the catalog row takes the new
 * size and checksum in one statement. A crash between the two leaves a row fsck flags and the next
 * run rewrites. Raw is refused, as everywhere.
 */
export async function replaceObject(
  lake: Lake,
  dataset: Dataset,
  name: string,
  file: string,
  mediaType: string,
): Promise<CatalogObject> {
  return lake.putObject(dataset, { name, file, mediaType });
}

/** Copies an object to a local file through the verifying reader (DuckDB reads local files only here). */
export async function downloadObject(lake: Lake, object: CatalogObject, path: string): Promise<void> {
  await pipeline(await lake.readObject(object), createWriteStream(path));
}
