// seek-bzip ships no type declarations; only the decoders used here are declared.
declare module "seek-bzip" {
  /** A byte source: `readByte` returns the next byte, `read` several (a stream header); `eof` says whether the input is exhausted. */
  interface BunzipInput {
    readByte(): number;
    eof(): boolean;
    seek(pos: number): void;
    /** Reads `n` bytes into `target` at `offset`; returns how many were read. */
    read(target: Uint8Array, offset: number, n: number): number;
  }
  const Bunzip: {
    /** Decodes `input`; with `multistream`, every bzip2 stream of it rather than the first only. */
    decode(
      input: Uint8Array | BunzipInput,
      output?: { writeByte(byte: number): void },
      multistream?: boolean,
    ): Buffer | undefined;
    /** Decodes the one block starting at bit offset `pos` (32 for the first block). */
    decodeBlock(input: Uint8Array, pos: number): Buffer;
  };
  export default Bunzip;
}
