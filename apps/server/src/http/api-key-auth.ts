import type { ApiKey, Lake } from "@omicslake/lake";
import { OmicslakeError } from "@omicslake/lake";
import type { FastifyRequest } from "fastify";

/** The scope a key needs for every write; `admin` implies it. */
export const WRITE_SCOPE = "write";

// Verified keys are cached briefly so a burst of writes costs one catalog lookup, while a revoked key
// stops working within this many milliseconds.
const CACHE_MS = 30_000;
const CACHE_MAX = 1000;

/**
 * Resolves the API key a request presents (`Authorization: Bearer olk_…` or `X-API-Key: olk_…`).
 * Writes call `requireScope`; reads need no key.
 */
export class ApiKeyAuth {
  readonly #cache = new Map<string, { key: ApiKey; until: number }>();

  constructor(private readonly lake: Lake) {}

  private secretOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization;
    if (typeof header === "string" && header.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
    const apiKey = request.headers["x-api-key"];
    return typeof apiKey === "string" ? apiKey.trim() : undefined;
  }

  async requireScope(request: FastifyRequest, scope: string): Promise<ApiKey> {
    const secret = this.secretOf(request);
    if (!secret) {
      throw new OmicslakeError("unauthorized", "this operation needs an API key", {
        hint: 'Send "Authorization: Bearer <key>"; create a key with "omicslake keys create NAME --scope write"',
      });
    }
    const now = Date.now();
    const cached = this.#cache.get(secret);
    let key = cached && cached.until > now ? cached.key : undefined;
    if (!key) {
      key = await this.lake.catalog.verifyApiKey(secret);
      if (!key) throw new OmicslakeError("unauthorized", "the API key is unknown or revoked", { hint: "Check the key or create a new one" });
      if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
      this.#cache.set(secret, { key, until: now + CACHE_MS });
    }
    if (!key.scopes.includes(scope) && !key.scopes.includes("admin")) {
      throw new OmicslakeError("forbidden", `the API key "${key.name}" lacks the "${scope}" scope`, {
        details: { key: key.prefix, scopes: [...key.scopes] },
        hint: `Use a key created with --scope ${scope}`,
      });
    }
    return key;
  }
}
