// seek-bzip ships no type declarations; only the one-shot decoder is used.
declare module "seek-bzip" {
  const Bunzip: { decode(input: Uint8Array): Buffer };
  export default Bunzip;
}
