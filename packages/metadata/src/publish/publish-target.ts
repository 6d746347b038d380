import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { fileURLToPath } from "node:url";
import { IntegrityError, ValidationError } from "@omicslake/core";

/** How to reach an S3 destination; left out, the AWS SDK's usual chain (environment, profile, role) applies. */
export interface S3Connection {
  readonly endpoint?: string;
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly forcePathStyle?: boolean;
}

/**
 * Where a published tree goes: a local directory or an S3 prefix. Every file write is verified (the
 * bytes are hashed while they stream and must match the sha256 and size the manifest will list), and
 * the manifest write is atomic, so a reader sees the old manifest or the new one, never half of one.
 */
export interface PublishTarget {
  /** `file:///…` or `s3://bucket/prefix`, without credentials. */
  readonly url: string;
  /** The text of `path` at the destination, or undefined when there is none. */
  readText(path: string): Promise<string | undefined>;
  /**
   * Streams `body` to `path`. When the bytes do not hash to `expected`, nothing is left under `path`
   * (a local temp file is removed; an S3 key just written is deleted) and an IntegrityError is thrown.
   */
  upload(
    path: string,
    body: NodeJS.ReadableStream,
    expected: { sha256: string; size: number },
  ): Promise<void>;
  /** Replaces `path` with `text` in one step (rename on disk; one PUT on S3). */
  writeTextAtomically(path: string, text: string): Promise<void>;
  /** Takes the destination for this publish where the target can (a lock file in a directory). */
  acquire?(): Promise<void>;
  /** Removes `path`; a missing file is not an error. */
  remove(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens the destination a `--to` URL names: `file:///dir`, a plain path, or `s3://bucket/prefix`. */
export async function openPublishTarget(url: string, s3: S3Connection = {}): Promise<PublishTarget> {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme.length === 1) {
    const { FsPublishTarget } = await import("./fs-publish-target.js");
    return new FsPublishTarget(url);
  }
  if (scheme === "file") {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (error) {
      throw badDestination(url, "is not a valid file URL (write file:///absolute/path)", error);
    }
    const { FsPublishTarget } = await import("./fs-publish-target.js");
    return new FsPublishTarget(path);
  }
  if (scheme === "s3") {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw badDestination(url, "is not a valid URL", error);
    }
    if (parsed.hostname === "") throw badDestination(url, "names no bucket (write s3://bucket/prefix)");
    if (parsed.username !== "" || parsed.password !== "" || parsed.search !== "" || parsed.hash !== "")
      throw badDestination(url, "carries credentials, a query or a fragment");
    const { S3PublishTarget } = await import("./s3-publish-target.js");
    return S3PublishTarget.open(parsed.hostname, decodeURIComponent(parsed.pathname), s3);
  }
  throw badDestination(url, `uses the unknown scheme "${scheme}:"`);
}

function badDestination(url: string, reason: string, cause?: unknown): ValidationError {
  return new ValidationError(`publish destination ${JSON.stringify(url)} ${reason}`, {
    details: { destination: url },
    hint: "Use --to file:///absolute/dir, a plain directory path, or s3://bucket/prefix",
    cause,
  });
}

/** Passes bytes through while counting and hashing them; `check` compares the totals with what was expected. */
export class HashingPassThrough extends Transform {
  readonly #hash = createHash("sha256");
  #size = 0;
  #sha256: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#sha256 = this.#hash.digest("hex");
    callback();
  }

  /** Throws an IntegrityError naming `path` unless every byte went through and matched. */
  check(path: string, expected: { sha256: string; size: number }): void {
    if (this.#sha256 === expected.sha256 && this.#size === expected.size) return;
    throw new IntegrityError(`the bytes published as ${JSON.stringify(path)} do not match their source`, {
      details: {
        path,
        expected_sha256: expected.sha256,
        expected_size: expected.size,
        actual_sha256: this.#sha256 ?? null,
        actual_size: this.#size,
      },
      hint: 'The source changed or is corrupt: run "omicslake fsck", then publish again',
    });
  }
}
