import type { CatalogObject, Dataset, Lake } from "@omicslake/core";
import type { ProcessedManifest } from "@omicslake/metadata";

/** Where processed datasets keep their unit manifests (see the metadata package's processed-manifest). */
const MANIFEST_PREFIX = "_manifests/";

/**
 * The unit manifests of a processed dataset, each read once per process: a manifest is written once and
 * never changed, so its key and sha256 name its content. Materializing every partition of a feed reads
 * every manifest to find the partition's outputs; without the cache a backfill of N partitions would read
 * N × N manifests.
 */
export class ManifestCache {
  readonly #manifests = new Map<string, ProcessedManifest>();

  async manifests(lake: Lake, dataset: Dataset): Promise<ProcessedManifest[]> {
    const out: ProcessedManifest[] = [];
    let cursor: string | undefined;
    do {
      const page = await lake.catalog.listObjects(dataset.id, { limit: 500, ...(cursor ? { cursor } : {}) });
      for (const object of page.items) {
        if (!object.name.startsWith(MANIFEST_PREFIX)) continue;
        out.push(await this.#read(lake, object));
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return out;
  }

  async #read(lake: Lake, object: CatalogObject): Promise<ProcessedManifest> {
    const id = `${object.key}\0${object.sha256}`;
    const known = this.#manifests.get(id);
    if (known !== undefined) return known;
    const chunks: Buffer[] = [];
    for await (const chunk of await lake.readObject(object)) chunks.push(chunk as Buffer);
    const manifest = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ProcessedManifest;
    this.#manifests.set(id, manifest);
    return manifest;
  }
}
