/*
 * PubMed titles and abstracts carry inline formatting (<i>, <b>, <u>, <sup>, <sub>) inside text. XmlNode keeps
 * an element's own text and its children separately, without their interleaving, so "the <i>TERT</i> gene"
 * would come out as "the  gene" + "TERT". Removing these tags from the byte stream before the XML reader sees
 * it keeps the words in order. It costs a few native substring searches per chunk.
 */

const TAGS = ["<i>", "</i>", "<b>", "</b>", "<u>", "</u>", "<sup>", "</sup>", "<sub>", "</sub>"].map((t) =>
  Buffer.from(t),
);
const LONGEST = 6;
const LT = 0x3c;
const GT = 0x3e;

function removeTags(buf: Buffer): Buffer {
  let hits: [number, number][] | undefined;
  for (const tag of TAGS) {
    let i = buf.indexOf(tag);
    while (i !== -1) {
      (hits ??= []).push([i, tag.length]);
      i = buf.indexOf(tag, i + tag.length);
    }
  }
  if (hits === undefined) return buf;
  hits.sort((a, b) => a[0] - b[0]);
  const parts: Buffer[] = [];
  let from = 0;
  for (const [at, length] of hits) {
    parts.push(buf.subarray(from, at));
    from = at + length;
  }
  parts.push(buf.subarray(from));
  return Buffer.concat(parts);
}

/** Passes bytes through with PubMed's inline formatting tags removed (text kept, in order). */
export async function* stripInlineMarkup(input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const chunk of input) {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = carry === undefined ? bytes : Buffer.concat([carry, bytes]);
    carry = undefined;
    // A tag split across chunks is held back until the next chunk completes it.
    let keep = buf.length;
    const lt = buf.lastIndexOf(LT);
    if (lt !== -1 && lt > buf.length - LONGEST && buf.indexOf(GT, lt) === -1) keep = lt;
    if (keep < buf.length) carry = Buffer.from(buf.subarray(keep));
    if (keep > 0) yield removeTags(buf.subarray(0, keep));
  }
  if (carry !== undefined) yield carry;
}
