import type {
  DataConfig,
  Lake,
  ResolvedDataset,
  SourceConfig,
  SourceKindSpec,
  StepOptions,
} from "@omicslake/core";
import type { HttpClient } from "../fetch/http-client.js";
import type { Readable } from "node:stream";
import type { ItemFile, ItemListing } from "../items/data-item.js";
import type { SourceAdapter } from "../source-adapter.js";

export type { ItemListing };

/** What a kind is given to sync a dataset or list its items. */
export interface SourceKindContext {
  /** The `[source.X]` section's name. */
  readonly sourceName: string;
  readonly source: SourceConfig;
  readonly data: DataConfig;
  readonly dataset: ResolvedDataset;
  /** The source's local root (`path`, resolved against the config file), when it has one. */
  readonly root?: string;
  /** The lake's local state directory (for work files that must survive a restart). */
  readonly lakeRoot: string;
  /** The open lake, when there is one: feeds fetched into raw list their items from the raw dataset. */
  readonly lake?: Lake;
  /** Rate-limited, retrying HTTP. */
  readonly http: HttpClient;
  readonly step: StepOptions;
  readonly log: (line: string) => void;
}

/** What a sync brought into the local tree. */
export interface SyncResult {
  /** Names (relative to the dataset's directory) written or replaced by this sync. */
  readonly fetched: readonly string[];
  /** Names that were already there and current. */
  readonly unchanged: readonly string[];
}

/**
 * The extension point of flow 4: one source kind. Its `spec` tells the configuration which keys, layouts
 * and steps it has; `items` says what its datasets hold; `sync` (kinds with an upstream) brings upstream data
 * into the source's local tree first; `adapter` (feeds fetched straight into raw) lists upstream files for the
 * resumable downloader. A new kind is a folder with one `SourceKind`, listed in `SOURCE_KINDS`.
 */
export interface SourceKind {
  readonly spec: SourceKindSpec;
  /** Feeds the downloader fetches into raw directly (public metadata, URL lists). */
  readonly adapter?: SourceAdapter;
  /** Brings the dataset's upstream data into its local tree (genomes, GenBank divisions, reads by command). */
  sync?(context: SourceKindContext): Promise<SyncResult>;
  /** Requests per second to an upstream when the source sets no `requests_per_second` (NCBI's published limits). */
  defaultRequestsPerSecond?(source: SourceConfig): number | undefined;
  /** The dataset's items as they are now (its local tree, its file list). */
  items(context: SourceKindContext): Promise<ItemListing>;
  /**
   * A stream of one item file that is neither on disk nor at an http(s) URL (an object in a bucket), for
   * ingest to copy into raw. Kinds whose files have a `path` or an http(s) `url` leave it out.
   */
  open?(context: SourceKindContext, file: ItemFile): Promise<Readable>;
}
