import type { DataConfig, SourceConfig } from "@omicslake/core";
import type { HttpClient } from "./fetch/http-client.js";

/** One file an upstream serves that a dataset needs. */
export interface UpstreamFile {
  readonly url: string;
  /** The object name inside the raw dataset; may contain "/" (`Mirroring/NCBI_SRA_Mirroring_20250101_Full/meta_run_set.xml.gz`). */
  readonly name: string;
  /** Where processing files its records: `{ batch, stage }` (SRA), `{ year, month }` (GEO), `{ set, file }` (PubMed). */
  readonly partition?: Readonly<Record<string, string>>;
  /** Size, date and ETag as the listing showed them; when given they let an ingest skip a file without a request. */
  readonly size?: number;
  readonly lastModified?: Date;
  readonly etag?: string;
  /** Hex MD5 the file must have. */
  readonly md5?: string;
  /** Where the MD5 is published (`pubmed25n0001.xml.gz.md5`); fetched only when the file itself is downloaded. */
  readonly md5Url?: string;
  /**
   * The upstream offers no validators (acc.cgi answers): once fetched, the file is only fetched again
   * when the ingest is asked to refresh. Files with ETag or Last-Modified are re-checked every ingest.
   */
  readonly immutable?: boolean;
}

/** What an adapter is given to list a dataset's files. */
export interface SourceListContext {
  readonly source: SourceConfig;
  readonly data: DataConfig;
  /** Rate-limited, retrying HTTP for listings and searches. */
  readonly http: HttpClient;
}

/**
 * One upstream (SRA, GEO, BioSample, BioProject, PubMed): which files a dataset needs. Adapters only
 * list; the downloader fetches, so resumption, retries and deduplication are the same for every source.
 *
 * @example for await (const file of sraSourceAdapter.list(ctx)) console.log(file.name);
 */
export interface SourceAdapter {
  readonly kind: string;
  /** The base URL used when the source config has no `url`. */
  readonly defaultUrl: string;
  /** Requests per second when the config sets none; undefined means unlimited. */
  defaultRequestsPerSecond(source: SourceConfig): number | undefined;
  list(context: SourceListContext): AsyncIterable<UpstreamFile>;
}

/** The source's base URL with a trailing slash, so relative paths resolve under it. */
export function baseUrlOf(source: SourceConfig, fallback: string): string {
  const url = source.url ?? fallback;
  return url.endsWith("/") ? url : `${url}/`;
}
