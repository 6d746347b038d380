import { describe, expect, it } from "vitest";
import { parseRange } from "./byte-range.js";

describe("parseRange", () => {
  it("reads a-b, a- and -n, clipping to the size", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ kind: "range", start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ kind: "range", start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ kind: "range", start: 90, end: 99 });
    expect(parseRange("bytes=-1000", 100)).toEqual({ kind: "range", start: 0, end: 99 });
    expect(parseRange("bytes=50-1000", 100)).toEqual({ kind: "range", start: 50, end: 99 });
    expect(parseRange("Bytes = 5 - 6", 100)).toEqual({ kind: "range", start: 5, end: 6 });
    expect(parseRange("bytes=0-99999999999999999999999", 100)).toEqual({ kind: "range", start: 0, end: 99 });
  });

  it("calls ranges past the end, and empty suffixes, unsatisfiable", () => {
    expect(parseRange("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=100-200", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-5", 0)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=99999999999999999999999-", 100)).toEqual({ kind: "unsatisfiable" });
  });

  it("ignores what it does not serve: no header, other units, bad syntax, several ranges", () => {
    for (const header of [
      undefined,
      "items=0-1",
      "bytes=",
      "bytes=-",
      "bytes=5-1",
      "bytes=a-b",
      "bytes=0-1,3-4",
      "bytes=0-1\0",
    ]) {
      expect(parseRange(header, 100), String(header)).toEqual({ kind: "full" });
    }
  });
});
