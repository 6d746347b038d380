import { describe, expect, it } from "vitest";
import { fileIdentity, VerificationCache } from "./verification-cache.js";

const stats = (ino: number, size = 10, mtimeMs = 1, ctimeMs = 1) => ({ dev: 1, ino, size, mtimeMs, ctimeMs });

describe("VerificationCache", () => {
  it("holds a verification only for the same file identity and sha256", () => {
    const cache = new VerificationCache();
    cache.add("raw/a/x", fileIdentity(stats(1)), "aa");
    expect(cache.has("raw/a/x", fileIdentity(stats(1)), "aa")).toBe(true);
    expect(cache.has("raw/a/x", fileIdentity(stats(1)), "bb")).toBe(false);
    cache.add("raw/a/x", fileIdentity(stats(1)), "aa");
    for (const changed of [stats(2), stats(1, 11), stats(1, 10, 2), stats(1, 10, 1, 2)]) {
      cache.add("raw/a/x", fileIdentity(stats(1)), "aa");
      expect(cache.has("raw/a/x", fileIdentity(changed), "aa")).toBe(false);
      // A changed identity also drops the entry, so the old file version cannot come back.
      expect(cache.has("raw/a/x", fileIdentity(stats(1)), "aa")).toBe(false);
    }
  });

  it("evicts the least recently used entry past its bound", () => {
    const cache = new VerificationCache(2);
    cache.add("k1", "i", "s");
    cache.add("k2", "i", "s");
    expect(cache.has("k1", "i", "s")).toBe(true);
    cache.add("k3", "i", "s");
    expect(cache.size).toBe(2);
    expect(cache.has("k2", "i", "s")).toBe(false);
    expect(cache.has("k1", "i", "s")).toBe(true);
    expect(cache.has("k3", "i", "s")).toBe(true);
  });
});
