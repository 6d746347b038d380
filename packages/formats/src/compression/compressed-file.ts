import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { xz } from "@napi-rs/lzma";
import Bunzip from "seek-bzip";
import { compressedInputError } from "./compressed-input-error.js";
import type { Compression } from "./compressed-input-error.js";
import { readDecompressed } from "./read-decompressed.js";

/**
 * Reads a compressed file through to its end, checking it, and throws its `compressed_truncated` /
 * `compressed_corrupt` error if it has one. Used when a converter failed on what the damage may explain, or when
 * the damage left too little to tell the format.
 */
export async function verifyCompressedFile(path: string, compression: Compression): Promise<void> {
  if (compression === "gzip") for await (const chunk of readDecompressed(path)) void chunk;
  else if (compression === "bzip2") bunzipFile(path, { discard: true });
  else await unxzFile(path);
}

/** Raised by the bzip2 input when the decoder asks for a byte past the end of the file. */
class EndOfInput extends Error {}

/**
 * Decodes a bzip2 file (every stream of it: parallel compressors write several) from the file read in chunks.
 * The decoder checks each block's CRC and the stream CRC; a read past the end is a truncation. With `discard`
 * the output is dropped (and an empty buffer returned): the file is only checked. With `onOutput` the output is
 * handed over in pieces of up to `chunkSize` bytes as it is decoded (an empty buffer is returned); a piece is
 * reused for the next one, and an error thrown by `onOutput` stops decoding and is rethrown as is.
 */
export function bunzipFile(
  path: string,
  options: {
    readonly chunkSize?: number;
    readonly discard?: boolean;
    readonly onOutput?: (piece: Uint8Array) => void;
  } = {},
): Buffer {
  const chunkSize = Math.max(1, options.chunkSize ?? 1 << 20);
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(1, size)));
    let start = 0;
    let length = 0;
    let pos = 0;
    const input = {
      readByte(): number {
        if (pos >= start + length) {
          start = pos;
          length = readSync(fd, buf, 0, buf.length, pos);
          if (length === 0) throw new EndOfInput("the input ended inside the stream");
        }
        return buf[pos++ - start]!;
      },
      eof(): boolean {
        return pos >= size;
      },
      read(target: Uint8Array, offset: number, n: number): number {
        for (let i = 0; i < n; i++) target[offset + i] = input.readByte();
        return n;
      },
      seek(to: number): void {
        pos = to;
        length = 0;
      },
    };
    let outputFailure: { error: unknown } | undefined;
    try {
      if (options.onOutput !== undefined) {
        const onOutput = options.onOutput;
        const piece = Buffer.allocUnsafe(chunkSize);
        let filled = 0;
        const hand = (): void => {
          try {
            onOutput(piece.subarray(0, filled));
          } catch (error) {
            outputFailure = { error };
            throw error;
          }
          filled = 0;
        };
        const sink = {
          writeByte(b: number): void {
            piece[filled++] = b;
            if (filled === chunkSize) hand();
          },
        };
        Bunzip.decode(input, sink, true);
        if (filled > 0) hand();
        return Buffer.alloc(0);
      }
      // Verifying only: a sink that keeps nothing (the decoder still checks every CRC).
      const sink = options.discard === true ? { writeByte: (): void => undefined } : undefined;
      return Bunzip.decode(input, sink, true) ?? Buffer.alloc(0);
    } catch (cause) {
      if (outputFailure !== undefined) throw outputFailure.error;
      const truncated = cause instanceof EndOfInput;
      throw compressedInputError({
        compression: "bzip2",
        file: path,
        truncated,
        byteOffset: truncated ? size : Math.max(0, pos - 1),
        detail: (cause as Error).message,
        cause,
      });
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Decodes an xz file. The decoder is one-shot and does not say where it failed, so the offset reported for
 * damage is that of the structure it names (stream header, index or footer) or else the first block's start.
 */
export async function unxzFile(path: string): Promise<Buffer> {
  const compressed = await readFile(path);
  try {
    return await xz.decompress(compressed);
  } catch (cause) {
    const detail = (cause as Error).message;
    const truncated = /fill whole buffer|unexpected end|end of (file|input)/i.test(detail);
    throw compressedInputError({
      compression: "xz",
      file: path,
      truncated,
      byteOffset: truncated ? compressed.length : xzDamageOffset(compressed, detail),
      detail,
      cause,
    });
  }
}

/** Where in an xz stream the decoder's complaint points (see unxzWhole). */
function xzDamageOffset(bytes: Buffer, detail: string): number {
  const STREAM_HEADER = 12;
  const FOOTER = 12;
  if (/header/i.test(detail) || bytes.length < STREAM_HEADER + FOOTER) return 0;
  if (/footer/i.test(detail)) return bytes.length - FOOTER;
  if (/index/i.test(detail)) {
    const backwardSize = (bytes.readUInt32LE(bytes.length - 8) + 1) * 4;
    return Math.max(STREAM_HEADER, bytes.length - FOOTER - backwardSize);
  }
  return STREAM_HEADER;
}
