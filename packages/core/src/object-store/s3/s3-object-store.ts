import { createHash, randomUUID } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { addAbortSignal, Readable } from "node:stream";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { NotFoundError, ValidationError } from "../../errors/omicslake-error.js";
import type { Layer } from "../layer.js";
import {
  acceptPut,
  createVerifyingStream,
  DEFAULT_MEDIA_TYPE,
  PutDigest,
  rawImmutableError,
  sha256HexToBase64,
  toBuffer,
  type CheckedPutOptions,
} from "../object-body.js";
import { MAX_KEY_BYTES, validateKeyPrefix, validateObjectKey } from "../object-key.js";
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
import { listS3Debris, removeS3Debris, type S3Place } from "./s3-debris.js";
import { isNotFound, s3ErrorName, s3Status, translateWriteError } from "./s3-errors.js";
import { encodeKeyPath, isValidKey, normalizePrefix } from "./s3-key-path.js";
import {
  MIB,
  partSizeFor,
  S3_MAX_SINGLE_COPY_BYTES,
  S3_MIN_PART_BYTES,
  SHA256_FIELD,
  type LockParameters,
} from "./s3-limits.js";
import { copyMultipart } from "./s3-multipart-copy.js";
import { moveInto, PartUploader } from "./s3-part-uploader.js";
import { contentDisposition, rangeHeader, withVerification } from "./s3-read-helpers.js";
import { checkLocation, STAGING_FOLDER, stagingKey, type WriteLayer } from "./s3-staging.js";
import { readSha256Tag, writeSha256Tag } from "./s3-sha256-tag.js";
import type { ObjectLockPolicy, S3ObjectStoreOptions } from "./s3-store-options.js";

export { S3_MAX_SINGLE_COPY_BYTES, S3_MIN_PART_BYTES } from "./s3-limits.js";
export type { ObjectLockPolicy, S3ObjectStoreOptions } from "./s3-store-options.js";

