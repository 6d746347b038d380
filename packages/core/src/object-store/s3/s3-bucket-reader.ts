import type { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { NotFoundError } from "../../errors/omicslake-error.js";
import { isNotFound } from "./s3-errors.js";
import { normalizePrefix } from "./s3-key-path.js";

/** One object of a bucket the lake does not own, as a listing shows it. */
export interface BucketObject {
  /** The key relative to the reader's prefix. */
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  /** The ETag without quotes, when the server sent one. */
  readonly etag?: string;
}

/**
 * Read-only access to any bucket prefix (an upstream's data, not a lake): unlike an object store it keeps
 * none of the lake's key rules (layers, raw immutability), since the keys are whatever the bucket holds.
 */
export interface BucketReader {
  /** `s3://bucket/prefix/`, without credentials. */
  readonly url: string;
  /** Every object whose key (relative to the prefix) starts with `prefix`, in key order, paging internally. */
  listAll(prefix?: string): AsyncIterable<BucketObject>;
  /** A stream of one object's bytes; NotFoundError when it is absent. */
  get(key: string): Promise<Readable>;
  close(): Promise<void>;
}

export class S3BucketReader implements BucketReader {
  readonly url: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: { client: S3Client; bucket: string; prefix: string }) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = normalizePrefix(options.prefix);
    this.url = `s3://${this.#bucket}/${this.#prefix}`;
  }

  async *listAll(prefix = ""): AsyncIterable<BucketObject> {
    let token: string | undefined;
    do {
      const output = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: this.#prefix + prefix,
          ContinuationToken: token,
        }),
      );
      for (const object of output.Contents ?? []) {
        if (object.Key === undefined) continue;
        const etag = object.ETag?.replace(/^"|"$/g, "");
        yield {
          key: object.Key.slice(this.#prefix.length),
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? new Date(0),
          ...(etag ? { etag } : {}),
        };
      }
      token = output.IsTruncated ? output.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async get(key: string): Promise<Readable> {
    try {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) {
        throw new NotFoundError("object", `${this.url}${key}`, { cause: error });
      }
      throw error;
    }
  }

  close(): Promise<void> {
    this.#client.destroy();
    return Promise.resolve();
  }
}
