import { describe, expect, it } from "vitest";
import { backoffDelayMs, isRetryableStatus, parseRetryAfter } from "./retry-policy.js";

const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

describe("backoffDelayMs", () => {
  it("doubles from the base, caps at the maximum, and jitters within the upper half", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(policy, n, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(policy, n, () => 1))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });

  it("waits as long as Retry-After asks when that is longer, up to its own cap", () => {
    expect(backoffDelayMs(policy, 1, () => 0, 3000)).toBe(3000);
    expect(backoffDelayMs(policy, 1, () => 0, 60_000)).toBe(5000);
    expect(backoffDelayMs(policy, 4, () => 1, 10)).toBe(800);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe("isRetryableStatus", () => {
  it("retries overload and server errors, not client errors", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 416].some(isRetryableStatus)).toBe(false);
  });
});
