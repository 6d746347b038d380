import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiKeyPrefixOf, generateApiKeySecret, hashApiKeySecret, sameDigest } from "./api-key-secret.js";

describe("API key secrets", () => {
  it("generates olk_<prefix>_<random> secrets whose prefix and hash match", () => {
    const generated = generateApiKeySecret();
    expect(generated.secret).toMatch(/^olk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(apiKeyPrefixOf(generated.secret)).toBe(generated.prefix);
    expect(generated.hash).toBe(createHash("sha256").update(generated.secret).digest("hex"));
    expect(generateApiKeySecret().secret).not.toBe(generated.secret);
  });

  it("finds no prefix in a malformed secret", () => {
    expect(apiKeyPrefixOf("olk_0123456789ab")).toBeUndefined();
    expect(apiKeyPrefixOf(`olk_0123456789AB_${"a".repeat(43)}`)).toBeUndefined();
    expect(apiKeyPrefixOf(`xyz_0123456789ab_${"a".repeat(43)}`)).toBeUndefined();
    expect(apiKeyPrefixOf(`olk_0123456789ab_${"a".repeat(43)}`)).toBe("olk_0123456789ab");
  });

  it("compares digests exactly", () => {
    const a = hashApiKeySecret("one");
    expect(sameDigest(a, hashApiKeySecret("one"))).toBe(true);
    expect(sameDigest(a, hashApiKeySecret("two"))).toBe(false);
    expect(sameDigest(a, a.slice(0, 10))).toBe(false);
  });
});
