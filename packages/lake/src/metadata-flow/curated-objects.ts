import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { CatalogObject, Dataset } from "../catalog/catalog-types.js";
import type { Lake } from "../lake/lake.js";
import { PolicyError } from "../errors/omicslake-error.js";

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
  if (dataset.layer === "raw") {
    throw new PolicyError("raw_immutable", `cannot replace "${name}" in raw dataset "${dataset.name}"`, {
      details: { dataset: dataset.name, name },
      hint: "Raw objects are immutable: add a new object instead",
    });
  }
  const key = lake.objectKey(dataset, name);
  const existing = await lake.catalog.findObjectByKey(key);
  if (!existing) return lake.addObject(dataset, { name, file, mediaType });
  const put = await lake.store.putFile(key, file, { mediaType });
  // The catalog has no "replace" operation yet: update the row and the dataset's byte total together.
  await lake.catalog.db.query(
    `WITH updated AS (
       UPDATE objects SET size = $2, sha256 = $3, media_type = $4, created_at = now() WHERE id = $1 RETURNING dataset_id
     )
     UPDATE datasets SET total_bytes = total_bytes + $2 - $5, updated_at = now() FROM updated WHERE datasets.id = updated.dataset_id`,
    [existing.id, put.size, put.sha256, mediaType, existing.size],
  );
  return { ...existing, size: put.size, sha256: put.sha256, mediaType, createdAt: new Date() };
}

/** Copies an object to a local file through the verifying reader (DuckDB reads local files only here). */
export async function downloadObject(lake: Lake, object: CatalogObject, path: string): Promise<void> {
  await pipeline(await lake.readObject(object), createWriteStream(path));
}
