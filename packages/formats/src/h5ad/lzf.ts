/** Why an LZF block could not be decompressed: the block ends early, refers before its start, or overruns. */
export class LzfError extends Error {
  constructor(
    message: string,
    /** Byte offset in the compressed block where decoding stopped. */
    readonly offset: number,
  ) {
    super(message);
    this.name = "LzfError";
  }
}

/**
 * Decompresses one LZF block (liblzf's format, which h5py's `lzf` HDF5 filter stores per chunk) into exactly
 * `expected` bytes. The format is a sequence of control bytes: below 32, a literal run of `ctrl + 1` bytes
 * follows; otherwise a back-reference of `(ctrl >> 5) + 2` bytes (the length continues in one more byte when the
 * top three bits are all set) to a distance of `((ctrl & 31) << 8) + next + 1` bytes behind the output end.
 * Back-references may overlap their own output (a run), so they are copied byte by byte.
 *
 * The output size is known up front (the chunk's element count times the stored element size), which lets
 * every malformed case fail here instead of producing a short or padded chunk.
 */
export function lzfDecompress(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const at = ip;
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const len = ctrl + 1;
      if (ip + len > input.length)
        throw new LzfError(`literal run of ${len} bytes is cut off by the end of the block`, at);
      if (op + len > expected) throw new LzfError(`output would exceed the expected ${expected} bytes`, at);
      out.set(input.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len = ctrl >> 5;
    if (len === 7) {
      if (ip >= input.length)
        throw new LzfError("back-reference length is cut off by the end of the block", at);
      len += input[ip++]!;
    }
    if (ip >= input.length)
      throw new LzfError("back-reference distance is cut off by the end of the block", at);
    const ref = op - ((ctrl & 31) << 8) - input[ip++]! - 1;
    len += 2;
    if (ref < 0) throw new LzfError(`back-reference points ${-ref} bytes before the start of the output`, at);
    if (op + len > expected) throw new LzfError(`output would exceed the expected ${expected} bytes`, at);
    for (let i = 0; i < len; i++) out[op + i] = out[ref + i]!;
    op += len;
  }
  if (op !== expected)
    throw new LzfError(`block decodes to ${op} bytes, ${expected} were expected`, input.length);
  return out;
}
