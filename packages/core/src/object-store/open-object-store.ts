import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ValidationError } from "../errors/omicslake-error.js";
import { FsObjectStore } from "./fs/fs-object-store.js";
import type { ObjectStore } from "./object-store.js";
import type { S3Client } from "@aws-sdk/client-s3";
import type { BucketReader } from "./s3/s3-bucket-reader.js";
import type { ObjectLockPolicy, S3ObjectStore } from "./s3/s3-object-store.js";

/** Where a lake's objects live: the `[lake]` storage settings of `omicslake.toml`. */
export interface StoreConfig {
  /** `file:///abs/dir`, a plain directory path, or `s3://bucket/prefix`. */
  readonly url: string;
  /** An S3-compatible endpoint (MinIO, R2, a local test server); AWS when left out. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Static credentials; when left out the AWS SDK's usual chain (environment, profile, instance role) applies. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most non-AWS servers need. */
  readonly forcePathStyle?: boolean;
  /** Retention applied to raw objects on S3; the bucket must have object lock enabled. */
  readonly objectLock?: ObjectLockPolicy;
}

/** Knobs that are not configuration (tests and benchmarks lower the part size to reach the multipart path). */
export interface StoreTuning {
  readonly partSizeBytes?: number;
  readonly partConcurrency?: number;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/**
 * Opens the object store a storage URL names. The AWS SDK is imported only for an `s3://` URL: loading
 * it costs a one-shot command on a filesystem lake more than the rest of its start-up.
 *
 * @example
 * const store = await openObjectStore({ url: "s3://lake/prod", endpoint: "http://127.0.0.1:9000", forcePathStyle: true });
 * const store = await openObjectStore({ url: "/srv/lake/objects" });
 */
export async function openObjectStore(config: StoreConfig, tuning: StoreTuning = {}): Promise<ObjectStore> {
  const scheme = SCHEME.exec(config.url)?.[1]?.toLowerCase();
  // A Windows drive letter ("C:\lake") looks like a scheme; treat one letter as a path.
  if (scheme === undefined || scheme.length === 1) return new FsObjectStore(resolve(config.url));
  if (scheme === "file") {
    let path: string;
    try {
      path = fileURLToPath(config.url);
    } catch (error) {
      throw badUrl(config.url, "is not a valid file URL (write file:///absolute/path)", error);
    }
    return new FsObjectStore(path);
  }
  if (scheme === "s3") return openS3(config, tuning);
  throw badUrl(config.url, `uses the unknown scheme "${scheme}:"`);
}

async function openS3(config: StoreConfig, tuning: StoreTuning): Promise<S3ObjectStore> {
  const { bucket, prefix } = parseS3Url(config);
  const [client, { S3ObjectStore }] = await Promise.all([
    s3Client(config),
    import("./s3/s3-object-store.js"),
  ]);
  return new S3ObjectStore({
    client,
    ownsClient: true,
    bucket,
    prefix,
    objectLock: config.objectLock,
    partSizeBytes: tuning.partSizeBytes,
    partConcurrency: tuning.partConcurrency,
  });
}

/**
 * Opens an `s3://bucket/prefix` read-only, with none of a lake store's key rules: for upstream data that
 * lives in a bucket (an `s3` source), whatever its keys look like. The settings are a store's.
 *
 * @example for await (const object of (await openBucketReader({ url: "s3://runs/2024/" })).listAll()) …
 */
export async function openBucketReader(config: Omit<StoreConfig, "objectLock">): Promise<BucketReader> {
  const { bucket, prefix } = parseS3Url(config);
  const [client, { S3BucketReader }] = await Promise.all([
    s3Client(config),
    import("./s3/s3-bucket-reader.js"),
  ]);
  return new S3BucketReader({ client, bucket, prefix });
}

function parseS3Url(config: Pick<StoreConfig, "url" | "accessKeyId" | "secretAccessKey">): {
  bucket: string;
  prefix: string;
} {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch (error) {
    throw badUrl(config.url, "is not a valid URL", error);
  }
  if (url.protocol !== "s3:")
    throw badUrl(config.url, `uses the scheme "${url.protocol}" where s3: is needed`);
  const bucket = url.hostname;
  if (bucket === "") throw badUrl(config.url, "names no bucket (write s3://bucket/prefix)");
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw badUrl(
      config.url,
      "carries credentials, a query or a fragment; put credentials in accessKeyId/secretAccessKey",
    );
  }
  if ((config.accessKeyId === undefined) !== (config.secretAccessKey === undefined)) {
    throw new ValidationError("S3 storage has only one of accessKeyId and secretAccessKey", {
      details: { url: config.url },
      hint: "Set both, or neither to use the AWS SDK's credential chain (environment, profile, instance role)",
    });
  }
  return { bucket, prefix: decodeURIComponent(url.pathname) };
}

async function s3Client(config: Omit<StoreConfig, "url" | "objectLock">): Promise<S3Client> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region ?? process.env.AWS_REGION ?? "us-east-1",
    forcePathStyle: config.forcePathStyle,
    credentials:
      config.accessKeyId !== undefined && config.secretAccessKey !== undefined
        ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
        : undefined,
  });
}

function badUrl(url: string, reason: string, cause?: unknown): ValidationError {
  return new ValidationError(`storage URL ${JSON.stringify(url)} ${reason}`, {
    details: { url },
    hint: "Use file:///absolute/dir, a plain directory path, or s3://bucket/prefix (schemes: file, s3)",
    cause,
  });
}
