import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API key secrets look like `olk_<prefix>_<random>`: the prefix (12 hex characters, stored in the
 * clear) finds the row and tells keys apart in listings; 32 random bytes make the secret. Only the
 * sha256 of the whole secret is stored: a fast hash is enough because the secret is random, not a
 * password a user chose.
 */
const SECRET_PATTERN = /^(olk_[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKeySecret {
  readonly secret: string;
  /** `olk_<12 hex>`, the part shown to users. */
  readonly prefix: string;
  readonly hash: string;
}

export function generateApiKeySecret(): GeneratedApiKeySecret {
  const prefix = `olk_${randomBytes(6).toString("hex")}`;
  const secret = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { secret, prefix, hash: hashApiKeySecret(secret) };
}

/** The prefix of a well-formed secret, or undefined for anything else. */
export function apiKeyPrefixOf(secret: string): string | undefined {
  return SECRET_PATTERN.exec(secret)?.[1];
}

export function hashApiKeySecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares hex digests in constant time so response timing does not reveal how much matched. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}
