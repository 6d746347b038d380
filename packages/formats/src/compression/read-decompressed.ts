import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { compressedInputError, isZlibTruncation } from "./compressed-input-error.js";

export interface DecompressedReadOptions {
  /**
   * Largest chunk handed out (default 1 MiB): the size of each file read, and decompressed output is cut to it
   * too. Tests set it down to 1 byte so that the consumers' chunk-boundary handling is exercised.
   */
  readonly chunkSize?: number;
}

const DEFAULT_CHUNK = 1 << 20;
/** zlib refuses output chunks below this size. */
const ZLIB_MIN_CHUNK = 64;

/** Whether the file starts with the gzip magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  const head = Buffer.alloc(2);
  const fh = await open(path, "r");
  try {
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * The bytes of a file, gunzipped when it starts with the gzip magic bytes, as a stream of chunks (bounded
 * memory). A truncated or corrupt gzip stream fails with a FormatError naming the file and the compressed byte
 * offset: only after every byte was checked (including the CRC and length of the trailer) does the stream end
 * normally, so a consumer that reaches the end has read the whole, intact content. Each chunk is owned by the
 * consumer: it is never reused for a later chunk.
 *
 * @example for await (const chunk of readDecompressed("barcodes.tsv.gz")) lines.push(chunk);
 */
export async function* readDecompressed(
  path: string,
  options: DecompressedReadOptions = {},
): AsyncGenerator<Uint8Array> {
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK);
  const gzip = await isGzipFile(path);
  const input = createReadStream(path, { highWaterMark: chunkSize });
  if (!gzip) {
    try {
      for await (const chunk of input) yield chunk as Buffer;
    } finally {
      input.destroy();
    }
    return;
  }
  let fed = 0;
  input.on("data", (b: string | Buffer) => {
    fed += b.length;
  });
  const gunzip = createGunzip({ chunkSize: Math.max(ZLIB_MIN_CHUNK, chunkSize) });
  input.on("error", (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  try {
    for await (const out of gunzip) {
      const chunk = out as Buffer;
      if (chunk.length <= chunkSize) yield chunk;
      else for (let i = 0; i < chunk.length; i += chunkSize) yield chunk.subarray(i, i + chunkSize);
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (typeof e.code !== "string" || !e.code.startsWith("Z_")) throw error;
    const truncated = isZlibTruncation(e);
    throw compressedInputError({
      compression: "gzip",
      file: path,
      truncated,
      // A truncation shows at the end of the input; for bad data, zlib has counted the input it fully inflated.
      byteOffset: truncated ? fed : gunzip.bytesWritten,
      detail: e.message,
      cause: error,
    });
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/**
 * The lines of a text file (gzip allowed), without their `\n` or `\r\n`, decoded as UTF-8 with a leading byte order
 * mark removed, each with its 1-based number. Lines are cut on bytes, so a multi-byte character is never split.
 */
export async function* readTextLines(
  path: string,
  options: DecompressedReadOptions = {},
): AsyncGenerator<{ readonly text: string; readonly line: number }> {
  let carry: Buffer[] = [];
  let line = 0;
  let first = true;
  const decode = (bytes: Buffer): string => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    let start = 0;
    if (first) {
      first = false;
      if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    }
    return bytes.toString("utf8", start, Math.max(start, end));
  };
  for await (const chunk of readDecompressed(path, options)) {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let p = 0;
    for (let nl = buf.indexOf(0x0a, p); nl !== -1; nl = buf.indexOf(0x0a, p)) {
      let bytes = buf.subarray(p, nl);
      if (carry.length > 0) {
        bytes = Buffer.concat([...carry, bytes]);
        carry = [];
      }
      yield { text: decode(bytes), line: ++line };
      p = nl + 1;
    }
    // Copied: the rest of the line arrives with a later chunk.
    if (p < buf.length) carry.push(Buffer.from(buf.subarray(p)));
  }
  if (carry.length > 0) yield { text: decode(Buffer.concat(carry)), line: ++line };
}
