import type { SqlClient } from "../../catalog-db/sql-client.js";
import { NotFoundError } from "../../errors/omicslake-error.js";
import { apiKeyPrefixOf, generateApiKeySecret, hashApiKeySecret, sameDigest } from "../api-key-secret.js";
import { API_KEY_COLUMNS, toApiKey } from "../catalog-rows.js";
import type { ApiKeyRow } from "../catalog-rows.js";
import type { ApiKey } from "../catalog-types.js";
import { isUniqueViolation } from "../sql-error-info.js";
import { normaliseTags, requireId, requireText } from "./catalog-input.js";

/** API keys: only a hash of each secret is stored; a key is found by its random prefix. */
export class ApiKeyRepository {
  constructor(private readonly db: SqlClient) {}

  async createApiKey(name: string, scopes: readonly string[]): Promise<{ key: ApiKey; secret: string }> {
    const keyName = requireText(name, "API key name", 200);
    const keyScopes = normaliseTags(scopes, "scope");
    // The 48-bit prefix is random; on the rare collision draw again rather than fail.
    for (let attempt = 1; ; attempt++) {
      const generated = generateApiKeySecret();
      try {
        const { rows } = await this.db.query<ApiKeyRow>(
          `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4::text[]) RETURNING ${API_KEY_COLUMNS}`,
          [keyName, generated.prefix, generated.hash, keyScopes],
        );
        return { key: toApiKey(rows[0]!), secret: generated.secret };
      } catch (error) {
        if (attempt < 3 && isUniqueViolation(error, "api_keys_prefix_key")) continue;
        throw error;
      }
    }
  }

  async verifyApiKey(secret: string): Promise<ApiKey | undefined> {
    if (typeof secret !== "string") return undefined;
    const prefix = apiKeyPrefixOf(secret);
    if (prefix === undefined) return undefined;
    const { rows } = await this.db.query<{ id: number; key_hash: string; revoked_at: Date | null }>(
      "SELECT id, key_hash, revoked_at FROM api_keys WHERE prefix = $1",
      [prefix],
    );
    const row = rows[0];
    if (!row || row.revoked_at !== null || !sameDigest(row.key_hash, hashApiKeySecret(secret)))
      return undefined;
    const updated = await this.db.query<ApiKeyRow>(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${API_KEY_COLUMNS}`,
      [row.id],
    );
    return updated.rows[0] ? toApiKey(updated.rows[0]) : undefined;
  }

  async listApiKeys(): Promise<readonly ApiKey[]> {
    const { rows } = await this.db.query<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY id`);
    return rows.map(toApiKey);
  }

  /** Idempotent: revoking a revoked key keeps its first revocation time. */
  async revokeApiKey(id: number): Promise<void> {
    const { rowCount } = await this.db.query(
      "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1",
      [requireId(id, "API key id")],
    );
    if (rowCount === 0) throw new NotFoundError("API key", id);
  }
}
