import { describe, expect, it } from "vitest";
import { shrinkViolation } from "./shrink-guard.js";

describe("shrinkViolation", () => {
  it("refuses emptying a non-empty entity whatever max_shrink says", () => {
    expect(shrinkViolation("sra_run", 5, 0, { maxShrink: 1 })).toEqual({
      entity: "sra_run",
      oldRows: 5,
      newRows: 0,
    });
  });

  it("refuses losing more than max_shrink of the rows, not exactly that share", () => {
    expect(shrinkViolation("e", 100, 49)).toEqual({ entity: "e", oldRows: 100, newRows: 49 });
    expect(shrinkViolation("e", 100, 50)).toBeUndefined();
    expect(shrinkViolation("e", 100, 99, { maxShrink: 0 })).toEqual({
      entity: "e",
      oldRows: 100,
      newRows: 99,
    });
  });

  it("lets growth, first loads and allowShrink through", () => {
    expect(shrinkViolation("e", 10, 11, { maxShrink: 0 })).toBeUndefined();
    expect(shrinkViolation("e", 0, 0)).toBeUndefined();
    expect(shrinkViolation("e", 10, 0, { allowShrink: true })).toBeUndefined();
  });
});
