import { describe, expect, it } from "vitest";
import { SourceOptions } from "../source-options.js";
import { geoAccessionOfUid, geoMonthsOf } from "./geo-source-adapter.js";

const optionsOf = (options: Record<string, unknown>) =>
  new SourceOptions({ source: { kind: "geo" }, data: { source: "geo", role: "r", options } });

describe("geoAccessionOfUid", () => {
  it("maps gds uids to accessions by their leading digit", () => {
    expect(geoAccessionOfUid("200093374")).toBe("GSE93374");
    expect(geoAccessionOfUid("100020814")).toBe("GPL20814");
    expect(geoAccessionOfUid("304391896")).toBe("GSM4391896");
    expect(geoAccessionOfUid("5821")).toBe("GDS5821");
    expect(geoAccessionOfUid("900000001")).toBeUndefined();
    expect(geoAccessionOfUid("GSE1")).toBeUndefined();
  });
});

describe("geoMonthsOf", () => {
  it("expands a from/to range across a year end and merges it with explicit months", () => {
    expect(geoMonthsOf(optionsOf({ months: ["2024-05"], from: "2024-11", to: "2025-02" }))).toEqual([
      { year: "2024", month: "05" },
      { year: "2024", month: "11" },
      { year: "2024", month: "12" },
      { year: "2025", month: "01" },
      { year: "2025", month: "02" },
    ]);
  });

  it("refuses a malformed month, naming the option", () => {
    expect(() => geoMonthsOf(optionsOf({ from: "2024-13" }))).toThrow(/"from" is "2024-13"/);
  });
});
