import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { abortUpload } from "./s3-part-uploader.js";
import { S3_MAX_PARTS, SHA256_FIELD, type LockParameters } from "./s3-limits.js";

/** One copy too large for CopyObject, done as UploadPartCopy ranges of one multipart upload. */
export interface MultipartCopy {
  readonly client: S3Client;
  readonly bucket: string;
  /** The destination's key in the bucket, the store's prefix included. */
  readonly key: string;
  /** The source as CopySource wants it: `bucket/key`, the key URL-encoded. */
  readonly copySource: string;
  /** The source's HeadObject: its size, and its ETag, which every part copy requires to be unchanged. */
  readonly source: HeadObjectCommandOutput;
  readonly sha256: string;
  readonly mediaType: string;
  /** The smallest part; parts grow when the object would otherwise need more than 10,000. */
  readonly partSize: number;
  /** Part copies running at the same time. */
  readonly concurrency: number;
  readonly lock: LockParameters;
  /** Sends the CompleteMultipartUpload the way the store sends writes (conditional on raw where supported). */
  complete(command: (ifNoneMatch: string | undefined) => CompleteMultipartUploadCommand): Promise<unknown>;
}

/**
 * Copies an object server-side in parts, `concurrency` at a time. Any failure aborts the upload, so a
 * failed copy leaves nothing at the destination.
 */
export async function copyMultipart(copy: MultipartCopy): Promise<void> {
  const size = copy.source.ContentLength ?? 0;
  const partSize = Math.max(copy.partSize, Math.ceil(size / S3_MAX_PARTS));
  const upload = await copy.client.send(
    new CreateMultipartUploadCommand({
      Bucket: copy.bucket,
      Key: copy.key,
      ContentType: copy.mediaType,
      Metadata: { [SHA256_FIELD]: copy.sha256 },
      ...copy.lock,
    }),
  );
  const uploadId = upload.UploadId;
  if (uploadId === undefined) throw new Error(`CreateMultipartUpload for ${copy.key} returned no UploadId`);
  try {
    const ranges: { number: number; start: number; end: number }[] = [];
    for (let start = 0, number = 1; start < size; start += partSize, number++) {
      ranges.push({ number, start, end: Math.min(start + partSize, size) - 1 });
    }
    const completed: CompletedPart[] = new Array<CompletedPart>(ranges.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ranges.length) {
        const range = ranges[next++];
        if (range === undefined) return;
        const output = await copy.client.send(
          new UploadPartCopyCommand({
            Bucket: copy.bucket,
            Key: copy.key,
            UploadId: uploadId,
            PartNumber: range.number,
            CopySource: copy.copySource,
            CopySourceIfMatch: copy.source.ETag,
            CopySourceRange: `bytes=${range.start}-${range.end}`,
          }),
        );
        completed[range.number - 1] = { PartNumber: range.number, ETag: output.CopyPartResult?.ETag };
      }
    };
    await Promise.all(Array.from({ length: Math.min(copy.concurrency, ranges.length) }, worker));
    await copy.complete(
      (ifNoneMatch) =>
        new CompleteMultipartUploadCommand({
          Bucket: copy.bucket,
          Key: copy.key,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
          IfNoneMatch: ifNoneMatch,
        }),
    );
  } catch (error) {
    await abortUpload(copy.client, copy.bucket, copy.key, uploadId);
    throw error;
  }
}
