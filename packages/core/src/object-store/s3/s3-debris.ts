import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { DebrisOptions, StoreDebris } from "../object-store.js";

/** Where an S3 store keeps what it writes: the bucket, its key prefix and its staging folder. */
export interface S3Place {
  readonly client: S3Client;
  readonly bucket: string;
  /** The store's key prefix inside the bucket, empty or ending in "/". */
  readonly prefix: string;
  /** The staging folder below the prefix, ending in "/". */
  readonly stagingFolder: string;
}

/**
 * Staged objects that were never published or discarded: a writer killed between staging and
 * publishing leaves them. S3 tells nothing about who wrote an object, so only age makes one dead.
 * Incomplete multipart uploads are not listed: a bucket lifecycle rule
 * (AbortIncompleteMultipartUpload) is the tool for those.
 */
export async function* listS3Debris(place: S3Place, options: DebrisOptions): AsyncGenerator<StoreDebris> {
  let token: string | undefined;
  do {
    const page = await place.client.send(
      new ListObjectsV2Command({
        Bucket: place.bucket,
        Prefix: place.prefix + place.stagingFolder,
        ContinuationToken: token,
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const modifiedAt = object.LastModified ?? options.now;
      const age = options.now.getTime() - modifiedAt.getTime();
      const removable = age >= options.olderThanMs;
      yield {
        kind: "temp",
        path: object.Key.slice(place.prefix.length),
        size: object.Size ?? 0,
        modifiedAt,
        removable,
        reason: removable
          ? `staged and never published; untouched for ${Math.round(age / 1000)} s`
          : "its writer may still be working",
      };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** Deletes one staged object listed by listS3Debris; refuses anything outside the staging folder. */
export async function removeS3Debris(place: S3Place, debris: StoreDebris): Promise<void> {
  const name = debris.path.slice(place.stagingFolder.length);
  if (
    debris.kind !== "temp" ||
    !debris.path.startsWith(place.stagingFolder) ||
    name === "" ||
    name.includes("/")
  ) {
    throw new Error(`not removable debris: ${debris.kind} ${debris.path}`);
  }
  await place.client.send(new DeleteObjectCommand({ Bucket: place.bucket, Key: place.prefix + debris.path }));
}
