import type { CatalogObject, Lake } from "@omicslake/core";
import { partitionOfRawObject } from "@omicslake/metadata";

/** The record formats of the public-metadata feeds, as the metadata package names them. */
export type MetadataFormat = Parameters<typeof partitionOfRawObject>[0];

/** The partition a raw object belongs to, and where that partition sorts among the others. */
export interface RawPartitionKey {
  readonly key: string;
  readonly sortKey: string;
}

const VERSIONED = /^versions\/(\d{4})(\d{2})(\d{2})T\d{6,9}Z\/(.+)$/;
const GEO_MONTH = /^(\d{4})\/(\d{2})\//;
const SRA_BATCH = /^batch=(\d{4}-\d{2}-\d{2}|undated)\/stage=(Full|Incremental)$/;

/**
 * The partition key of a raw object of a public-metadata dataset, as the asset graph shows it: GEO by month
 * of update (`2024-05`; series fetched by accession are `accessions`), PubMed per file (`pubmed25n1300`), SRA
 * per Mirroring batch (`2025-01-10-Full`; each fetch of SRA_Accessions.tab is `accessions-<day>`), BioSample
 * and BioProject per day fetched (`2025-01-10`). Undefined for objects processing skips (other SRA reports).
 * Read from the name the source adapter chose, so the same object always lands in the same partition.
 */
export function rawPartitionKey(
  format: MetadataFormat,
  object: Pick<CatalogObject, "name" | "createdAt">,
): RawPartitionKey | undefined {
  const versioned = VERSIONED.exec(object.name);
  const name = versioned?.[4] ?? object.name;
  const fetchedOn = versioned ? `${versioned[1]}-${versioned[2]}-${versioned[3]}` : undefined;
  const partition = partitionOfRawObject(format, object.name);
  if (partition.skip) return undefined;
  switch (format) {
    case "geo": {
      const month = GEO_MONTH.exec(name);
      // Series fetched by accession carry no month: they form one partition, sorted before the months.
      return month
        ? { key: `${month[1]}-${month[2]}`, sortKey: `${month[1]}-${month[2]}` }
        : { key: "accessions", sortKey: "0000-00" };
    }
    case "pubmed": {
      const file = partition.path.replace(/^file=/, "");
      // Baseline files first, then update files, each by number: the order consolidation ranks them in.
      return { key: file, sortKey: `${partition.order.split("|")[0]}|${file}` };
    }
    case "sra":
    case "sra-accessions": {
      const batch = SRA_BATCH.exec(partition.path);
      if (batch) {
        const date = batch[1] === "undated" ? "0000-00-00" : batch[1]!;
        return { key: `${batch[1]}-${batch[2]}`, sortKey: `${date}|${batch[2] === "Full" ? 0 : 1}` };
      }
      const day = fetchedOn ?? "initial";
      return { key: `accessions-${day}`, sortKey: `${fetchedOn ?? "0000-00-00"}|2` };
    }
    case "biosample":
    case "bioproject":
    case "genbank": {
      // A first fetch is not versioned in its name: the day it reached the lake stands in.
      const day = fetchedOn ?? object.createdAt.toISOString().slice(0, 10);
      return { key: day, sortKey: day };
    }
  }
}

/** Every object of the raw dataset `name`; none when it was never fetched. */
export async function rawObjectsOf(lake: Lake, name: string): Promise<CatalogObject[]> {
  const dataset = await lake.catalog.findDataset(name, "raw");
  if (dataset === undefined) return [];
  const objects: CatalogObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.catalog.listObjects(dataset.id, { limit: 500, ...(cursor ? { cursor } : {}) });
    objects.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return objects;
}

/** The raw objects grouped by partition key, partitions oldest first. */
export function groupByPartition(
  format: MetadataFormat,
  objects: readonly CatalogObject[],
): Map<string, CatalogObject[]> {
  const groups = new Map<string, { sortKey: string; objects: CatalogObject[] }>();
  for (const object of objects) {
    const partition = rawPartitionKey(format, object);
    if (partition === undefined) continue;
    const group = groups.get(partition.key) ?? { sortKey: partition.sortKey, objects: [] };
    group.objects.push(object);
    groups.set(partition.key, group);
  }
  const ordered = [...groups].sort(([a, x], [b, y]) =>
    x.sortKey < y.sortKey ? -1 : x.sortKey > y.sortKey ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  return new Map(ordered.map(([key, group]) => [key, group.objects]));
}
