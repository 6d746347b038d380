import type { ApiKey, Lake } from "@omicslake/core";
import { OmicslakeError } from "@omicslake/core";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import { scopesAllow, type RouteScope } from "./route-scope.js";

/**
 * How long a verified key is trusted without asking the catalog again. A revoked key must stop working
 * within a second, whichever process revoked it (the CLI, another server on the same PostgreSQL), so no
 * more than that. Not zero: a lookup is a SELECT plus an UPDATE of last_used_at (a write), which measured
 * about as much as the rest of a small write request (it doubled its cost on both engines), so within
 * the second a burst of writes costs one lookup instead of one per request. A cache needs no cross-process
 * signal (LISTEN/NOTIFY would not reach PGlite, and would not cover a catalog edited by another tool).
 * The price: `last_used_at` lags real use by at most this long. Expiry is checked on every request against
 * the server's clock, so the cache never stretches a key past its expiry.
 */
export const API_KEY_CACHE_MS = 1000;
const CACHE_MAX = 1000;

export interface ApiKeyAuthOptions {
  /** How long a verified key is trusted (default API_KEY_CACHE_MS; 0 asks the catalog on every request). */
  readonly cacheMs?: number;
  /** The clock, in milliseconds; tests inject one. */
  readonly now?: () => number;
}

// The key a refused request presented (revoked, expired, lacking a scope), for the audit entry of that request.
const presented = new WeakMap<FastifyRequest, ApiKey>();

/** The key a request presented, valid or not, when the catalog knows it; undefined for none or an unknown one. */
export function presentedKey(request: FastifyRequest): ApiKey | undefined {
  return request.apiKey ?? presented.get(request);
}

/**
 * Resolves the API key a request presents (`Authorization: Bearer olk_…` or `X-API-Key: olk_…`) and
 * checks it against the scope its route needs.
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

  /** The server's clock (the one expiry is judged by). */
  now(): Date {
    return new Date(this.#now());
  }

  secretOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization;
    if (typeof header === "string" && header.toLowerCase().startsWith("bearer "))
      return header.slice(7).trim() || undefined;
    const apiKey = request.headers["x-api-key"];
    return typeof apiKey === "string" ? apiKey.trim() || undefined : undefined;
  }

  /**
   * The valid key of `secret`, or a 401 saying why not: unknown, revoked, or expired (with when). The
   * messages never repeat the secret; a known key is named by its name and public prefix.
   */
  async authenticate(request: FastifyRequest, secret: string): Promise<ApiKey> {
    const now = this.#now();
    const cached = this.#cache.get(secret);
    let key = cached && cached.until > now ? cached.key : undefined;
    if (!key) {
      const check = await this.lake.catalog.checkApiKey(secret, new Date(now));
      if (check.kind === "unknown") {
        throw new OmicslakeError("unauthorized", "the API key is not known", {
          details: { reason: "unknown" },
          hint: 'Check the key or create one with "omicslake keys create NAME --scope read|write|admin"',
        });
      }
      if (check.kind !== "valid") presented.set(request, check.key);
      if (check.kind === "revoked") {
        throw new OmicslakeError("unauthorized", `the API key "${check.key.name}" was revoked`, {
          details: { reason: "revoked", key: check.key.prefix },
          hint: "Ask an admin for a new key",
        });
      }
      if (check.kind === "expired") throw expired(check.key);
      key = check.key;
      if (this.#cacheMs > 0) {
        if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
        this.#cache.set(secret, { key, until: now + this.#cacheMs });
      }
    }
    // A cached key may have expired since it was cached.
    if (key.expiresAt !== null && key.expiresAt.getTime() <= now) {
      presented.set(request, key);
      this.#cache.delete(secret);
      throw expired(key);
    }
    return key;
  }
}

function expired(key: ApiKey): OmicslakeError {
  return new OmicslakeError(
    "unauthorized",
    `the API key "${key.name}" expired at ${key.expiresAt!.toISOString()}`,
    {
      details: { reason: "expired", key: key.prefix, expired_at: key.expiresAt!.toISOString() },
      hint: 'Ask an admin for a new key ("omicslake keys create NAME --scope … --expires DATE")',
    },
  );
}

export interface AccessControlOptions {
  /** When false, every "read" route needs a key too (`[server] public_reads`). */
  readonly publicReads: boolean;
}

/**
 * The one access check, an onRequest hook of every route, so it runs before Fastify reads any body (a
 * request without a valid key is refused before a byte of its body is buffered or parsed). It reads the
 * scope the route declares, refuses with 401 (no key, unknown, revoked, expired) or 403 (a valid key
 * without the scope), and leaves the verified key on `request.apiKey`. A key sent to a public read is
 * still verified: a client holding a dead key learns it at once rather than at its first private call.
 *
 * It runs after the rate limiter and before the route's own onRequest hooks (the upload guard): a flood
 * of requests with no key or bogus keys is throttled before it costs a key lookup and an audit entry each,
 * and a client without a key hears 401 before anything about its upload's headers. The rate limiter adds
 * its hook per route when the route is registered, so `registerRateLimit` registers it here, between the
 * hook that notes each route's own hooks and the one that places the access check after the limiter's.
 */
export async function installAccessControl(
  app: FastifyInstance,
  auth: ApiKeyAuth,
  options: AccessControlOptions,
  registerRateLimit: () => Promise<void>,
): Promise<void> {
  app.decorateRequest("apiKey", null);
  const check = async (request: FastifyRequest): Promise<void> => {
    // Unmatched URLs (404) have no scope: every registered route has one, checked when the server starts.
    const scope: RouteScope | undefined = request.routeOptions.config?.scope;
    if (scope === undefined || scope === "public") return;
    const secret = auth.secretOf(request);
    if (secret === undefined) {
      if (scope === "read" && options.publicReads) return;
      throw new OmicslakeError("unauthorized", "this operation needs an API key", {
        details: { reason: "missing", scope },
        hint: `Send "Authorization: Bearer <key>" with a key of the ${scope} scope; an admin creates one with "omicslake keys create NAME --scope ${scope}"`,
      });
    }
    const key = await auth.authenticate(request, secret);
    if (!scopesAllow(key.scopes, scope)) {
      presented.set(request, key);
      throw new OmicslakeError("forbidden", `the API key "${key.name}" lacks the "${scope}" scope`, {
        details: { key: key.prefix, scopes: [...key.scopes], needed: scope },
        hint: `Use a key created with --scope ${scope}`,
      });
    }
    request.apiKey = key;
  };
  const own = new WeakMap<RouteOptions, readonly unknown[]>();
  const hooksOf = (route: RouteOptions): unknown[] =>
    route.onRequest === undefined ? [] : [route.onRequest].flat();
  app.addHook("onRoute", (route) => {
    own.set(route, hooksOf(route));
  });
  await registerRateLimit();
  app.addHook("onRoute", (route) => {
    const routeOwn = own.get(route) ?? [];
    const added = hooksOf(route).filter((hook) => !routeOwn.includes(hook));
    route.onRequest = [...added, check, ...routeOwn] as RouteOptions["onRequest"];
  });
}
