import { spawnSync } from "node:child_process";
import { gzipSync } from "node:zlib";

const PYTHON = "/usr/bin/python3";

/**
 * Whether bzip2 and xz data can be made here, with Python's standard modules: no JavaScript bzip2 encoder is
 * installed, and the installed xz encoder writes no integrity check (xz and R write CRC64/CRC32), which would
 * hide exactly the damage these tests make.
 */
export const canBzip2AndXz = spawnSync(PYTHON, ["-c", "import bz2, lzma"]).status === 0;

export function gzip(bytes: Uint8Array): Buffer {
  return gzipSync(bytes);
}

/** bzip2 through Python's bz2 module (`canBzip2AndXz` says whether it is available). */
export function bzip2(bytes: Uint8Array): Buffer {
  return python("bz2.compress(d)", bytes);
}

/** xz with a CRC64 check, as the xz tool writes, through Python's lzma module. */
export function xzCompress(bytes: Uint8Array): Buffer {
  return python("lzma.compress(d, check=lzma.CHECK_CRC64)", bytes);
}

function python(expression: string, bytes: Uint8Array): Buffer {
  const code = `import bz2, lzma, sys\nd = sys.stdin.buffer.read()\nsys.stdout.buffer.write(${expression})`;
  const result = spawnSync(PYTHON, ["-c", code], { input: bytes, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`python3 failed: ${String(result.stderr)}`);
  return result.stdout;
}

/** `bytes` with one bit flipped at `at` (negative counts from the end). */
export function flipBit(bytes: Uint8Array, at: number, bit = 0x10): Buffer {
  const copy = Buffer.from(bytes);
  const i = at < 0 ? copy.length + at : at;
  copy[i] = copy[i]! ^ bit;
  return copy;
}

/** Cut points spread over a compressed file: early, middle, late, and inside the last bytes (its trailer). */
export function cutPoints(length: number): number[] {
  const points = [
    Math.floor(length * 0.1),
    Math.floor(length / 2),
    Math.floor(length * 0.9),
    length - 9,
    length - 4,
    length - 1,
  ];
  return [...new Set(points.filter((p) => p > 16 && p < length))].sort((a, b) => a - b);
}
