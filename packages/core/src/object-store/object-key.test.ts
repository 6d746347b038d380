import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/omicslake-error.js";
import { compareKeys, MAX_KEY_BYTES, validateKeyPrefix, validateObjectKey } from "./object-key.js";

describe("validateObjectKey", () => {
  it("accepts keys that start with a layer and returns the layer", () => {
    expect(validateObjectKey("raw/ncbi/GSE2034.soft.gz")).toBe("raw");
    expect(validateObjectKey("processed/geo/2024-01/part-0.parquet")).toBe("processed");
    expect(validateObjectKey("curated/..hidden/x..y")).toBe("curated");
    expect(validateObjectKey("archive/Homo sapiens/é 𝄞.txt")).toBe("archive");
  });

  it.each([
    ["raw/../x", '".." segment'],
    ["../x", '".." segment'],
    ["raw/a/../../etc/passwd", '".." segment'],
    ["raw/./x", '"." segment'],
    ["/raw/x", 'starts with "/"'],
    ["raw//x", "empty segment"],
    ["raw/x/", "empty segment"],
    ["raw\\x", "backslash"],
    ["raw/x\u0000", "control character"],
    ["raw/x\ny", "control character"],
    ["raw/x\ud800", "surrogate"],
    ["raw", "names a layer"],
    ["bronze/x", "does not start with a layer"],
    ["", "is empty"],
    [`raw/${"a".repeat(256)}`, "longer than 255 bytes"],
    [`raw/${"a/".repeat(MAX_KEY_BYTES / 2)}x`, `longer than ${MAX_KEY_BYTES} bytes`],
  ])("refuses %j (%s) with the key and the allowed form", (key, reason) => {
    let error: unknown;
    try {
      validateObjectKey(key);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual({
      key,
      reason: expect.stringContaining(reason) as string,
    });
    expect((error as ValidationError).message).toContain("raw, processed, curated, archive");
  });
});

describe("validateKeyPrefix", () => {
  it("accepts empty, partial layer names and unfinished last segments", () => {
    for (const prefix of ["", "r", "proc", "raw/", "raw/ncbi/GS", "raw/ncbi/"]) {
      expect(() => validateKeyPrefix(prefix), prefix).not.toThrow();
    }
  });

  it("refuses traversal and prefixes that cannot match a key", () => {
    for (const prefix of ["../", "raw/../", "raw//", "x", "tmp/", "/raw"]) {
      expect(() => validateKeyPrefix(prefix), prefix).toThrow(ValidationError);
    }
  });
});

describe("compareKeys", () => {
  it("orders by UTF-8 bytes like S3, not by UTF-16 code units", () => {
    const keys = ["raw/\uffff", "raw/𝄞", "raw/a/b", "raw/a-c", "raw/A", "raw/é"];
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...keys].sort(compareKeys)).toEqual(byBytes);
    // The case plain string comparison gets wrong.
    expect("raw/𝄞" < "raw/\uffff").toBe(true);
    expect(compareKeys("raw/𝄞", "raw/\uffff")).toBeGreaterThan(0);
  });
});
