import { describe, expect, it } from "vitest";
import { contentDisposition } from "./content-disposition.js";

const ASCII_HEADER = /^[\x20-\x7e]*$/;

describe("contentDisposition", () => {
  it("gives an ASCII fallback and the exact UTF-8 name as filename*", () => {
    expect(contentDisposition("IFN-γ.csv")).toBe(
      `attachment; filename="IFN-_.csv"; filename*=UTF-8''IFN-%CE%B3.csv`,
    );
    expect(contentDisposition("plain.txt")).toBe(
      `attachment; filename="plain.txt"; filename*=UTF-8''plain.txt`,
    );
  });

  it("never lets quotes, backslashes, control characters or emoji break the header", () => {
    for (const name of [
      'a"b.txt',
      "a\\b.txt",
      "line\r\nSet-Cookie: x=1",
      "🧬 cells.tsv",
      "it's (1)*.txt",
      "100%.txt",
      "lone\ud800.txt",
    ]) {
      const header = contentDisposition(name);
      expect(header, name).toMatch(ASCII_HEADER);
      const fallback = /filename="([^"]*)"; /.exec(header)?.[1];
      expect(fallback, name).toBeDefined();
      expect(fallback, name).not.toMatch(/["\\%]/);
      const encoded = /filename\*=UTF-8''(\S+)$/.exec(header)?.[1];
      expect(encoded, name).toMatch(/^[A-Za-z0-9!#$&+.^_`|~%-]+$/);
    }
    expect(decodeURIComponent(/''(\S+)$/.exec(contentDisposition("🧬 cells.tsv"))![1]!)).toBe("🧬 cells.tsv");
    expect(decodeURIComponent(/''(\S+)$/.exec(contentDisposition("line\r\nbreak"))![1]!)).toBe("linebreak");
  });
});