const MAX_PAGE = 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * Objects in an S3 bucket (AWS S3, MinIO, R2 or any compatible server) under an optional prefix.
 *
 * A put streams the body once: a body smaller than one part goes up in a single PutObject carrying its
 * sha256 (in `x-amz-meta-sha256` and as a checksum S3 verifies); anything larger becomes a multipart
 * upload (each part with its own SHA-256 checksum) that is completed only after the whole stream hashed
 * as expected, and aborted otherwise, so a failed or interrupted put leaves no object. Metadata of a
 * multipart upload is fixed before its bytes are seen, so its sha256 goes into an object tag right after
 * completion; `head` reads either place.
 *
 * Raw keys: a put or copy onto an existing raw key is refused after a HeadObject, and the write itself
 * carries `If-None-Match: *` so a race is settled by the server where it supports conditional writes.
 * With `objectLock`, raw objects get retention on upload. Listings carry no sha256 (ListObjectsV2 has none).
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = "s3" as const;
  readonly url: string;
  readonly bucket: string;
  /** The key prefix inside the bucket, empty or ending in "/". */
  readonly prefix: string;

  private readonly client: S3Client;
  private readonly objectLock: ObjectLockPolicy | undefined;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly copyThreshold: number;
  private readonly copyPartSize: number;
  private readonly ownsClient: boolean;
  private conditionalWrites: boolean;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? "");
    this.url = `s3://${this.bucket}/${this.prefix}`;
    this.objectLock = options.objectLock;
    if (this.objectLock !== undefined && !(this.objectLock.retainDays > 0)) {
      throw new ValidationError(
        `object lock retention of ${this.objectLock.retainDays} days is not positive`,
        {
          details: { objectLock: this.objectLock },
          hint: "Set objectLock.retainDays to a number of days greater than 0, or leave objectLock out",
        },
      );
    }
    this.partSize = options.partSizeBytes ?? 16 * MIB;
    if (!(Number.isSafeInteger(this.partSize) && this.partSize >= S3_MIN_PART_BYTES)) {
      throw new ValidationError(
        `part size ${this.partSize} is below S3's minimum of ${S3_MIN_PART_BYTES} bytes`,
        {
          details: { partSizeBytes: this.partSize },
          hint: `Use at least ${S3_MIN_PART_BYTES} bytes (5 MiB)`,
        },
      );
    }
    this.partConcurrency = Math.max(1, options.partConcurrency ?? 4);
    this.copyThreshold = Math.min(
      options.multipartCopyThresholdBytes ?? S3_MAX_SINGLE_COPY_BYTES,
      S3_MAX_SINGLE_COPY_BYTES,
    );
    this.copyPartSize = options.copyPartSizeBytes ?? 512 * MIB;
    this.conditionalWrites = options.conditionalWrites ?? true;
    this.ownsClient = options.ownsClient ?? false;
  }

  async stage(key: string, body: PutBody, options?: PutOptions): Promise<StagedObject> {
    const { source, checked } = await acceptPut(key, body, options, (key) => this.checkKey(key));
    const location = randomUUID();
    const { size, sha256 } = await this.upload(stagingKey(location), "staging", source, checked);
    return { key, size, sha256, mediaType: checked.mediaType, location };
  }

  async stageCopy(sourceKey: string, key: string): Promise<StagedObject> {
    this.checkKey(sourceKey);
    this.checkKey(key);
    const source = await this.headObject(sourceKey);
    if (source === undefined) throw new NotFoundError("object", sourceKey);
    const sha256 =
      source.Metadata?.[SHA256_FIELD] ??
      (await this.sha256Tag(sourceKey)) ??
      (await this.hashObject(sourceKey));
    const mediaType = source.ContentType ?? DEFAULT_MEDIA_TYPE;
    const location = randomUUID();
    await this.copyWithin(sourceKey, source, stagingKey(location), "staging", sha256, mediaType);
    return { key, size: source.ContentLength ?? 0, sha256, mediaType, location };
  }

  async publish(staged: StagedObject): Promise<PutResult> {
    const layer = this.checkKey(staged.key);
    const from = stagingKey(checkLocation(staged.location));
    if (layer === "raw" && (await this.headObject(staged.key)) !== undefined) {
      throw rawImmutableError(staged.key, "overwrite");
    }
    const source = await this.headObject(from);
    if (source === undefined) throw new Error(`the staged bytes for ${staged.key} are gone`);
    // A server-side copy: S3 has no rename. The copy carries the checksum as metadata, like a put.
    await this.copyWithin(from, source, staged.key, layer, staged.sha256, staged.mediaType);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(from) }));
    return { key: staged.key, size: source.ContentLength ?? 0, sha256: staged.sha256 };
  }

  async discard(staged: StagedObject): Promise<void> {
    const from = stagingKey(checkLocation(staged.location));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(from) }));
  }

  async put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult> {
    const { source, layer, checked } = await acceptPut(
      key,
      body,
      options,
      (key) => this.checkKey(key),
      async (layer, checked) => {
        // Refuse before uploading anything; If-None-Match on the write settles a race where supported.
        if (layer === "raw" && (await this.headObject(key, checked.signal)) !== undefined) {
          throw rawImmutableError(key, "overwrite");
        }
      },
    );
    return this.upload(key, layer, source, checked);
  }

  /** Streams `source` to `key` (an object key, or a staging key for "staging"), as put describes. */
  private async upload(
    key: string,
    layer: WriteLayer,
    source: Readable,
    checked: CheckedPutOptions,
  ): Promise<PutResult> {
    const { signal } = checked;
    if (signal) addAbortSignal(signal, source);

    const digest = new PutDigest(key, checked);
    let parts: PartUploader | undefined;
    const buffered: Buffer[] = [];
    let bufferedBytes = 0;
    try {
      for await (const chunk of source) {
        const buffer = toBuffer(chunk);
        digest.update(buffer);
        buffered.push(buffer);
        bufferedBytes += buffer.length;
        let partSize = this.partSizeFor(checked.expectedSize, parts?.count ?? 0);
        if (bufferedBytes < partSize) continue;
        parts ??= await this.startMultipart(key, layer, checked.mediaType, signal);
        // Cut exact parts (a large chunk can hold several) into reused part buffers, keeping the tail.
        while (bufferedBytes >= partSize) {
          const part = parts.takeBuffer(partSize);
          moveInto(buffered, part);
          bufferedBytes -= partSize;
          await parts.add(part, true);
          partSize = this.partSizeFor(checked.expectedSize, parts.count);
        }
      }
      const { sha256, size } = digest.finish();
      signal?.throwIfAborted();
      if (parts === undefined) {
        await this.putSingle(
          key,
          layer,
          Buffer.concat(buffered, bufferedBytes),
          sha256,
          checked.mediaType,
          signal,
        );
      } else {
        if (bufferedBytes > 0) await parts.add(Buffer.concat(buffered, bufferedBytes));
        await this.completeMultipart(key, layer, parts, signal);
        await this.recordSha256Tag(key, sha256);
      }
      return { key, size, sha256 };
    } catch (error) {
      source.destroy();
      if (parts !== undefined) await parts.abort();
      throw translateWriteError(key, layer, error);
    }
  }

  async putFile(key: string, path: string, options?: PutOptions): Promise<PutResult> {
    this.checkKey(key);
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new NotFoundError("file", path, { cause: error });
      throw error;
    }
    // Knowing the size lets the part size fit the 10,000-part limit from the first part.
    const { size } = await handle.stat();
    return this.put(key, handle.createReadStream({ highWaterMark: MIB }), {
      ...options,
      expectedSize: options?.expectedSize ?? size,
    });
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    this.checkKey(key);
    const range = rangeHeader(key, options.range);
    const verifier =
      options.verifySha256 === undefined ? undefined : createVerifyingStream(key, options.verifySha256);
    if (range === "") {
      if ((await this.headObject(key)) === undefined) throw new NotFoundError("object", key);
      return withVerification(Readable.from([]), verifier);
    }
    let body: Readable;
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Range: range }),
      );
      body = response.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError("object", key, { cause: error });
      if (s3ErrorName(error) === "InvalidRange" || s3Status(error) === 416) {
        throw new ValidationError(
          `byte range ${JSON.stringify(options.range)} does not fit object ${JSON.stringify(key)}`,
          {
            details: { key, range: options.range },
            hint: "Ask for 0 ≤ start < size and end > start (end is exclusive and is clipped to the size)",
            cause: error,
          },
        );
      }
      throw error;
    }
    return withVerification(body, verifier);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    this.checkKey(key);
    const output = await this.headObject(key);
    if (output === undefined) return undefined;
    return {
      key,
      size: output.ContentLength ?? 0,
      sha256: output.Metadata?.[SHA256_FIELD] ?? (await this.sha256Tag(key)),
      mediaType: output.ContentType,
      lastModified: output.LastModified ?? new Date(0),
    };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    validateKeyPrefix(prefix);
    const limit = options.limit ?? MAX_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new ValidationError(`list limit ${String(limit)} is not a positive integer`, {
        details: { limit },
        hint: `Pass 1 to ${MAX_PAGE}`,
      });
    }
    const output = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: this.prefix + prefix,
        MaxKeys: Math.min(limit, MAX_PAGE),
        ContinuationToken: options.pageToken,
      }),
    );
    const items: ObjectHead[] = [];
    for (const object of output.Contents ?? []) {
      const key = object.Key?.slice(this.prefix.length);
      // Objects the store could not have written (outside the layers) are not part of the lake.
      if (key === undefined || !isValidKey(key)) continue;
      items.push({
        key,
        size: object.Size ?? 0,
        sha256: undefined,
        mediaType: undefined,
        lastModified: object.LastModified ?? new Date(0),
      });
    }
    return { items, nextPageToken: output.IsTruncated ? output.NextContinuationToken : undefined };
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
    this.checkKey(sourceKey);
    const layer = this.checkKey(destinationKey);
    const source = await this.headObject(sourceKey);
    if (source === undefined) throw new NotFoundError("object", sourceKey);
    if (layer === "raw" && (await this.headObject(destinationKey)) !== undefined) {
      throw rawImmutableError(destinationKey, "overwrite");
    }
    const size = source.ContentLength ?? 0;
    // Objects this store wrote carry their sha256; anything else is hashed once, reading it through Node.
    const sha256 =
      source.Metadata?.[SHA256_FIELD] ??
      (await this.sha256Tag(sourceKey)) ??
      (await this.hashObject(sourceKey));
    const mediaType = source.ContentType ?? DEFAULT_MEDIA_TYPE;
    await this.copyWithin(sourceKey, source, destinationKey, layer, sha256, mediaType);
    return { key: destinationKey, size, sha256 };
  }

  /** Server-side copy of `sourceKey` (as headed in `source`) to `destinationKey` (either may be a staging key). */
  private async copyWithin(
    sourceKey: string,
    source: HeadObjectCommandOutput,
    destinationKey: string,
    layer: WriteLayer,
    sha256: string,
    mediaType: string,
  ): Promise<void> {
    const size = source.ContentLength ?? 0;
    const copySource = `${this.bucket}/${encodeKeyPath(this.fullKey(sourceKey))}`;
    try {
      if (size <= this.copyThreshold) {
        await this.sendConditional(
          layer,
          (ifNoneMatch) =>
            new CopyObjectCommand({
              Bucket: this.bucket,
              Key: this.fullKey(destinationKey),
              CopySource: copySource,
              // The ETag read above pins the source: a concurrent overwrite makes the copy fail rather than
              // pair new bytes with the old checksum.
              CopySourceIfMatch: source.ETag,
              MetadataDirective: "REPLACE",
              Metadata: { [SHA256_FIELD]: sha256 },
              ContentType: mediaType,
              IfNoneMatch: ifNoneMatch,
              ...this.lockParameters(layer),
            }),
        );
      } else {
        await copyMultipart({
          client: this.client,
          bucket: this.bucket,
          key: this.fullKey(destinationKey),
          copySource,
          source,
          sha256,
          mediaType,
          partSize: this.copyPartSize,
          concurrency: this.partConcurrency,
          lock: this.lockParameters(layer),
          complete: (command) => this.sendConditional(layer, command),
        });
      }
    } catch (error) {
      // The source was deleted after it was headed.
      if (isNotFound(error)) throw new NotFoundError("object", sourceKey, { cause: error });
      throw translateWriteError(destinationKey, layer, error);
    }
  }

  listDebris(options: DebrisOptions): AsyncIterable<StoreDebris> {
    return listS3Debris(this.place(), options);
  }

  removeDebris(debris: StoreDebris): Promise<void> {
    return removeS3Debris(this.place(), debris);
  }

  private place(): S3Place {
    return { client: this.client, bucket: this.bucket, prefix: this.prefix, stagingFolder: STAGING_FOLDER };
  }

  async delete(key: string): Promise<void> {
    const layer = this.checkKey(key);
    if (layer === "raw") throw rawImmutableError(key, "delete");
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
  }

  async downloadLink(
    key: string,
    options: { expiresInSeconds?: number; filename?: string } = {},
  ): Promise<DownloadLink> {
    this.checkKey(key);
    const expiresIn = options.expiresInSeconds ?? 3600;
    if (!(Number.isSafeInteger(expiresIn) && expiresIn >= 1 && expiresIn <= MAX_PRESIGN_SECONDS)) {
      throw new ValidationError(`link lifetime of ${expiresIn} seconds is out of range`, {
        details: { key, expiresInSeconds: expiresIn },
        hint: `Use 1 to ${MAX_PRESIGN_SECONDS} seconds (S3 presigned URLs last at most 7 days)`,
      });
    }
    if ((await this.headObject(key)) === undefined) throw new NotFoundError("object", key);
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.fullKey(key),
        ResponseContentDisposition:
          options.filename === undefined ? undefined : contentDisposition(options.filename),
      }),
      { expiresIn },
    );
    return { kind: "url", url, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }

  close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------------------------------------------

  private checkKey(key: string): Layer {
    const layer = validateObjectKey(key);
    if (Buffer.byteLength(this.prefix + key, "utf8") > MAX_KEY_BYTES) {
      throw new ValidationError(
        `object key ${JSON.stringify(key)} is too long under the prefix ${JSON.stringify(this.prefix)}`,
        {
          details: { key, prefix: this.prefix },
          hint: `Prefix and key together must stay within S3's ${MAX_KEY_BYTES} bytes`,
        },
      );
    }
    return layer;
  }

  private fullKey(key: string): string {
    return this.prefix + key;
  }

  private async headObject(key: string, signal?: AbortSignal): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), {
        abortSignal: signal,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private sha256Tag(key: string): Promise<string | undefined> {
    return readSha256Tag(this.client, this.bucket, this.fullKey(key));
  }

  private recordSha256Tag(key: string, sha256: string): Promise<void> {
    return writeSha256Tag(this.client, this.bucket, this.fullKey(key), sha256);
  }

  private async hashObject(key: string): Promise<string> {
    const body = await this.get(key);
    const hash = createHash("sha256");
    for await (const chunk of body) hash.update(toBuffer(chunk));
    return hash.digest("hex");
  }

  private partSizeFor(expectedSize: number | undefined, partsSoFar: number): number {
    return partSizeFor(this.partSize, expectedSize, partsSoFar);
  }

  private lockParameters(layer: WriteLayer): LockParameters {
    if (layer !== "raw" || this.objectLock === undefined) return {};
    return {
      ObjectLockMode: this.objectLock.mode,
      ObjectLockRetainUntilDate: new Date(Date.now() + this.objectLock.retainDays * 24 * 3600 * 1000),
    };
  }

  /**
   * Sends a write that should carry `If-None-Match: *` on raw. A server that does not implement
   * conditional writes is remembered and the write is sent again without it; the HeadObject check
   * before the write still guards raw there.
   */
  private async sendConditional<T>(
    layer: WriteLayer,
    command: (ifNoneMatch: string | undefined) => { readonly input: object },
    signal?: AbortSignal,
  ): Promise<T> {
    const conditional = layer === "raw" && this.conditionalWrites;
    try {
      return (await this.client.send(command(conditional ? "*" : undefined) as never, {
        abortSignal: signal,
      })) as T;
    } catch (error) {
      if (conditional && (s3ErrorName(error) === "NotImplemented" || s3Status(error) === 501)) {
        this.conditionalWrites = false;
        return (await this.client.send(command(undefined) as never, { abortSignal: signal })) as T;
      }
      throw error;
    }
  }

  private async putSingle(
    key: string,
    layer: WriteLayer,
    body: Buffer,
    sha256: string,
    mediaType: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await this.sendConditional(
      layer,
      (ifNoneMatch) =>
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: body,
          ContentLength: body.length,
          ContentType: mediaType,
          Metadata: { [SHA256_FIELD]: sha256 },
          // S3 recomputes this and rejects the upload on a mismatch; object lock also requires a checksum.
          ChecksumSHA256: sha256HexToBase64(sha256),
          IfNoneMatch: ifNoneMatch,
          ...this.lockParameters(layer),
        }),
      signal,
    );
  }

  private async startMultipart(
    key: string,
    layer: WriteLayer,
    mediaType: string,
    signal: AbortSignal | undefined,
  ): Promise<PartUploader> {
    const output = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.fullKey(key),
        ContentType: mediaType,
        ChecksumAlgorithm: "SHA256",
        ...this.lockParameters(layer),
      }),
      { abortSignal: signal },
    );
    if (output.UploadId === undefined)
      throw new Error(`CreateMultipartUpload for ${key} returned no UploadId`);
    return new PartUploader(
      this.client,
      this.bucket,
      this.fullKey(key),
      output.UploadId,
      this.partConcurrency,
      this.partSize,
      signal,
    );
  }

  private async completeMultipart(
    key: string,
    layer: WriteLayer,
    parts: PartUploader,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const completed = await parts.finish();
    await this.sendConditional(
      layer,
      (ifNoneMatch) =>
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          UploadId: parts.uploadId,
          MultipartUpload: { Parts: completed },
          IfNoneMatch: ifNoneMatch,
        }),
      signal,
    );
  }
}
