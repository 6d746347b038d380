import { describe, expect, test } from "vitest";
import { attrOf, toBool, toInt, toIsoDate, toNumber } from "./xml-values.js";

describe("xml values", () => {
  test("toIsoDate keeps ISO input, converts SRA's space form, never invents a zone", () => {
    expect(toIsoDate("2015-12-22T01:15:47.477")).toBe("2015-12-22T01:15:47.477");
    expect(toIsoDate("2016-12-14 16:12:25")).toBe("2016-12-14T16:12:25");
    expect(toIsoDate("2019-01-01T10:00")).toBe("2019-01-01T10:00:00");
    expect(toIsoDate(" 2019-01-01 ")).toBe("2019-01-01");
    expect(toIsoDate("2019-01-01T10:00:00Z")).toBe("2019-01-01T10:00:00Z");
    expect(toIsoDate("not a date")).toBe("not a date");
    expect(toIsoDate("  ")).toBeUndefined();
  });

  test("numbers: digits, decimals and exponents; not hex, words or blanks", () => {
    expect(toNumber("0012")).toBe(12);
    expect(toNumber(" 1.5 ")).toBe(1.5);
    expect(toNumber("2e3")).toBe(2000);
    expect(toNumber("0x1A")).toBeUndefined();
    expect(toNumber("N/A")).toBeUndefined();
    expect(toNumber("")).toBeUndefined();
    expect(toInt("385374220281")).toBe(385374220281);
    expect(toInt("1.5")).toBeUndefined();
    expect(toInt("12345678901234567890")).toBeUndefined();
  });

  test("booleans and trimmed attributes", () => {
    expect([toBool("true"), toBool("1"), toBool("No"), toBool("maybe")]).toEqual([
      true,
      true,
      false,
      undefined,
    ]);
    const node = { name: "x", attrs: { a: " v ", b: "", c: "w" }, children: [], text: "" };
    expect([
      attrOf(node, "a"),
      attrOf(node, "b"),
      attrOf(node, "c"),
      attrOf(node, "d"),
      attrOf(undefined, "a"),
    ]).toEqual(["v", undefined, "w", undefined, undefined]);
  });
});
