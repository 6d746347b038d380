import { constants as fsConstants, type Stats } from "node:fs";
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  unlink,
  type FileHandle,
} from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { addAbortSignal, Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { NotFoundError, ValidationError } from "../../errors/omicslake-error.js";
import { isLayer, type Layer } from "../layer.js";
import {
  acceptPut,
  createVerifyingStream,
  DEFAULT_MEDIA_TYPE,
  PutDigest,
  rawImmutableError,
} from "../object-body.js";
import { compareKeys, validateKeyPrefix, validateObjectKey } from "../object-key.js";
import { byteSpan, withVerification } from "./fs-byte-range.js";
import { fsTempFileName, listFsDebris, removeFsDebris } from "./fs-debris.js";
import { errorCode, ignoreMissing, isMissing, keyConflict } from "./fs-errors.js";
import { hashStream, openSource, syncDirectory, writeStream } from "./fs-file-writes.js";
import { decodePageToken, encodePageToken, MAX_PAGE, pageLimit } from "./fs-page-token.js";
import type {
  DebrisOptions,
  DownloadLink,
  GetOptions,
  ListOptions,
  ListPage,
  ObjectHead,
  ObjectStore,
  PutBody,
  PutOptions,
  PutResult,
  StagedObject,
  StoreDebris,
} from "../object-store.js";

/** Where temp files live: inside the root, so publishing them is a same-filesystem rename or link. */
const TEMP_DIR = ".tmp";
/** Checksums and media types, in a tree that mirrors the keys but stays out of the layer folders. */
const META_DIR = ".meta";
const READ_CHUNK_BYTES = 1 << 20;
/** Staged objects are named in the temp folder as fsTempFileName() makes them (host tag, pid, UUID), nothing else. */
const STAGED_LOCATION = /^[0-9a-f]{12}\.\d+\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The sidecar stored for every object. `mtimeMs` ties it to the data file it describes. */
interface ObjectMeta {
  readonly sha256: string;
  readonly size: number;
  readonly mediaType: string;
  readonly mtimeMs: number;
}

/**
 * Objects as plain files under a root directory (`<root>/raw/ncbi/x.gz`), so a lake on disk can be read
 * with ordinary tools. Writes stream into `<root>/.tmp/`, are fsynced and then published by rename
 * (or, for raw, by a hard link that fails if the key exists, so two racing writers cannot replace each
 * other). Sidecars under `<root>/.meta/` record sha256, size and media type; raw files are made
 * read-only on disk as well.
 *
 * Listings report size and modification time but not sha256 (that would cost a read per object, and S3
 * listings cannot give it either); `head` gives it.
 */
export class FsObjectStore implements ObjectStore {
  readonly kind = "fs" as const;
  readonly url: string;
  /** The absolute root directory. */
  readonly root: string;

  constructor(root: string) {
    if (!isAbsolute(root)) {
      throw new ValidationError(`filesystem store root ${JSON.stringify(root)} is not an absolute path`, {
        details: { root },
        hint: "Resolve the path first (openObjectStore does this for relative paths)",
      });
    }
    this.root = resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  async put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult> {
    const { source, layer, checked } = await acceptPut(
      key,
      body,
      options,
      validateObjectKey,
      async (layer) => {
        // Refuse before reading anything; the no-replace publish below still settles races.
        if (layer === "raw" && (await this.statObject(key)) !== undefined)
          throw rawImmutableError(key, "overwrite");
      },
    );
    if (checked.signal) addAbortSignal(checked.signal, source);

    let temp: string | undefined;
    let handle: FileHandle | undefined;
    try {
      temp = await this.tempPath();
      // The mode only applies to the new file's permissions; this descriptor stays writable.
      handle = await open(temp, "wx", layer === "raw" ? 0o400 : 0o600);
      const digest = new PutDigest(key, checked);
      await writeStream(handle, source, digest);
      const { sha256, size } = digest.finish();
      await handle.sync();
      const { mtimeMs } = await handle.stat();
      await handle.close();
      handle = undefined;
      checked.signal?.throwIfAborted();
      await this.publishTemp(key, layer, temp, { sha256, size, mediaType: checked.mediaType, mtimeMs });
      return { key, size, sha256 };
    } catch (error) {
      source.destroy();
      throw error;
    } finally {
      await handle?.close().catch(() => undefined);
      if (temp !== undefined) {
        await rm(temp, { force: true });
        await rm(`${temp}.meta`, { force: true });
      }
    }
  }

  async stage(key: string, body: PutBody, options?: PutOptions): Promise<StagedObject> {
    const { source, layer, checked } = await acceptPut(key, body, options, validateObjectKey);
    if (checked.signal) addAbortSignal(checked.signal, source);
    const location = fsTempFileName();
    const temp = join(this.root, TEMP_DIR, location);
    let handle: FileHandle | undefined;
    try {
      await mkdir(dirname(temp), { recursive: true, mode: 0o700 });
      handle = await open(temp, "wx", layer === "raw" ? 0o400 : 0o600);
      const digest = new PutDigest(key, checked);
      await writeStream(handle, source, digest);
      const { sha256, size } = digest.finish();
      await handle.sync();
      await handle.close();
      handle = undefined;
      checked.signal?.throwIfAborted();
      return { key, size, sha256, mediaType: checked.mediaType, location };
    } catch (error) {
      source.destroy();
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
  }

  async stageCopy(sourceKey: string, key: string): Promise<StagedObject> {
    validateObjectKey(sourceKey);
    const layer = validateObjectKey(key);
    const sourceStats = await this.statObject(sourceKey);
    if (sourceStats === undefined) throw new NotFoundError("object", sourceKey);
    const meta = await this.readMeta(sourceKey, sourceStats);
    const location = fsTempFileName();
    const temp = join(this.root, TEMP_DIR, location);
    try {
      await mkdir(dirname(temp), { recursive: true, mode: 0o700 });
      const copied = await this.copyToTemp(sourceKey, layer, meta, temp).catch((error: unknown) => {
        // Deleted between the stat and the copy.
        throw isMissing(error) ? new NotFoundError("object", sourceKey, { cause: error }) : error;
      });
      return {
        key,
        size: copied.size,
        sha256: copied.sha256,
        mediaType: meta?.mediaType ?? DEFAULT_MEDIA_TYPE,
        location,
      };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async publish(staged: StagedObject): Promise<PutResult> {
    const layer = validateObjectKey(staged.key);
    const temp = this.stagedPath(staged);
    try {
      const { mtimeMs, size } = await lstat(temp);
      if (size !== staged.size)
        throw new Error(`staged bytes for ${staged.key} changed size (${size}, expected ${staged.size})`);
      await this.publishTemp(staged.key, layer, temp, {
        sha256: staged.sha256,
        size,
        mediaType: staged.mediaType,
        mtimeMs,
      });
      // Raw publishes by link(2): the staged name still points at the bytes and goes now.
      await rm(temp, { force: true });
      return { key: staged.key, size, sha256: staged.sha256 };
    } finally {
      await rm(`${temp}.meta`, { force: true });
    }
  }

  async discard(staged: StagedObject): Promise<void> {
    const temp = this.stagedPath(staged);
    await rm(temp, { force: true });
    await rm(`${temp}.meta`, { force: true });
  }

  async putFile(key: string, path: string, options?: PutOptions): Promise<PutResult> {
    validateObjectKey(key);
    const handle = await openSource(path);
    return this.put(key, handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }), options);
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    validateObjectKey(key);
    const verifier =
      options.verifySha256 === undefined ? undefined : createVerifyingStream(key, options.verifySha256);
    let handle: FileHandle;
    try {
      handle = await open(this.dataPath(key), "r");
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError("object", key, { cause: error });
      throw error;
    }
    // Reading through the descriptor opened here means a concurrent overwrite (a rename) cannot mix two
    // versions into one read.
    let stats: Stats;
    try {
      stats = await handle.stat();
      if (!stats.isFile()) throw new NotFoundError("object", key);
    } catch (error) {
      await handle.close();
      throw error;
    }
    let span: { start: number; end: number } | undefined;
    try {
      span = byteSpan(key, stats.size, options.range);
    } catch (error) {
      await handle.close();
      throw error;
    }
    if (span === undefined) {
      await handle.close();
      return withVerification(Readable.from([]), verifier);
    }
    const stream = handle.createReadStream({
      start: span.start,
      end: span.end - 1,
      highWaterMark: READ_CHUNK_BYTES,
    });
    return withVerification(stream, verifier);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    validateObjectKey(key);
    const stats = await this.statObject(key);
    if (stats === undefined) return undefined;
    const meta = await this.readMeta(key, stats);
    return {
      key,
      size: stats.size,
      sha256: meta?.sha256,
      mediaType: meta?.mediaType,
      lastModified: stats.mtime,
    };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    validateKeyPrefix(prefix);
    const limit = pageLimit(options.limit);
    const after = options.pageToken === undefined ? undefined : decodePageToken(options.pageToken);
    const keys: string[] = [];
    let more = false;
    for await (const key of this.walk("", prefix, after)) {
      if (keys.length === limit) {
        more = true;
        break;
      }
      keys.push(key);
    }
    const items: ObjectHead[] = [];
    for (const key of keys) {
      const stats = await this.statObject(key);
      // Deleted between the directory read and now: leave it out, as a later listing would.
      if (stats === undefined) continue;
      items.push({
        key,
        size: stats.size,
        sha256: undefined,
        mediaType: undefined,
        lastModified: stats.mtime,
      });
    }
    const last = keys.at(-1);
    return { items, nextPageToken: more && last !== undefined ? encodePageToken(last) : undefined };
  }

  async *listAll(prefix: string): AsyncIterable<ObjectHead> {
    let pageToken: string | undefined;
    do {
      const page = await this.list(prefix, { limit: MAX_PAGE, pageToken });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  }

  async copy(sourceKey: string, destinationKey: string): Promise<PutResult> {
    validateObjectKey(sourceKey);
    const layer = validateObjectKey(destinationKey);
    const sourceStats = await this.statObject(sourceKey);
    if (sourceStats === undefined) throw new NotFoundError("object", sourceKey);
    if (layer === "raw" && (await this.statObject(destinationKey)) !== undefined) {
      throw rawImmutableError(destinationKey, "overwrite");
    }
    const meta = await this.readMeta(sourceKey, sourceStats);
    const temp = await this.tempPath();
    try {
      const { stats, sha256 } = await this.copyToTemp(sourceKey, layer, meta, temp);
      await this.publishTemp(destinationKey, layer, temp, {
        sha256,
        size: stats.size,
        mediaType: meta?.mediaType ?? DEFAULT_MEDIA_TYPE,
        mtimeMs: stats.mtimeMs,
      });
      return { key: destinationKey, size: stats.size, sha256 };
    } finally {
      await rm(temp, { force: true });
      await rm(`${temp}.meta`, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    const layer = validateObjectKey(key);
    if (layer === "raw") throw rawImmutableError(key, "delete");
    const stats = await this.statObject(key);
    if (stats === undefined) return;
    await unlink(this.dataPath(key)).catch(ignoreMissing);
    await unlink(this.metaPath(key)).catch(ignoreMissing);
    await this.pruneEmptyDirectories(this.root, key);
    await this.pruneEmptyDirectories(join(this.root, META_DIR), key);
  }

  async downloadLink(key: string): Promise<DownloadLink> {
    validateObjectKey(key);
    if ((await this.statObject(key)) === undefined) throw new NotFoundError("object", key);
    // No URL can reach a local disk; the server streams the object itself.
    return { kind: "stream" };
  }

  listDebris(options: DebrisOptions): AsyncIterable<StoreDebris> {
    return listFsDebris(this.root, options);
  }

  removeDebris(debris: StoreDebris): Promise<void> {
    return removeFsDebris(this.root, debris);
  }

  close(): Promise<void> {
    // Nothing is held open between calls.
    return Promise.resolve();
  }

  // ---------------------------------------------------------------------------------------------------

  /** A real copy of `sourceKey` at `temp`, synced, with its size and sha256 (from the sidecar when it has one). */
  private async copyToTemp(
    sourceKey: string,
    layer: Layer,
    meta: ObjectMeta | undefined,
    temp: string,
  ): Promise<{ stats: Stats; size: number; sha256: string }> {
    // A real copy (a reflink where the filesystem can), never a hard link: a hard link would share the
    // inode, so a tool writing into the copy in place would change raw too.
    await copyFile(this.dataPath(sourceKey), temp, fsConstants.COPYFILE_FICLONE);
    await chmod(temp, layer === "raw" ? 0o400 : 0o600);
    const handle = await open(temp, "r");
    try {
      const stats = await handle.stat();
      const sha256 =
        meta !== undefined && meta.size === stats.size
          ? meta.sha256
          : await hashStream(sourceKey, handle.createReadStream({ autoClose: false }));
      await handle.sync();
      return { stats, size: stats.size, sha256 };
    } finally {
      await handle.close();
    }
  }

  /** The temp file of a staged object; its location must be a name this store generated. */
  private stagedPath(staged: StagedObject): string {
    if (!STAGED_LOCATION.test(staged.location)) {
      throw new Error(`staged location ${JSON.stringify(staged.location)} was not issued by this store`);
    }
    return join(this.root, TEMP_DIR, staged.location);
  }

  private dataPath(key: string): string {
    return join(this.root, ...key.split("/"));
  }

  private metaPath(key: string): string {
    return join(this.root, META_DIR, ...key.split("/"));
  }

  private async tempPath(): Promise<string> {
    const dir = join(this.root, TEMP_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return join(dir, fsTempFileName());
  }

  /** The data file's stats, or undefined when there is no object (missing, or a directory on the way). */
  private async statObject(key: string): Promise<Stats | undefined> {
    try {
      const stats = await lstat(this.dataPath(key));
      return stats.isFile() ? stats : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * The sidecar, when it describes this very data file: a sidecar left from an older version (an
   * overwrite caught between its two renames, or a file replaced behind the store's back) is ignored
   * rather than trusted.
   */
  private async readMeta(key: string, stats: Stats): Promise<ObjectMeta | undefined> {
    let meta: ObjectMeta;
    try {
      meta = JSON.parse(await readFile(this.metaPath(key), "utf8")) as ObjectMeta;
    } catch (error) {
      if (isMissing(error) || error instanceof SyntaxError) return undefined;
      throw error;
    }
    if (meta.size !== stats.size || meta.mtimeMs !== stats.mtimeMs) return undefined;
    return meta;
  }

  /**
   * Makes a fully written temp file visible under `key`, with its sidecar. Raw uses link(2), which
   * fails when the name exists, so the check-then-write race cannot overwrite raw; other layers
   * use rename(2), which replaces atomically.
   */
  private async publishTemp(key: string, layer: Layer, temp: string, meta: ObjectMeta): Promise<void> {
    const metaTemp = `${temp}.meta`;
    // The sidecar is written first so that, once the data is visible, only a rename can still fail.
    const metaHandle = await open(metaTemp, "wx", 0o600);
    try {
      await metaHandle.writeFile(JSON.stringify(meta));
      await metaHandle.sync();
    } finally {
      await metaHandle.close();
    }
    const target = this.dataPath(key);
    const metaTarget = this.metaPath(key);
    // A concurrent delete may prune a directory between mkdir and link; try again a few times.
    for (let attempt = 0; ; attempt++) {
      await this.makeParent(key, target);
      await this.makeParent(key, metaTarget);
      try {
        if (layer === "raw") await link(temp, target);
        else await rename(temp, target);
        break;
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT" && attempt < 5) continue;
        if (code === "EEXIST" || code === "EISDIR" || code === "ENOTEMPTY") {
          const existing = await lstat(target).catch(() => undefined);
          if (existing?.isDirectory()) throw keyConflict(key, key, error);
          if (layer === "raw") throw rawImmutableError(key, "overwrite", error);
        }
        throw error;
      }
    }
    await rename(metaTemp, metaTarget);
    await syncDirectory(dirname(target));
  }

  private async makeParent(key: string, path: string): Promise<void> {
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    } catch (error) {
      const code = errorCode(error);
      if (code === "EEXIST" || code === "ENOTDIR") throw keyConflict(key, undefined, error);
      throw error;
    }
  }

  /** Removes directories left empty by a delete, up to (not including) the layer folder. */
  private async pruneEmptyDirectories(base: string, key: string): Promise<void> {
    const segments = key.split("/").slice(0, -1);
    while (segments.length > 1) {
      try {
        await rmdir(join(base, ...segments));
      } catch {
        return; // not empty (or already gone): stop here
      }
      segments.pop();
    }
  }

  /**
   * Object keys under `dirKey` in key order, starting with `prefix` and after `after`. A directory sorts
   * as its name plus "/", which is where all of its keys fall among its siblings.
   */
  private async *walk(dirKey: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(dirKey === "" ? this.root : join(this.root, ...dirKey.split("/")), {
        withFileTypes: true,
      });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const base = dirKey === "" ? "" : `${dirKey}/`;
    const candidates: { key: string; directory: boolean }[] = [];
    for (const entry of entries) {
      const directory = entry.isDirectory();
      if (!directory && !entry.isFile()) continue;
      // At the top only layer folders hold objects; .tmp, .meta and anything else sharing the root stay out.
      if (dirKey === "" && (!directory || !isLayer(entry.name))) continue;
      const key = `${base}${entry.name}${directory ? "/" : ""}`;
      if (directory) {
        if (!(key.startsWith(prefix) || prefix.startsWith(key))) continue;
        if (after !== undefined && !after.startsWith(key) && compareKeys(key, after) < 0) continue;
      } else {
        if (!key.startsWith(prefix)) continue;
        if (after !== undefined && compareKeys(key, after) <= 0) continue;
      }
      candidates.push({ key, directory });
    }
    candidates.sort((a, b) => compareKeys(a.key, b.key));
    for (const candidate of candidates) {
      if (candidate.directory) yield* this.walk(candidate.key.slice(0, -1), prefix, after);
      else yield candidate.key;
    }
  }
}
