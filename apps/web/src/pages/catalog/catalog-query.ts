import type { Layer } from "@omicslake/contract";

export const LAYERS: readonly Layer[] = ["raw", "processed", "curated", "archive"];
export const DEFAULT_LIMIT = 25;
/** The API's largest page. */
export const MAX_LIMIT = 500;

/** The catalog's view as its URL holds it: filters, page size and cursor. */
export interface CatalogQuery {
  readonly q: string;
  readonly layer: Layer | "";
  readonly source: string;
  readonly tag: string;
  readonly limit: number;
  readonly cursor: string;
}

export function readCatalogQuery(query: URLSearchParams): CatalogQuery {
  const layer = query.get("layer") ?? "";
  const limit = Number.parseInt(query.get("limit") ?? "", 10);
  return {
    q: query.get("q") ?? "",
    // An unknown layer in a hand-edited URL is dropped rather than sent (the API would answer 400).
    layer: (LAYERS as readonly string[]).includes(layer) ? (layer as Layer) : "",
    source: query.get("source") ?? "",
    tag: query.get("tag") ?? "",
    limit: Number.isFinite(limit) && limit > 0 ? Math.min(limit, MAX_LIMIT) : DEFAULT_LIMIT,
    cursor: query.get("cursor") ?? "",
  };
}

export function hasFilters(query: CatalogQuery): boolean {
  return Boolean(query.q || query.layer || query.source || query.tag);
}

/** The active filters in words: `"pbmc" in curated, source lab, tagged demo`. */
export function describeFilters(query: CatalogQuery): string {
  const parts: string[] = [];
  if (query.q) parts.push(`“${query.q}”`);
  if (query.layer) parts.push(`in ${query.layer}`);
  if (query.source) parts.push(`from source ${query.source}`);
  if (query.tag) parts.push(`tagged ${query.tag}`);
  return parts.join(", ");
}
