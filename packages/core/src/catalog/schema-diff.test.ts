import { describe, expect, it } from "vitest";
import { diffSchemas, isEmptyDiff } from "./schema-diff.js";

const f = (name: string, type: string, nullable = true) => ({ name, type, nullable });

describe("diffSchemas", () => {
  it("finds nothing between equal schemas, whatever the column order", () => {
    const diff = diffSchemas([f("a", "int32"), f("b", "utf8")], [f("b", "utf8"), f("a", "int32")]);
    expect(diff).toEqual({ added: [], removed: [], retyped: [] });
    expect(isEmptyDiff(diff)).toBe(true);
  });

  it("lists added, removed and retyped columns", () => {
    const diff = diffSchemas(
      [f("a", "int32"), f("b", "utf8"), f("c", "float64")],
      [f("a", "int64"), f("c", "float64"), f("d", "bool")],
    );
    expect(diff).toEqual({
      added: [f("d", "bool")],
      removed: [f("b", "utf8")],
      retyped: [{ name: "a", from: "int32", to: "int64", nullableFrom: true, nullableTo: true }],
    });
    expect(isEmptyDiff(diff)).toBe(false);
  });

  it("counts a change of nullability alone as retyped", () => {
    const diff = diffSchemas([f("a", "utf8", false)], [f("a", "utf8", true)]);
    expect(diff.retyped).toEqual([
      { name: "a", from: "utf8", to: "utf8", nullableFrom: false, nullableTo: true },
    ]);
  });

  it("treats a rename as one removal and one addition", () => {
    expect(diffSchemas([f("old", "utf8")], [f("new", "utf8")])).toEqual({
      added: [f("new", "utf8")],
      removed: [f("old", "utf8")],
      retyped: [],
    });
  });

  it("handles empty schemas", () => {
    expect(diffSchemas([], [f("a", "utf8")]).added).toEqual([f("a", "utf8")]);
    expect(diffSchemas([f("a", "utf8")], []).removed).toEqual([f("a", "utf8")]);
  });
});
