import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ParseError } from "../src/errors/parse-error.js";
import { openInput } from "../src/io/open-input.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "omicslake-open-input-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function readAll(input: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of input) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

async function readError(input: AsyncIterable<Uint8Array>): Promise<{ error: ParseError; bytes: number }> {
  let bytes = 0;
  try {
    for await (const chunk of input) bytes += chunk.byteLength;
  } catch (error) {
    if (error instanceof ParseError) return { error, bytes };
    throw error;
  }
  throw new Error("expected a ParseError");
}

/** Deterministic, poorly compressible content so the gzip stream spans many chunks. */
function content(size: number): Buffer {
  const out = Buffer.alloc(size);
  let seed = 12345;
  for (let i = 0; i < size; i++) {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = 97 + (((t ^ (t >>> 14)) >>> 0) % 26);
  }
  return out;
}

describe.each([true, false])("openInput (worker: %s)", (worker) => {
  test("plain files pass through unchanged and report progress against the file size", async () => {
    const data = content(3_000_000);
    const path = join(dir, "plain.xml");
    writeFileSync(path, data);
    const progress: Array<[number, number | undefined]> = [];
    const out = await readAll(
      openInput(path, { worker, chunkSize: 1 << 16, onProgress: (n, total) => progress.push([n, total]) }),
    );
    expect(out.equals(data)).toBe(true);
    expect(progress.at(-1)).toEqual([data.length, data.length]);
  });

  test("gzip is detected by its magic bytes whatever the name, including multi-member streams", async () => {
    const a = content(2_000_000);
    const b = Buffer.from("second member\n");
    const path = join(dir, "no-gz-suffix.xml");
    writeFileSync(path, Buffer.concat([gzipSync(a), gzipSync(b)]));
    const out = await readAll(openInput(path, { worker, chunkSize: 1 << 16 }));
    expect(out.equals(Buffer.concat([a, b]))).toBe(true);
  });

  test("a truncated gzip stream fails with truncated_gzip at the compressed end, after delivering the data before it", async () => {
    const data = content(2_000_000);
    const gz = gzipSync(data);
    const cut = gz.subarray(0, Math.floor(gz.length / 2));
    const path = join(dir, "cut.xml.gz");
    writeFileSync(path, cut);
    const { error, bytes } = await readError(openInput(path, { worker, chunkSize: 1 << 16 }));
    expect(error.code).toBe("truncated_gzip");
    expect(error.location.file).toBe(path);
    expect(error.location.byteOffset).toBe(cut.length);
    expect(bytes).toBeGreaterThan(0);
  });

  test("a corrupt gzip stream fails with corrupt_gzip and a compressed offset", async () => {
    const gz = Buffer.from(gzipSync(content(1_000_000)));
    for (let i = 300_000; i < 300_100; i++) gz[i] = 0xff;
    const path = join(dir, "corrupt.gz");
    writeFileSync(path, gz);
    const { error } = await readError(openInput(path, { worker, chunkSize: 1 << 16 }));
    expect(error.code).toBe("corrupt_gzip");
    // Damage inside a deflate block may only show at the CRC check: the offset is at or after the chunk holding it.
    expect(error.location.byteOffset).toBeGreaterThan(300_000 - (1 << 16));
    expect(error.location.byteOffset).toBeLessThanOrEqual(gz.length);
    expect(error.message).toContain(path);
  });

  test("a damaged gzip header is corrupt_gzip at the start", async () => {
    const gz = Buffer.from(gzipSync(content(10_000)));
    gz[2] = 9; // compression method other than deflate
    const path = join(dir, "header.gz");
    writeFileSync(path, gz);
    const { error } = await readError(openInput(path, { worker }));
    expect(error.code).toBe("corrupt_gzip");
    expect(error.location.byteOffset).toBe(0);
  });

  test("- reads standard input, gzip or not", async () => {
    const data = content(100_000);
    async function* stdin(bytes: Buffer): AsyncGenerator<Uint8Array> {
      // A first chunk of one byte: detection must still see both magic bytes.
      yield bytes.subarray(0, 1);
      yield bytes.subarray(1);
    }
    expect((await readAll(openInput("-", { worker, stdin: stdin(data) }))).equals(data)).toBe(true);
    expect((await readAll(openInput("-", { worker, stdin: stdin(gzipSync(data)) }))).equals(data)).toBe(true);
  });
});

test("a missing file is a ParseError naming it", async () => {
  const path = join(dir, "missing.xml");
  const { error } = await readError(openInput(path));
  expect(error.code).toBe("input_not_found");
  expect(error.message).toContain(path);
});

test("stopping early ends the worker without hanging", async () => {
  const path = join(dir, "big.gz");
  writeFileSync(path, gzipSync(content(8_000_000)));
  let seen = 0;
  for await (const chunk of openInput(path, { chunkSize: 1 << 16 })) {
    seen += chunk.byteLength;
    if (seen > 100_000) break;
  }
  expect(seen).toBeGreaterThan(100_000);
});
