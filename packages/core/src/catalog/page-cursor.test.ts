import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, resolveLimit } from "./page-cursor.js";

describe("page cursors", () => {
  it("round-trips a number or a string and stays URL-safe", () => {
    const numeric = encodeCursor("datasets", 42);
    expect(numeric).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor("datasets", numeric, "number")).toBe(42);
    const text = encodeCursor("objects", "dir/ä name?.txt");
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor("objects", text, "string")).toBe("dir/ä name?.txt");
  });

  it("refuses a cursor of another list, of the wrong type or not a cursor at all", () => {
    const bad = [
      encodeCursor("runs", 1),
      encodeCursor("datasets", "1"),
      encodeCursor("datasets", 1.5),
      Buffer.from("[1]").toString("base64url"),
      Buffer.from("null").toString("base64url"),
      "a+b/c=",
      "",
    ];
    for (const cursor of bad) {
      expect(() => decodeCursor("datasets", cursor, "number"), cursor).toThrow(
        expect.objectContaining({ code: "invalid_cursor" }),
      );
    }
  });
});

describe("resolveLimit", () => {
  it("defaults to 50 and accepts 1 to 500", () => {
    expect(resolveLimit(undefined)).toBe(50);
    expect(resolveLimit(1)).toBe(1);
    expect(resolveLimit(500)).toBe(500);
  });

  it("refuses anything else", () => {
    for (const limit of [0, 501, -3, 2.5, Number.NaN]) {
      expect(() => resolveLimit(limit), String(limit)).toThrow(/invalid page limit/);
    }
  });
});
