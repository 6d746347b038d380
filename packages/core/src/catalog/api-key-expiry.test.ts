import { describe, expect, it } from "vitest";
import { parseKeyExpiry } from "./api-key-expiry.js";

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
