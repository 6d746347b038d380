import { describe, expect, it } from "vitest";
import { parseContentRange } from "./resumable-download.js";

describe("parseContentRange", () => {
  it("reads a range answer and a 416 answer", () => {
    expect(parseContentRange("bytes 100-199/200")).toEqual({ start: 100, total: 200 });
    expect(parseContentRange("bytes 100-199/*")).toEqual({ start: 100, total: undefined });
    expect(parseContentRange("bytes */200")).toEqual({ start: undefined, total: 200 });
  });

  it("refuses anything else", () => {
    expect(parseContentRange(null)).toBeUndefined();
    expect(parseContentRange("items 1-2/3")).toBeUndefined();
  });
});
