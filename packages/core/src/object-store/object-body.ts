import { createHash, type Hash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { IntegrityError, PolicyError, ValidationError } from "../errors/omicslake-error.js";
import type { Layer } from "./layer.js";
import type { PutBody, PutOptions } from "./object-store.js";

/** What both stores record for an object written without a media type. */
export const DEFAULT_MEDIA_TYPE = "application/octet-stream";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Turns any accepted put body into a byte stream (strings as UTF-8). */
export function toReadable(body: PutBody): Readable {
  if (typeof body === "string") return Readable.from([Buffer.from(body, "utf8")]);
  if (body instanceof Uint8Array) return Readable.from([body]);
  if (body instanceof Readable) return body;
  return Readable.from(body);
}

/** A put body that passed the checks made before any byte is read. */
export interface AcceptedPut {
  readonly source: Readable;
  readonly layer: Layer;
  readonly checked: CheckedPutOptions;
}

/**
 * Opens a put's body and runs the checks that need no bytes: the key (each store has its own limits),
 * the options, a signal already aborted, and `refuse` for a store's own early refusal (an existing raw
 * object). On any refusal the body is destroyed, so a caller's stream is never left open and unread.
 */
export async function acceptPut(
  key: string,
  body: PutBody,
  options: PutOptions | undefined,
  validateKey: (key: string) => Layer,
  refuse?: (layer: Layer, checked: CheckedPutOptions) => Promise<void>,
): Promise<AcceptedPut> {
  const source = toReadable(body);
  try {
    const layer = validateKey(key);
    const checked = checkPutOptions(key, options);
    checked.signal?.throwIfAborted();
    await refuse?.(layer, checked);
    return { source, layer, checked };
  } catch (error) {
    source.destroy();
    throw error;
  }
}

/** A chunk from a source that may hand out strings (a Readable with an encoding) as bytes. */
export function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  throw new TypeError(`object body yielded a ${typeof chunk}; expected bytes (Uint8Array) or strings`);
}

/** The put options after validation: the expected checksum lower-cased. */
export interface CheckedPutOptions {
  readonly mediaType: string;
  readonly expectedSha256: string | undefined;
  readonly expectedSize: number | undefined;
  readonly onProgress: ((bytesWritten: number) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

export function checkPutOptions(key: string, options: PutOptions = {}): CheckedPutOptions {
  const expectedSha256 = options.expectedSha256?.toLowerCase();
  if (expectedSha256 !== undefined && !SHA256_HEX.test(expectedSha256)) {
    throw new ValidationError(`expectedSha256 for ${JSON.stringify(key)} is not a sha256 hex digest`, {
      details: { key, expectedSha256: options.expectedSha256 },
      hint: "Pass 64 hexadecimal characters, or leave expectedSha256 out",
    });
  }
  const { expectedSize } = options;
  if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
    throw new ValidationError(`expectedSize for ${JSON.stringify(key)} is not a byte count`, {
      details: { key, expectedSize },
      hint: "Pass a non-negative integer, or leave expectedSize out",
    });
  }
  return {
    mediaType: options.mediaType ?? DEFAULT_MEDIA_TYPE,
    expectedSha256,
    expectedSize,
    onProgress: options.onProgress,
    signal: options.signal,
  };
}

/**
 * Hashes and counts bytes as they stream through a put, failing as soon as more bytes arrive than
 * `expectedSize` allows (so a runaway source stops early) and at the end on any mismatch.
 */
export class PutDigest {
  private readonly hash: Hash = createHash("sha256");
  private bytes = 0;

  constructor(
    private readonly key: string,
    private readonly options: CheckedPutOptions,
  ) {}

  get size(): number {
    return this.bytes;
  }

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const { expectedSize } = this.options;
    if (expectedSize !== undefined && this.bytes > expectedSize) {
      throw sizeMismatch(this.key, expectedSize, `more than ${expectedSize}`);
    }
    this.options.onProgress?.(this.bytes);
  }

  /** The final checksum and size; throws IntegrityError when they differ from what the caller expected. */
  finish(): { sha256: string; size: number } {
    const sha256 = this.hash.digest("hex");
    const { expectedSha256, expectedSize } = this.options;
    if (expectedSize !== undefined && this.bytes !== expectedSize) {
      throw sizeMismatch(this.key, expectedSize, String(this.bytes));
    }
    if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
      throw new IntegrityError(
        `object ${JSON.stringify(this.key)} was not stored: its bytes hash to sha256 ${sha256}, expected ${expectedSha256}`,
        {
          details: { key: this.key, expectedSha256, actualSha256: sha256, size: this.bytes },
          hint: "The source is not the file you meant, or it was corrupted on the way; fetch it again",
        },
      );
    }
    return { sha256, size: this.bytes };
  }
}

function sizeMismatch(key: string, expectedSize: number, actual: string): IntegrityError {
  return new IntegrityError(
    `object ${JSON.stringify(key)} was not stored: the source has ${actual} bytes, expected ${expectedSize}`,
    {
      details: { key, expectedSize, actualSize: actual },
      hint: "The source is truncated or not the file you meant; fetch it again",
    },
  );
}

/**
 * A pass-through that hashes what it forwards and, at the end, errors with IntegrityError instead of
 * finishing when the bytes do not hash to `expectedSha256`. The reader sees every byte first, so it
 * must treat the data as unverified until the stream ends cleanly.
 */
export function createVerifyingStream(key: string, expectedSha256: string): Transform {
  const expected = expectedSha256.toLowerCase();
  if (!SHA256_HEX.test(expected)) {
    throw new ValidationError(`verifySha256 for ${JSON.stringify(key)} is not a sha256 hex digest`, {
      details: { key, verifySha256: expectedSha256 },
      hint: "Pass 64 hexadecimal characters, or leave verifySha256 out",
    });
  }
  const hash = createHash("sha256");
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest("hex");
      if (actual === expected) {
        callback();
        return;
      }
      callback(
        new IntegrityError(
          `object ${JSON.stringify(key)} is corrupted: its ${size} bytes hash to sha256 ${actual}, expected ${expected}`,
          {
            details: { key, expectedSha256: expected, actualSha256: actual, size },
            hint: "Restore the object from a backup or fetch it again from its source; run fsck to find others",
          },
        ),
      );
    },
  });
}

/** The refusal every raw overwrite, copy-over and delete gets, from either store. */
export function rawImmutableError(
  key: string,
  operation: "overwrite" | "delete",
  cause?: unknown,
): PolicyError {
  const message =
    operation === "overwrite"
      ? `object ${JSON.stringify(key)} already exists in raw, and raw objects are never overwritten`
      : `object ${JSON.stringify(key)} is in raw, and raw objects are never deleted`;
  return new PolicyError("raw_immutable", message, {
    details: { key, layer: "raw", operation },
    hint:
      operation === "overwrite"
        ? "Add the new content under a new key (for example with a version or date segment)"
        : "Raw is the lake's immutable record; promote what you need and leave raw as it is",
    cause,
  });
}

/** Hex sha256 → the base64 form S3 checksum headers carry. */
export function sha256HexToBase64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}
