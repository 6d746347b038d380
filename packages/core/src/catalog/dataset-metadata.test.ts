import { describe, expect, it } from "vitest";
import { completeMetadata, isoDay } from "./dataset-metadata.js";

const defaults = { source: "geo", date: "2024-03-31", version: "1" };

describe("completeMetadata", () => {
  it("fills in missing keys and keeps the others", () => {
    expect(completeMetadata(undefined, defaults, {})).toEqual({
      source: "geo",
      date: "2024-03-31",
      version: "1",
    });
    expect(completeMetadata({ title: "T", version: 3 }, defaults, {})).toEqual({
      source: "geo",
      date: "2024-03-31",
      version: "3",
      title: "T",
    });
  });

  it("refuses impossible dates and non-string values", () => {
    expect(() => completeMetadata({ date: "2023-02-29" }, defaults, {})).toThrow(/YYYY-MM-DD/);
    expect(() => completeMetadata({ date: "31/03/2024" }, defaults, {})).toThrow(/YYYY-MM-DD/);
    expect(() => completeMetadata({ source: 5 }, defaults, {})).toThrow(/"source"/);
    expect(() => completeMetadata({ version: "" }, defaults, {})).toThrow(/"version"/);
    expect(() => completeMetadata([] as unknown as Record<string, unknown>, defaults, {})).toThrow(
      /JSON object/,
    );
    expect(completeMetadata({ date: "2024-02-29" }, defaults, {}).date).toBe("2024-02-29");
  });
});

describe("isoDay", () => {
  it("uses the UTC day", () => {
    expect(isoDay(new Date("2024-03-31T23:59:59.999Z"))).toBe("2024-03-31");
    expect(isoDay(new Date("2024-04-01T00:00:00+02:00"))).toBe("2024-03-31");
  });
});
