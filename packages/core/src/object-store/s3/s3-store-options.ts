import type { S3Client } from "@aws-sdk/client-s3";

/** Object-lock retention applied to every object written into raw. */
export interface ObjectLockPolicy {
  readonly mode: "GOVERNANCE" | "COMPLIANCE";
  readonly retainDays: number;
}

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix inside the bucket (`lake/prod`); the store's keys live below it. */
  readonly prefix?: string;
  /** When set, raw objects get this retention on upload (the bucket must have object lock enabled). */
  readonly objectLock?: ObjectLockPolicy;
  /** Bodies up to this size go in one PutObject, larger ones as parts of this size. Default 16 MiB, at least 5 MiB. */
  readonly partSizeBytes?: number;
  /** Parts uploaded (or copied) at the same time. Default 4. */
  readonly partConcurrency?: number;
  /** Copies above this size use UploadPartCopy. Default (and maximum) 5 GiB, S3's CopyObject limit. */
  readonly multipartCopyThresholdBytes?: number;
  /** Part size for multipart copies. Default 512 MiB. */
  readonly copyPartSizeBytes?: number;
  /**
   * Send `If-None-Match: *` on raw writes so the server itself refuses an existing key. Default true; a
   * server answering NotImplemented is remembered and the store falls back to its HeadObject check.
   */
  readonly conditionalWrites?: boolean;
  /** Destroy the client on close (true when the store built it). */
  readonly ownsClient?: boolean;
}
