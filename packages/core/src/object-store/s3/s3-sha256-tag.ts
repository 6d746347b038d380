import { GetObjectTaggingCommand, PutObjectTaggingCommand, type S3Client } from "@aws-sdk/client-s3";
import { SHA256_FIELD } from "./s3-limits.js";

// A multipart upload's metadata is fixed before its bytes are seen, so the store records such an object's
// sha256 in an object tag right after completion, and reads it back from there.

/** The sha256 tag of the object at `key` (prefix included), or undefined when it has none or tags are unreadable. */
export async function readSha256Tag(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  try {
    const output = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    return output.TagSet?.find((tag) => tag.Key === SHA256_FIELD)?.Value;
  } catch {
    // No tagging permission or support: the checksum is simply unknown here (the catalog has it).
    return undefined;
  }
}

/** Tags the object at `key` (prefix included) with its sha256; a refusal is not an error. */
export async function writeSha256Tag(
  client: S3Client,
  bucket: string,
  key: string,
  sha256: string,
): Promise<void> {
  try {
    await client.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: key,
        Tagging: { TagSet: [{ Key: SHA256_FIELD, Value: sha256 }] },
      }),
    );
  } catch {
    // The object is complete and correct and the caller gets its sha256 in the result; failing here
    // would make a raw put impossible to retry. Without the tag, head reports sha256 as unknown.
  }
}
