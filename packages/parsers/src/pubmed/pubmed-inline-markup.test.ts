import { describe, expect, it } from "vitest";
import { stripInlineMarkup } from "./pubmed-inline-markup.js";

async function strip(text: string, chunkSize: number): Promise<string> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const out: Buffer[] = [];
  for await (const c of stripInlineMarkup(chunks())) out.push(c);
  return Buffer.concat(out).toString();
}

describe("stripInlineMarkup", () => {
  const input =
    '<T a="1">H<sub>2</sub>O, 10<sup>5</sup>, <i>TERT</i>, <b>bold</b>, <u>u</u> kept: <p>x</p> <bi>y</bi> a>b <su></T>';
  const expected = '<T a="1">H2O, 105, TERT, bold, u kept: <p>x</p> <bi>y</bi> a>b <su></T>';

  it("removes exactly the inline formatting tags, whatever the chunking", async () => {
    for (const size of [1, 2, 3, 5, 7, 1000])
      expect(await strip(input, size), `chunk ${size}`).toBe(expected);
  });

  it("passes text without inline tags through unchanged", async () => {
    expect(await strip("<A><B>plain</B></A>", 4)).toBe("<A><B>plain</B></A>");
  });
});
