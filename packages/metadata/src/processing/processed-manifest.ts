import type { RecordFormat } from "@omicslake/parsers";
import type { CatalogObject, Dataset } from "@omicslake/core";
import type { Lake } from "@omicslake/core";

/** Where manifests live inside a processed dataset. */
export const MANIFEST_PREFIX = "_manifests/";

/**
 * Written last for each processed unit (a group of raw objects parsed together): its presence is what
 * makes the unit's Parquet files count. A crash before it leaves outputs that nothing reads and that the
 * rerun adopts, so readers never see half a unit.
 */
export interface ProcessedManifest {
  readonly version: 1;
  readonly unit: string;
  readonly format: RecordFormat;
  readonly partition: string;
  readonly runId: number;
  /** SRA study accessions the records were filtered to; absent when every record was kept. */
  readonly accessions?: readonly string[];
  readonly inputs: readonly {
    readonly key: string;
    readonly name: string;
    readonly sha256: string;
    readonly size: number;
  }[];
  readonly outputs: readonly ProcessedOutput[];
}

export interface ProcessedOutput {
  readonly kind: string;
  readonly name: string;
  readonly key: string;
  readonly rows: number;
  readonly sha256: string;
  readonly size: number;
}

/** Every object of a dataset, paging through the catalog. */
export async function* objectsOf(lake: Lake, dataset: Dataset): AsyncGenerator<CatalogObject> {
  let cursor: string | undefined;
  do {
    const page = await lake.listObjects(dataset, { limit: 500, ...(cursor ? { cursor } : {}) });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** The manifests of a processed dataset (small JSON objects, read through the verifying reader). */
export async function readManifests(lake: Lake, dataset: Dataset): Promise<ProcessedManifest[]> {
  const manifests: ProcessedManifest[] = [];
  for await (const object of objectsOf(lake, dataset)) {
    if (!object.name.startsWith(MANIFEST_PREFIX)) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await lake.readObject(object)) chunks.push(chunk as Buffer);
    manifests.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ProcessedManifest);
  }
  return manifests;
}
