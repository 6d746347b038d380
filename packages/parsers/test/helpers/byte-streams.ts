/** Feeds `bytes` in slices of `size`, so tokens and multi-byte characters straddle chunk boundaries. */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A one-chunk stream of `s` as UTF-8. */
export async function* text(s: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(s);
}
