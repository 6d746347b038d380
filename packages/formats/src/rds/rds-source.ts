import { createReadStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { xz } from "@napi-rs/lzma";
import Bunzip from "seek-bzip";
import { FormatError } from "../convert/format-error.js";

export type RdsCompression = "gzip" | "bzip2" | "xz" | "none";

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
 * uncompressed size; xz and bzip2 are decoded from the whole compressed file because the installed decoders
 * are one-shot (peak ≈ compressed + uncompressed size, plus the decoder's own output copy for bzip2).
 */
export async function readRdsStream(path: string): Promise<{ bytes: Buffer; compression: RdsCompression }> {
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
        return { bytes: await gunzipWhole(path), compression };
      case "xz":
        return { bytes: await xz.decompress(await readFile(path)), compression };
      case "bzip2":
        return { bytes: Bunzip.decode(await readFile(path)), compression };
      case "none":
        return { bytes: await readFile(path), compression };
    }
  } catch (cause) {
    if (cause instanceof FormatError) throw cause;
    throw new FormatError(
      "rds_malformed",
      `RDS: cannot decompress ${compression} data in ${path}: ${(cause as Error).message}`,
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
async function gunzipWhole(path: string): Promise<Buffer> {
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
  let out = Buffer.allocUnsafe(Math.max(hint, 64 * 1024));
  let length = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }).pipe(createGunzip())) {
    const c = chunk as Buffer;
    if (length + c.length > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, length + c.length));
      out.copy(grown, 0, 0, length);
      out = grown;
    }
    c.copy(out, length);
    length += c.length;
  }
  return out.subarray(0, length);
}
