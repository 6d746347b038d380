import { open, readFile } from "node:fs/promises";
import { bunzipFile, unxzFile } from "../compression/compressed-file.js";
import { readDecompressed } from "../compression/read-decompressed.js";
import { FormatError } from "../convert/format-error.js";

export type RdsCompression = "gzip" | "bzip2" | "xz" | "none";

export interface RdsStreamOptions {
  /** Bytes read from the file at a time (and largest inflated chunk); default 1 MiB. Tests lower it. */
  readonly chunkSize?: number;
}

const DEFAULT_CHUNK = 1 << 20;

/** Compression of a file from its first bytes (the same magic numbers R's `gzcon`/`xzfile` check). */
export function detectCompression(head: Uint8Array): RdsCompression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return "bzip2";
  if (
    head[0] === 0xfd &&
    head[1] === 0x37 &&
    head[2] === 0x7a &&
    head[3] === 0x58 &&
    head[4] === 0x5a &&
    head[5] === 0x00
  )
    return "xz";
  return "none";
}

/**
 * The uncompressed serialization stream of an RDS file, in one buffer (the reader is random-access).
 * gzip is inflated as a stream into one buffer sized from the gzip trailer, so the peak is about the
 * uncompressed size; bzip2 is decoded from the file read in chunks; xz is decoded from the whole compressed file
 * because the installed decoder is one-shot (peak ≈ compressed + uncompressed size). A truncated or corrupt
 * compressed file fails with `compressed_truncated` / `compressed_corrupt`, the file and the compressed byte offset:
 * every decoder checks the stream's checksums, and reading past the end of the file is an error, never zeros.
 */
export async function readRdsStream(
  path: string,
  options: RdsStreamOptions = {},
): Promise<{ bytes: Buffer; compression: RdsCompression }> {
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK);
  const fh = await open(path, "r");
  const head = Buffer.alloc(6);
  try {
    await fh.read(head, 0, 6, 0);
  } finally {
    await fh.close();
  }
  const compression = detectCompression(head);
  try {
    switch (compression) {
      case "gzip":
        return { bytes: await gunzipWhole(path, chunkSize), compression };
      case "xz":
        return { bytes: await unxzFile(path), compression };
      case "bzip2":
        return { bytes: bunzipFile(path, { chunkSize }), compression };
      case "none":
        return { bytes: await readFile(path), compression };
    }
  } catch (cause) {
    if (cause instanceof FormatError) throw cause;
    throw new FormatError(
      "rds_malformed",
      `RDS: cannot decompress ${compression} data: ${(cause as Error).message}`,
      {
        file: path,
        hint: "The file is truncated or not a compressed RDS file.",
        cause,
      },
    );
  }
}

/**
 * Inflates a gzip file into a single buffer without a chunk list and a final concat (which would double the
 * peak): the trailer's ISIZE (uncompressed size mod 2^32) sizes the buffer, which grows only when the content
 * is over 4 GiB or the file holds several gzip members.
 */
async function gunzipWhole(path: string, chunkSize: number): Promise<Buffer> {
  const fh = await open(path, "r");
  let hint = 0;
  try {
    const { size } = await fh.stat();
    if (size >= 18) {
      const trailer = Buffer.alloc(4);
      await fh.read(trailer, 0, 4, size - 4);
      hint = trailer.readUInt32LE(0);
    }
  } finally {
    await fh.close();
  }
  // A damaged trailer can claim anything: start no larger than 64 MiB and let the buffer grow.
  let out = Buffer.allocUnsafe(Math.min(Math.max(hint, 64 * 1024), 64 << 20));
  let length = 0;
  for await (const c of readDecompressed(path, { chunkSize })) {
    if (length + c.length > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, length + c.length));
      out.copy(grown, 0, 0, length);
      out = grown;
    }
    out.set(c, length);
    length += c.length;
  }
  return out.subarray(0, length);
}
