import type { Readable } from "node:stream";
import type { Layer } from "./layer.js";

/** What a store knows about one object, without reading it. */
export interface ObjectHead {
  readonly key: string;
  readonly size: number;
  /** Hex sha256 when the store recorded it at write time (both implementations do for their own writes). */
  readonly sha256: string | undefined;
  readonly mediaType: string | undefined;
  readonly lastModified: Date;
}

/** The outcome of a completed write: the checksum and size computed while the bytes streamed through. */
export interface PutResult {
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
}

export interface PutOptions {
  readonly mediaType?: string;
  /** When given, the write fails (and leaves nothing visible) if the streamed bytes hash differently. */
  readonly expectedSha256?: string;
  readonly expectedSize?: number;
  /** Called with the running byte count as data flows, for progress bars. */
  readonly onProgress?: (bytesWritten: number) => void;
  readonly signal?: AbortSignal;
}

export interface GetOptions {
  /** Verify the streamed bytes against this checksum; the stream errors with IntegrityError at the end on mismatch. */
  readonly verifySha256?: string;
  /** Byte range, inclusive start and exclusive end. */
  readonly range?: { readonly start: number; readonly end?: number };
}

export interface ListOptions {
  /** Page size; stores cap it at 1000. */
  readonly limit?: number;
  /** Opaque token from the previous page. */
  readonly pageToken?: string;
}

export interface ListPage {
  readonly items: readonly ObjectHead[];
  readonly nextPageToken: string | undefined;
}

/**
 * Something an interrupted write left in a store outside the objects themselves: a temp file, a
 * sidecar whose object is gone, or an entry at the store's root that is no layer. `removable` says
 * whether it is provably dead (its writer's process is gone, or it is older than the age given).
 */
export interface StoreDebris {
  readonly kind: "temp" | "stray_sidecar" | "root_stray";
  /** Path relative to the store's root, `/`-separated. */
  readonly path: string;
  readonly size: number;
  readonly modifiedAt: Date;
  readonly removable: boolean;
  /** Why it is (or is not) removable, for the report. */
  readonly reason: string;
}

export interface DebrisOptions {
  /** Entries whose writer cannot be identified count as dead once they are at least this old. */
  readonly olderThanMs: number;
  readonly now: Date;
  /** Only temp files: cheap enough for every start-up (sidecars mean walking the whole store). */
  readonly tempOnly?: boolean;
}

/** How a client downloads an object: a presigned URL (S3) or through the server (filesystem). */
export type DownloadLink =
  { readonly kind: "url"; readonly url: string; readonly expiresAt: Date } | { readonly kind: "stream" };

export type PutBody = Readable | AsyncIterable<Uint8Array> | Uint8Array | string;

/**
 * Bytes a store holds durably and checksummed in its staging area, under no key yet: the first half of
 * a write whose second half (publish) the caller decides on, so that concurrent writers of one key can
 * be ordered before any of their bytes become visible.
 */
export interface StagedObject {
  /** The key the bytes are meant for. */
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly mediaType: string;
  /** The store's name for the staging place (a random id): only that store can publish or discard it. */
  readonly location: string;
}

/**
 * One place objects live. Keys are `/`-separated, start with a layer (`raw/…`), and never contain
 * `..`, empty segments, backslashes or NUL. The store enforces the raw rules itself: putting to an
 * existing raw key and deleting a raw key are refused whatever the caller.
 *
 * Writes are atomic: a concurrent reader sees either nothing or the whole verified object.
 */
export interface ObjectStore {
  readonly kind: "fs" | "s3";
  /** A URL describing the store (`file:///…` or `s3://bucket/prefix`), without credentials. */
  readonly url: string;

  /** Streams `body` into `key`, computing sha256 and size on the way. */
  put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult>;
  /** Streams a local file into `key`. */
  putFile(key: string, path: string, options?: PutOptions): Promise<PutResult>;
  /** A readable stream of the object's bytes. Throws NotFoundError when absent. */
  get(key: string, options?: GetOptions): Promise<Readable>;
  head(key: string): Promise<ObjectHead | undefined>;
  /** One page of objects whose keys start with `prefix`, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** Every object under `prefix`, paging internally. */
  listAll(prefix: string): AsyncIterable<ObjectHead>;
  /** Server-side copy (no bytes through Node on S3); the destination obeys the same layer rules as put. */
  copy(sourceKey: string, destinationKey: string): Promise<PutResult>;
  /**
   * Streams `body` into the staging area for `key`, computing sha256 and size; nothing is visible under
   * `key` until publish. Raw keys that exist already are not refused here (publish settles that).
   */
  stage(key: string, body: PutBody, options?: PutOptions): Promise<StagedObject>;
  /** Stages a server-side copy of `sourceKey` for `key` (see stage). */
  stageCopy(sourceKey: string, key: string): Promise<StagedObject>;
  /**
   * Makes staged bytes the object under their key, atomically, and empties the staging place. Other
   * layers replace an existing object; raw refuses with raw_immutable when the key exists, leaving the
   * existing bytes and the staged ones untouched (discard them, or compare them first).
   */
  publish(staged: StagedObject): Promise<PutResult>;
  /** Removes staged bytes that will not be published; nothing happens when they are already gone. */
  discard(staged: StagedObject): Promise<void>;
  /** Deletes an object; refused for raw keys. Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  downloadLink(
    key: string,
    options?: { expiresInSeconds?: number; filename?: string },
  ): Promise<DownloadLink>;
  /** Leftovers of interrupted writes, for fsck; stores without any leave it out. */
  listDebris?(options: DebrisOptions): AsyncIterable<StoreDebris>;
  /** Removes one leftover listed by listDebris; never an object. */
  removeDebris?(debris: StoreDebris): Promise<void>;
  close(): Promise<void>;
}

export type { Layer };
