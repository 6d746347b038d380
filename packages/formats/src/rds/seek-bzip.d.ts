// seek-bzip ships no type declarations; only the decoders used here are declared.
declare module "seek-bzip" {
  const Bunzip: {
    decode(input: Uint8Array): Buffer;
    /** Decodes the one block starting at bit offset `pos` (32 for the first block). */
    decodeBlock(input: Uint8Array, pos: number): Buffer;
  };
  export default Bunzip;
}
