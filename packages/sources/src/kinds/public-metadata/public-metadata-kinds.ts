import { PUBLIC_METADATA_KINDS, type CatalogObject } from "@omicslake/core";
import type { DataItem } from "../../items/data-item.js";
import { SOURCE_ADAPTERS } from "../../source-adapters.js";
import type { ItemListing, SourceKind, SourceKindContext } from "../source-kind.js";

/**
 * The public-metadata feeds (sra, geo, biosample, bioproject, pubmed) as source kinds: the downloader
 * fetches them straight into raw through their adapter, so their items are the raw dataset's objects,
 * one per object, keyed by its name. Before the first ingest (or without a lake) there are none.
 */
export const PUBLIC_METADATA_SOURCE_KINDS: readonly SourceKind[] = PUBLIC_METADATA_KINDS.map((spec) => {
  const adapter = SOURCE_ADAPTERS[spec.kind];
  if (!adapter) throw new Error(`public-metadata kind "${spec.kind}" has no source adapter`);
  return { spec, adapter, items: rawObjectItems };
});

async function rawObjectItems(context: SourceKindContext): Promise<ItemListing> {
  const { lake, dataset } = context;
  if (lake === undefined) return { items: [], problems: [] };
  const raw = await lake.catalog.findDataset(dataset.name, "raw");
  if (raw === undefined) return { items: [], problems: [] };
  const items: DataItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.catalog.listObjects(raw.id, { limit: 500, ...(cursor ? { cursor } : {}) });
    for (const object of page.items)
      items.push(itemOf(dataset.name, `${dataset.role}/${dataset.directory}`, object));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { items, problems: [] };
}

function itemOf(dataset: string, base: string, object: CatalogObject): DataItem {
  return {
    dataset,
    key: object.name,
    files: [{ name: object.name, size: object.size }],
    paired: false,
    subdir: `${base}/${object.name}`,
  };
}
