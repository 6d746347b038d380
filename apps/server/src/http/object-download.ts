import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { pipeline, Transform, type Readable, type TransformCallback } from "node:stream";
import {
  IntegrityError,
  NotFoundError,
  OmicslakeError,
  type CatalogObject,
  type Lake,
  type ObjectStore,
} from "@omicslake/core";
import type { FastifyReply, FastifyRequest } from "fastify";
import { parseRange } from "./byte-range.js";
import { contentDisposition } from "./content-disposition.js";
import { fileIdentity, VerificationCache } from "./verification-cache.js";

const READ_CHUNK_BYTES = 1 << 20;
const EMPTY_SHA256 = createHash("sha256").digest("hex");
// A media type as the catalog records it; anything else (it could carry non-ASCII) goes out as bytes.
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

/** The key prefix published files are served and cached under (no layer has this name). */
export const PUBLISHED_KEY_PREFIX = "published/";

/** What the downloader needs to know of a file it serves: a catalog object, or a published file. */
export type ServedFile = Pick<CatalogObject, "key" | "name" | "sha256" | "size" | "mediaType">;

/** Why an object's stored bytes were refused: the metric label and the log's words. */
export type IntegrityFailure = "missing" | "size" | "sha256";

export interface ObjectDownloaderOptions {
  /** Called once for every object found not to match the catalog (counted in /metrics). */
  readonly onIntegrityFailure: (failure: IntegrityFailure) => void;
  readonly cache?: VerificationCache;
}

/**
 * The file behind a key on the filesystem store (`<root>/<layer>/<dataset>/<name>`), or undefined on
 * any other store. Reading it directly gives the server the descriptor's identity (device, inode, size,
 * times) that the verification cache needs, and positional reads for ranges.
 */
export function fsObjectPath(store: ObjectStore, key: string): string | undefined {
  if (store.kind !== "fs") return undefined;
  const root = (store as { root?: unknown }).root;
  return typeof root === "string" ? join(root, ...key.split("/")) : undefined;
}

/**
 * Passes bytes through while hashing them, always keeping the latest chunk back: it is released only
 * once the whole stream has been seen and matches the expected size and sha256. On a mismatch the
 * stream errors instead, so the response is cut short and a client can never receive the complete
 * body of a corrupted object as a success.
 */
export class HoldBackVerifier extends Transform {
  readonly #hash = createHash("sha256");
  #held: Buffer | undefined;
  #bytes = 0;

