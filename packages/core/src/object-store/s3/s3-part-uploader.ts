import { createHash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";

/**
 * Uploads parts with bounded concurrency. `add` waits while the bytes in flight would exceed the budget,
 * which is what pushes back on the source and keeps memory flat whatever the object size.
 */
export class PartUploader {
  private readonly completed: CompletedPart[] = [];
  private readonly pool: Buffer[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private inFlightBytes = 0;
  private failure: { error: unknown } | undefined;
  private parts = 0;
  private readonly budget: number;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    readonly uploadId: string,
    private readonly concurrency: number,
    partSize: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    // Parts that grew past the configured size (very long streams) use the same byte budget, so fewer
    // of them run at once instead of memory growing.
    this.budget = concurrency * partSize;
  }

  get count(): number {
    return this.parts;
  }

  /**
   * A buffer for the next part: one whose upload has finished when there is one, so a long upload
   * cycles through the same few part-sized buffers instead of leaving each behind for the collector.
   */
  takeBuffer(size: number): Buffer {
    const reused = this.pool.pop();
    return reused !== undefined && reused.length === size ? reused : Buffer.allocUnsafe(size);
  }

  /** Queues a part; `pooled` hands the buffer back for reuse once its upload has finished. */
  async add(body: Buffer, pooled = false): Promise<void> {
    this.throwIfFailed();
    while (
      this.inFlight.size > 0 &&
      (this.inFlight.size >= this.concurrency || this.inFlightBytes + body.length > this.budget)
    ) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    const partNumber = ++this.parts;
    const checksum = createHash("sha256").update(body).digest("base64");
    this.inFlightBytes += body.length;
    const upload = this.client
      .send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ChecksumSHA256: checksum,
        }),
        { abortSignal: this.signal },
      )
      .then(
        (output) => {
          this.completed.push({
            PartNumber: partNumber,
            ETag: output.ETag,
            ChecksumSHA256: output.ChecksumSHA256 ?? checksum,
          });
        },
        (error: unknown) => {
          this.failure ??= { error };
        },
      )
      .finally(() => {
        this.inFlightBytes -= body.length;
        this.inFlight.delete(upload);
        if (pooled && this.pool.length <= this.concurrency) this.pool.push(body);
      });
    this.inFlight.add(upload);
  }

  /** Waits for every part and returns them in order for CompleteMultipartUpload. */
  async finish(): Promise<CompletedPart[]> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    return [...this.completed].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
  }

  /** Lets running part uploads settle, then aborts the upload so no parts linger (and nothing appears). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    await abortUpload(this.client, this.bucket, this.key, this.uploadId);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

/** Moves exactly `target.length` bytes from the front of `chunks` into `target`. */
export function moveInto(chunks: Buffer[], target: Buffer): void {
  let filled = 0;
  while (filled < target.length) {
    const head = chunks[0];
    if (head === undefined) throw new Error("moveInto: not enough buffered bytes");
    const count = Math.min(head.length, target.length - filled);
    head.copy(target, filled, 0, count);
    filled += count;
    if (count === head.length) chunks.shift();
    else chunks[0] = head.subarray(count);
  }
}

export async function abortUpload(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch {
    // Best effort: an upload that is never completed never becomes visible, and a bucket lifecycle rule
    // (AbortIncompleteMultipartUpload) reclaims its parts.
  }
}
