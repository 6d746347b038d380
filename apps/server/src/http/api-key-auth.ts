import type { ApiKey, Lake } from "@omicslake/core";
import { OmicslakeError } from "@omicslake/core";
import type { FastifyRequest, onRequestAsyncHookHandler } from "fastify";

/** The scope a key needs for every write; `admin` implies it. */
export const WRITE_SCOPE = "write";

/**
 * How long a verified key is trusted without asking the catalog again. A revoked key must stop working
 * within a second, whichever process revoked it (the CLI, another server on the same PostgreSQL), so no
 * more than that. Not zero: a lookup is a SELECT plus an UPDATE of last_used_at (a write), which measured
 * about as much as the rest of a small write request (it doubled its cost on both engines), so within
 * the second a burst of writes costs one lookup instead of one per request. A cache needs no cross-process
 * signal (LISTEN/NOTIFY would not reach PGlite, and would not cover a catalog edited by another tool).
 */
export const API_KEY_CACHE_MS = 1000;
const CACHE_MAX = 1000;

export interface ApiKeyAuthOptions {
  /** How long a verified key is trusted (default API_KEY_CACHE_MS; 0 asks the catalog on every request). */
  readonly cacheMs?: number;
  /** The clock, in milliseconds; tests inject one. */
  readonly now?: () => number;
}

/**
 * Resolves the API key a request presents (`Authorization: Bearer olk_…` or `X-API-Key: olk_…`).
 * Writes call `requireScope`; reads need no key.
 */
export class ApiKeyAuth {
  readonly #cache = new Map<string, { key: ApiKey; until: number }>();

  readonly #cacheMs: number;
  readonly #now: () => number;

  constructor(
    private readonly lake: Lake,
    options: ApiKeyAuthOptions = {},
  ) {
    this.#cacheMs = Math.min(options.cacheMs ?? API_KEY_CACHE_MS, API_KEY_CACHE_MS);
    this.#now = options.now ?? Date.now;
  }

  /**
   * An onRequest hook requiring `scope`: it runs before Fastify reads any body, so a request without a
   * valid key is refused before a single byte of its body is buffered or parsed.
   */
  hook(scope: string): onRequestAsyncHookHandler {
    return async (request) => {
      await this.requireScope(request, scope);
    };
  }

  private secretOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization;
    if (typeof header === "string" && header.toLowerCase().startsWith("bearer "))
      return header.slice(7).trim();
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
    const now = this.#now();
    const cached = this.#cache.get(secret);
    let key = cached && cached.until > now ? cached.key : undefined;
    if (!key) {
      key = await this.lake.catalog.verifyApiKey(secret);
      if (!key)
        throw new OmicslakeError("unauthorized", "the API key is unknown or revoked", {
          hint: "Check the key or create a new one",
        });
      if (this.#cacheMs > 0) {
        if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
        this.#cache.set(secret, { key, until: now + this.#cacheMs });
      }
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
