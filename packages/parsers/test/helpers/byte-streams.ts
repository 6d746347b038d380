/** Feeds `bytes` in slices of `size`, so tokens and multi-byte characters straddle chunk boundaries. */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A one-chunk stream of `s` as UTF-8. */
export async function* text(s: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(s);
}

/**
 * Feeds `bytes` in slices of `size` through one reused buffer, as a file reader with a fixed read buffer does:
 * each slice is copied into the same memory, and before the next one is copied the previous contents are
 * overwritten with `<` bytes. A consumer that keeps a view of a chunk past asking for the next one reads garbage.
 */
export async function* reusedBufferChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(size);
  for (let i = 0; i < bytes.length; i += size) {
    buffer.fill(0x3c);
    const n = Math.min(size, bytes.length - i);
    buffer.set(bytes.subarray(i, i + n));
    yield buffer.subarray(0, n);
  }
  buffer.fill(0x3c);
}
