import type { SqlClient } from "../../catalog-db/sql-client.js";
import { NotFoundError, ValidationError } from "../../errors/omicslake-error.js";
import { apiKeyPrefixOf, generateApiKeySecret, hashApiKeySecret, sameDigest } from "../api-key-secret.js";
import { API_KEY_COLUMNS, toApiKey } from "../catalog-rows.js";
import type { ApiKeyRow } from "../catalog-rows.js";
import type { ApiKey, ApiKeyCheck } from "../catalog-types.js";
import { isUniqueViolation } from "../sql-error-info.js";
import { normaliseTags, requireId, requireText } from "./catalog-input.js";

/** API keys: only a hash of each secret is stored; a key is found by its random prefix. */
export class ApiKeyRepository {
  constructor(private readonly db: SqlClient) {}

  /**
   * A key expiring at `expiresAt` (never when omitted). A past expiry is accepted here (tests write one to
   * see an expired key refused); the CLI and the API refuse it as a usage error before calling this.
   */
  async createApiKey(
    name: string,
    scopes: readonly string[],
    options: { readonly expiresAt?: Date | null } = {},
  ): Promise<{ key: ApiKey; secret: string }> {
    const keyName = requireText(name, "API key name", 200);
    const keyScopes = normaliseTags(scopes, "scope");
    const expiresAt = options.expiresAt ?? null;
    if (expiresAt !== null && !(expiresAt instanceof Date && Number.isFinite(expiresAt.getTime())))
      throw new ValidationError("the key's expiry is not a valid date", {
        details: { expires_at: String(expiresAt) },
      });
    // The 48-bit prefix is random; on the rare collision draw again rather than fail.
    for (let attempt = 1; ; attempt++) {
      const generated = generateApiKeySecret();
      try {
        const { rows } = await this.db.query<ApiKeyRow>(
          `INSERT INTO api_keys (name, prefix, key_hash, scopes, expires_at) VALUES ($1, $2, $3, $4::text[], $5) RETURNING ${API_KEY_COLUMNS}`,
          [keyName, generated.prefix, generated.hash, keyScopes, expiresAt],
        );
        return { key: toApiKey(rows[0]!), secret: generated.secret };
      } catch (error) {
        if (attempt < 3 && isUniqueViolation(error, "api_keys_prefix_key")) continue;
        throw error;
      }
    }
  }

  /** The key of a presented secret if it is valid now; revoked, expired and unknown secrets give undefined. */
  async verifyApiKey(secret: string, now: Date = new Date()): Promise<ApiKey | undefined> {
    const check = await this.checkApiKey(secret, now);
    return check.kind === "valid" ? check.key : undefined;
  }

  /**
   * What a presented secret is at `now`: valid (its last_used_at is then set), revoked, expired or unknown.
   * Revoked and expired keys are told apart from unknown ones so their holder gets a message that helps;
   * a secret whose hash does not match is unknown whatever its prefix names, so guessing a prefix reveals
   * nothing about the key it belongs to.
   */
  async checkApiKey(secret: string, now: Date = new Date()): Promise<ApiKeyCheck> {
    if (typeof secret !== "string") return { kind: "unknown" };
    const prefix = apiKeyPrefixOf(secret);
    if (prefix === undefined) return { kind: "unknown" };
    const { rows } = await this.db.query<ApiKeyRow & { key_hash: string }>(
      `SELECT ${API_KEY_COLUMNS}, key_hash FROM api_keys WHERE prefix = $1`,
      [prefix],
    );
    const row = rows[0];
    if (!row || !sameDigest(row.key_hash, hashApiKeySecret(secret))) return { kind: "unknown" };
    const key = toApiKey(row);
    if (key.revokedAt !== null) return { kind: "revoked", key };
    if (isExpired(key, now)) return { kind: "expired", key };
    const updated = await this.db.query<ApiKeyRow>(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${API_KEY_COLUMNS}`,
      [row.id],
    );
    // Revoked between the two statements: the revocation wins.
    return updated.rows[0] ? { kind: "valid", key: toApiKey(updated.rows[0]) } : { kind: "revoked", key };
  }

  async listApiKeys(): Promise<readonly ApiKey[]> {
    const { rows } = await this.db.query<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY id`);
    return rows.map(toApiKey);
  }

  /** Idempotent: revoking a revoked key keeps its first revocation time. Returns the key as revoked. */
  async revokeApiKey(id: number): Promise<ApiKey> {
    const { rows } = await this.db.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${API_KEY_COLUMNS}`,
      [requireId(id, "API key id")],
    );
    if (!rows[0]) throw new NotFoundError("API key", id, { hint: 'List the keys with "omicslake keys ls"' });
    return toApiKey(rows[0]);
  }
}

/** True when `key` has an expiry at or before `now`. */
export function isExpired(key: ApiKey, now: Date): boolean {
  return key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime();
}
