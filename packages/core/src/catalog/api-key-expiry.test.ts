import { describe, expect, it } from "vitest";
import { parseInstant, parseKeyExpiry } from "./api-key-expiry.js";

const now = new Date("2026-06-01T12:00:00Z");

describe("parseKeyExpiry", () => {
  it("reads dates as the start of the day in UTC and date-times as UTC unless they carry an offset", () => {
    expect(parseKeyExpiry("2027-01-31", now).toISOString()).toBe("2027-01-31T00:00:00.000Z");
    expect(parseKeyExpiry("2027-01-31T18:00", now).toISOString()).toBe("2027-01-31T18:00:00.000Z");
    expect(parseKeyExpiry("2027-01-31T18:00:30+02:00", now).toISOString()).toBe("2027-01-31T16:00:30.000Z");
    expect(parseKeyExpiry("2026-06-01T12:00:01Z", now).toISOString()).toBe("2026-06-01T12:00:01.000Z");
  });

  it("refuses the past, the present, impossible dates and other text, naming the value", () => {
    expect(() => parseKeyExpiry("2026-06-01", now)).toThrow(/"2026-06-01" is not in the future/);
    expect(() => parseKeyExpiry("2026-06-01T12:00Z", now)).toThrow(/not in the future/);
    expect(() => parseKeyExpiry("2027-02-30", now)).toThrow(/"2027-02-30" is not a real date/);
    expect(() => parseKeyExpiry("2027-01-31T25:00", now)).toThrow(/not a real date/);
    expect(() => parseKeyExpiry("tomorrow", now)).toThrow(/"tomorrow" is not an ISO date/);
  });
});

describe("parseInstant", () => {
  it("refuses impossible dates that Date would roll over, and reads offset-less date-times as UTC", () => {
    // new Date("2026-02-30T00:00:00Z") is March 2: an audit filter must not silently mean another day.
    expect(() => parseInstant("2026-02-30", "since")).toThrow(/since "2026-02-30" is not a real date/);
    expect(() => parseInstant("2026-02-30T00:00:00Z", "until")).toThrow(
      /until "2026-02-30T00:00:00Z" is not a real date/,
    );
    expect(() => parseInstant("2026-01-01 junk", "since")).toThrow(/is not an ISO date/);
    expect(parseInstant("2026-01-01T10:00", "since").toISOString()).toBe("2026-01-01T10:00:00.000Z");
    expect(parseInstant("2026-01-01T10:00:00+02:00", "since").toISOString()).toBe("2026-01-01T08:00:00.000Z");
  });
});
