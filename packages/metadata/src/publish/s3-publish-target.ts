import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { HashingPassThrough, type PublishTarget, type S3Connection } from "./publish-target.js";

/**
 * A published tree under an S3 prefix. Files stream up through lib-storage (multipart when large) while
 * they are hashed; a file whose bytes do not match is deleted again and the publish fails before the
 * manifest, the only thing readers trust, is written. The manifest is one PutObject, atomic on S3.
 */
export class S3PublishTarget implements PublishTarget {
  readonly url: string;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    this.url = `s3://${bucket}/${prefix}`;
  }

  static open(bucket: string, path: string, connection: S3Connection): S3PublishTarget {
    const client = new S3Client({
      endpoint: connection.endpoint,
      region: connection.region ?? process.env.AWS_REGION ?? "us-east-1",
      forcePathStyle: connection.forcePathStyle,
      credentials:
        connection.accessKeyId !== undefined && connection.secretAccessKey !== undefined
          ? { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey }
          : undefined,
    });
    const prefix = path.replace(/^\/+/, "").replace(/\/*$/, "");
    return new S3PublishTarget(client, bucket, prefix === "" ? "" : `${prefix}/`);
  }

  async readText(path: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(path) }),
      );
      return await response.Body?.transformToString("utf8");
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: unknown }).name === "NoSuchKey") return undefined;
      throw error;
    }
  }

  async upload(
    path: string,
    body: NodeJS.ReadableStream,
    expected: { sha256: string; size: number },
  ): Promise<void> {
    const meter = new HashingPassThrough();
    const out = new PassThrough();
    const feeding = pipeline(body, meter, out);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.#key(path), Body: out },
    });
    try {
      await Promise.all([feeding, upload.done()]);
      meter.check(path, expected);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      // The upload may have completed with the bad bytes before the check ran: take them away again.
      await this.remove(path).catch(() => undefined);
      throw error;
    }
  }

  async writeTextAtomically(path: string, text: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.#key(path),
        Body: text,
        ContentType: "application/json",
        CacheControl: "no-cache",
      }),
    );
  }

  async remove(path: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#key(path) }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  #key(path: string): string {
    return `${this.prefix}${path}`;
  }
}
