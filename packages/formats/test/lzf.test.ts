import { describe, expect, it } from "vitest";
import { LzfError, lzfDecompress } from "../src/h5ad/lzf.js";

const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));

describe("lzfDecompress", () => {
  it("copies literal runs and back-references, overlapping ones byte by byte", () => {
    // "abc" literal, then a 5-byte back-reference at distance 3 ("abcab"), then a run: "x" and 6 more "x" from distance 1.
    const block = bytes(0x02, ...text("abc"), 0x60, 0x02, 0x00, ...text("x"), 0x80, 0x00);
    expect(Buffer.from(lzfDecompress(block, 15)).toString("latin1")).toBe("abcabcabxxxxxxx");
  });

  it("reads a long back-reference's length from the extra byte", () => {
    // length 7 + 3 + 2 = 12, distance 1: twelve copies of the one literal byte.
    const block = bytes(0x00, 0x41, 0xe0, 0x03, 0x00);
    expect(Buffer.from(lzfDecompress(block, 13)).toString("latin1")).toBe("A".repeat(13));
  });

  it("accepts literal runs of the maximum length (32 bytes)", () => {
    const data = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    expect(lzfDecompress(bytes(0x1f, ...data), 32)).toEqual(data);
  });

  const malformed: Array<[string, Uint8Array, number, RegExp, number]> = [
    ["a literal run cut off", bytes(0x04, 0x61, 0x62), 5, /literal run of 5 bytes is cut off/, 0],
    ["a back-reference without its distance", bytes(0x00, 0x61, 0x20), 4, /distance is cut off/, 2],
    ["a long back-reference without its length byte", bytes(0x00, 0x61, 0xe0), 12, /length is cut off/, 2],
    ["a back-reference before the start", bytes(0x00, 0x61, 0x20, 0x05), 4, /5 bytes before the start/, 2],
    [
      "a literal run past the expected size",
      bytes(0x03, ...text("abcd")),
      3,
      /exceed the expected 3 bytes/,
      0,
    ],
    ["a back-reference past the expected size", bytes(0x00, 0x61, 0x40, 0x00), 3, /exceed the expected 3/, 2],
    [
      "a block shorter than expected",
      bytes(0x01, ...text("ab")),
      4,
      /decodes to 2 bytes, 4 were expected/,
      3,
    ],
  ];
  it.each(malformed)("refuses %s, naming the offset in the block", (_, block, expected, message, offset) => {
    const error = (() => {
      try {
        lzfDecompress(block, expected);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LzfError);
    expect((error as LzfError).message).toMatch(message);
    expect((error as LzfError).offset).toBe(offset);
  });
});
