import { describe, expect, it } from "vitest";
import { findHostileValue, MAX_JSON_DEPTH } from "./hostile-input.js";

const nested = (depth: number): unknown => {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe("findHostileValue", () => {
  it("finds NUL characters in values and keys, however deep", () => {
    expect(findHostileValue({ q: "a\0b" })).toEqual({ path: "/q", reason: "contains a NUL character" });
    expect(findHostileValue({ list: ["ok", { ["k\0"]: 1 }] })?.reason).toBe("has a key with a NUL character");
    expect(findHostileValue("\0")).toBeDefined();
    expect(findHostileValue({ q: "fine", n: 1, b: null, l: [1, "x"] })).toBeUndefined();
  });

  it("refuses nesting past the limit without recursing", () => {
    expect(findHostileValue(nested(MAX_JSON_DEPTH - 1))).toBeUndefined();
    expect(findHostileValue(nested(MAX_JSON_DEPTH + 1))?.reason).toContain("nested deeper");
    expect(findHostileValue(nested(100_000))?.reason).toContain("nested deeper");
  });
});