  constructor(
    private readonly key: string,
    private readonly expected: { readonly sha256: string; readonly size: number },
    private readonly onResult: (
      failure: IntegrityFailure | undefined,
      actual: { sha256?: string; size: number },
    ) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.expected.size) {
      callback(this.#fail("size", { size: this.#bytes }));
      return;
    }
    this.#hash.update(chunk);
    const previous = this.#held;
    this.#held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const sha256 = this.#hash.digest("hex");
    if (this.#bytes !== this.expected.size) {
      callback(this.#fail("size", { size: this.#bytes }));
      return;
    }
    if (sha256 !== this.expected.sha256) {
      callback(this.#fail("sha256", { sha256, size: this.#bytes }));
      return;
    }
    this.onResult(undefined, { sha256, size: this.#bytes });
    callback(null, this.#held);
  }

  #fail(failure: IntegrityFailure, actual: { sha256?: string; size: number }): IntegrityError {
    this.onResult(failure, actual);
    return integrityError(this.key, failure, this.expected, actual);
  }
}

function integrityError(
  key: string,
  failure: IntegrityFailure,
  expected: { sha256: string; size: number },
  actual: { sha256?: string; size?: number },
): IntegrityError {
  const what =
    failure === "missing"
      ? "is missing from storage"
      : failure === "size"
        ? "has another size than recorded"
        : "does not match its recorded sha256";
  return new IntegrityError(`stored object ${JSON.stringify(key)} ${what}`, {
    details: {
      key,
      failure,
      expected_size: expected.size,
      expected_sha256: expected.sha256,
      ...(actual.size === undefined ? {} : { actual_size: actual.size }),
      ...(actual.sha256 === undefined ? {} : { actual_sha256: actual.sha256 }),
    },
    hint: key.startsWith(PUBLISHED_KEY_PREFIX)
      ? 'Nothing was served; run "omicslake publish" to write the published tree again'
      : 'Nothing was served; run "omicslake fsck" and restore the object from a copy',
  });
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  // If-None-Match uses the weak comparison: W/"x" matches "x".
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

/**
 * Serves an object's bytes from the filesystem store with the guarantees a client can build on: every
 * byte of a 200 is checked against the catalog's sha256 before the last chunk leaves; a range (206) is
 * served only from a file whose whole content was verified (once per file identity, then cached);
 * conditional requests (If-None-Match, If-Range) use the sha256 as a strong ETag.
 */
export class ObjectDownloader {
  readonly #cache: VerificationCache;
  /** Whole-file checks in progress, so parallel range reads of one new file hash it once. */
  readonly #inflight = new Map<string, Promise<IntegrityFailure | undefined>>();

  constructor(
    private readonly lake: Lake,
    private readonly options: ObjectDownloaderOptions,
  ) {
    this.#cache = options.cache ?? new VerificationCache();
  }

  async send(
    request: FastifyRequest,
    reply: FastifyReply,
    object: CatalogObject,
  ): Promise<FastifyReply | undefined> {
    try {
      return await this.#sendOnce(request, reply, object, fsObjectPath(this.lake.store, object.key), true);
    } catch (error) {
      if (!(error instanceof UnconfirmedFailure)) throw error;
      // A processed or curated object may have been replaced between reading its catalog row and opening
      // its file: then the file is another version, not corrupt. Serve the current version instead.
      const current = await this.lake.catalog.getObject(object.datasetId, object.name).catch(() => undefined);
      if (current !== undefined && (current.sha256 !== object.sha256 || current.size !== object.size)) {
        return this.#sendOnce(request, reply, current, fsObjectPath(this.lake.store, current.key), false);
      }
      throw this.#failed(request, object, error.failure, error.actual, error.cause);
    }
  }

  /**
   * Serves a local file that is not a catalog object (a published file) with the same guarantees, and
   * one more: the whole file is verified before a 200 is committed (then cached per file identity), so a
   * corrupt file gets an error status, not a 200 cut short. `file.sha256` and `file.size` are what the
   * bytes at `path` must be.
   */
  async sendFile(
    request: FastifyRequest,
    reply: FastifyReply,
    file: ServedFile,
    path: string,
  ): Promise<FastifyReply | undefined> {
    return this.#sendOnce(request, reply, file, path, false, true);
  }

  async #sendOnce(
    request: FastifyRequest,
    reply: FastifyReply,
    object: ServedFile,
    path: string | undefined,
    firstTry: boolean,
    /** Hash the whole file (once per file identity) before a 200 is committed, not only while sending it. */
    verifyFirst = false,
  ): Promise<FastifyReply | undefined> {
    // Before any byte is sent, a mismatch on the first try is confirmed against the catalog first (see send).
    const refuse = (
      failure: IntegrityFailure,
      actual: { sha256?: string; size?: number },
      cause?: unknown,
    ): Error =>
      firstTry
        ? new UnconfirmedFailure(failure, actual, cause)
        : this.#failed(request, object, failure, actual, cause);
    const filename = object.name.split("/").pop() ?? object.name;
    const etag = `"${object.sha256}"`;
    const headers: Record<string, string> = {
      "content-type":
        object.mediaType !== null && MEDIA_TYPE.test(object.mediaType)
          ? object.mediaType
          : "application/octet-stream",
      etag,
      "x-checksum-sha256": object.sha256,
      "content-disposition": contentDisposition(filename),
    };
    if (path === undefined) return this.#sendFromStore(request, reply, object, headers);

    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw refuse("missing", {}, error);
      throw error;
    }
    let handOver = false;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw refuse("missing", {});
      if (stats.size !== object.size) throw refuse("size", { size: stats.size });
      if (object.size === 0 && object.sha256 !== EMPTY_SHA256)
        throw refuse("sha256", { sha256: EMPTY_SHA256, size: 0 });
      headers["accept-ranges"] = "bytes";

      const ifNoneMatch = request.headers["if-none-match"];
      if (typeof ifNoneMatch === "string" && etagMatches(ifNoneMatch, etag)) {
        return reply.status(304).headers({ etag, "accept-ranges": "bytes" }).send();
      }
      // If-Range asks for the range only if the object is still the one the client has; it needs the strong ETag.
      const ifRange = request.headers["if-range"];
      const rangeHeader =
        typeof ifRange === "string" && ifRange.trim() !== etag ? undefined : request.headers.range;
      const range = parseRange(rangeHeader, object.size);
      if (range.kind === "unsatisfiable") {
        void reply.header("content-range", `bytes */${object.size}`);
        throw new RangeNotSatisfiableError(object.key, object.size, String(rangeHeader));
      }

      if (request.method === "HEAD") {
        this.#head(reply, { ...headers, "content-length": String(object.size) });
        return undefined;
      }

      if (range.kind === "range") {
        const identity = fileIdentity(stats);
        const failure = await this.#verifyWhole(object, handle, identity);
        if (failure !== undefined) throw refuse(failure, {});
        const length = range.end - range.start + 1;
        handOver = true;
        this.#stream(
          reply,
          206,
          {
            ...headers,
            "content-range": `bytes ${range.start}-${range.end}/${object.size}`,
            "content-length": String(length),
          },
          [handle.createReadStream({ start: range.start, end: range.end, highWaterMark: READ_CHUNK_BYTES })],
        );
        return undefined;
      }

      const identity = fileIdentity(stats);
      if (verifyFirst) {
        const failure = await this.#verifyWhole(object, handle, identity);
        if (failure !== undefined) throw refuse(failure, {});
      }
      const verifier = new HoldBackVerifier(object.key, object, (failure, actual) => {
        if (failure === undefined) this.#cache.add(object.key, identity, object.sha256);
        else this.#failed(request, object, failure, actual);
      });
      handOver = true;
      this.#stream(reply, 200, { ...headers, "content-length": String(object.size) }, [
        handle.createReadStream({
          start: 0,
          end: Math.max(0, object.size - 1),
          highWaterMark: READ_CHUNK_BYTES,
        }),
        verifier,
      ]);
      return undefined;
    } finally {
      if (!handOver) await handle.close();
    }
  }

  /** Any other store that streams through the server: the same held-back check, without ranges. */
  async #sendFromStore(
    request: FastifyRequest,
    reply: FastifyReply,
    object: ServedFile,
    headers: Record<string, string>,
  ): Promise<FastifyReply | undefined> {
    if (request.method === "HEAD") {
      this.#head(reply, { ...headers, "content-length": String(object.size) });
      return undefined;
    }
    let source: Readable;
    try {
      source = await this.lake.store.get(object.key);
    } catch (error) {
      if (error instanceof NotFoundError) throw this.#failed(request, object, "missing", {}, error);
      throw error;
    }
    const verifier = new HoldBackVerifier(object.key, object, (failure, actual) => {
      if (failure !== undefined) this.#failed(request, object, failure, actual);
    });
    this.#stream(reply, 200, { ...headers, "content-length": String(object.size), "accept-ranges": "none" }, [
      source,
      verifier,
    ]);
    return undefined;
  }

  /**
   * Takes the response over from Fastify and pipes the bytes into it. Any failure (a mismatch found by
   * the verifier, a read error, the client leaving) destroys the connection: once headers promised a
   * length, the only honest way to fail is a response visibly cut short.
   */
  #stream(
    reply: FastifyReply,
    status: number,
    headers: Record<string, string>,
    streams: [Readable, ...Transform[]],
  ): void {
    const raw = reply.raw;
    const sent = this.#replyHeaders(reply);
    reply.hijack();
    raw.writeHead(status, { ...sent, ...headers });
    const [source, ...transforms] = streams;
    pipeline([source, ...transforms, raw], (error) => {
      if (error) raw.destroy();
    });
  }

  /** HEAD: the headers a GET would send, written directly (Fastify would set Content-Length to the empty body's 0). */
  #head(reply: FastifyReply, headers: Record<string, string>): void {
    const raw = reply.raw;
    const sent = this.#replyHeaders(reply);
    reply.hijack();
    raw.writeHead(200, { ...sent, ...headers });
    raw.end();
  }

  #replyHeaders(reply: FastifyReply): Record<string, string | number | string[]> {
    const sent: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) sent[name] = value;
    return sent;
  }

  /** Hashes the whole file through `handle` (nothing is sent) unless this identity was verified before. */
  async #verifyWhole(
    object: ServedFile,
    handle: FileHandle,
    identity: string,
  ): Promise<IntegrityFailure | undefined> {
    if (this.#cache.has(object.key, identity, object.sha256)) return undefined;
    const flight = `${object.key}\0${identity}\0${object.sha256}`;
    let pending = this.#inflight.get(flight);
    if (pending === undefined) {
      pending = hashHandle(handle, object.size).then((actual) => {
        if (actual.size !== object.size) return "size" as const;
        if (actual.sha256 !== object.sha256) return "sha256" as const;
        this.#cache.add(object.key, identity, object.sha256);
        return undefined;
      });
      pending = pending.finally(() => this.#inflight.delete(flight));
      this.#inflight.set(flight, pending);
    }
    return pending;
  }

  #failed(
    request: FastifyRequest,
    object: ServedFile,
    failure: IntegrityFailure,
    actual: { sha256?: string; size?: number },
    cause?: unknown,
  ): IntegrityError {
    this.#cache.forget(object.key);
    this.options.onIntegrityFailure(failure);
    const error = integrityError(object.key, failure, object, actual);
    request.log.error(
      { key: object.key, failure, expected: { size: object.size, sha256: object.sha256 }, actual, cause },
      `stored object failed verification: ${object.key}`,
    );
    return error;
  }
}

/** A mismatch found before sending, not yet checked against a possibly newer catalog row. */
class UnconfirmedFailure extends Error {
  constructor(
    readonly failure: IntegrityFailure,
    readonly actual: { sha256?: string; size?: number },
    cause?: unknown,
  ) {
    super(`unconfirmed integrity failure: ${failure}`, { cause });
  }
}

/** A ranged request that cannot be served: answered 416 with `Content-Range: bytes *\/size`. */
export class RangeNotSatisfiableError extends OmicslakeError {
  constructor(key: string, size: number, range: string) {
    super(
      "range_not_satisfiable",
      `range ${JSON.stringify(range.slice(0, 100))} does not overlap object ${JSON.stringify(key)} of ${size} bytes`,
      {
        details: { key, size },
        hint: `Ask for bytes between 0 and ${Math.max(0, size - 1)}`,
      },
    );
  }
}

async function hashHandle(handle: FileHandle, size: number): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  if (size > 0) {
    for await (const chunk of handle.createReadStream({
      start: 0,
      end: size - 1,
      autoClose: false,
      highWaterMark: READ_CHUNK_BYTES,
    })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  }
  return { sha256: hash.digest("hex"), size: bytes };
}
