import type { ApiKey } from "@omicslake/core";
import type { FastifyInstance, RouteOptions } from "fastify";
import type { jsonSchemaTransform } from "fastify-type-provider-zod";

/**
 * Who may call a route. "public": anyone, a key is never asked for (health, the OpenAPI document, docs,
 * the dashboard; `/v1/me` checks a key it is sent itself, as its answer is about that key).
 * "read": anyone unless `[server] public_reads = false`, then a key with any scope (write and admin imply
 * read). "write": a key with write or admin. "admin": an admin key. Every route declares one in
 * `config: { scope }`; the server refuses to start when a route does not.
 */
export type RouteScope = "public" | "read" | "write" | "admin";

export const ROUTE_SCOPES: readonly RouteScope[] = ["public", "read", "write", "admin"];

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call the route (see RouteScope); required on every route. */
    scope?: RouteScope;
  }
  interface FastifyRequest {
    /** The verified API key the request presented, or null (none needed, or none sent to a public read). */
    apiKey: ApiKey | null;
  }
}

const RANK: Readonly<Record<string, number>> = { read: 1, write: 2, admin: 3 };

/** True when a key with `scopes` may call a route needing `needed` (admin ⊇ write ⊇ read). */
export function scopesAllow(scopes: readonly string[], needed: "read" | "write" | "admin"): boolean {
  return Math.max(0, ...scopes.map((s) => RANK[s] ?? 0)) >= RANK[needed]!;
}

/**
 * Collects every route as it is registered and, when the server gets ready, refuses to start if one has
 * no valid scope, naming it: a route added later without a scope must never end up silently public.
 * `onRoute` alone cannot do it, as the docs plugin's routes only get their scope from a hook of their own
 * context, which runs after the root's.
 */
export function requireRouteScopes(app: FastifyInstance): void {
  // The options objects themselves: hooks of inner contexts may still set their config after this one ran.
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    routes.push(route);
  });
  app.addHook("onReady", async () => {
    const missing = routes.filter((r) => !ROUTE_SCOPES.includes(r.config?.scope as RouteScope));
    if (missing.length > 0) {
      const names = missing.map((r) => `${[r.method].flat().join(",")} ${r.url}`);
      throw new Error(
        `routes without an access scope: ${names.join(", ")}; declare config: { scope: "public" | "read" | "write" | "admin" } on each`,
      );
    }
  });
}

/**
 * Marks every route registered in `scope` (and its children) public: for a third-party plugin's own
 * routes (the docs pages and their assets), which cannot declare a scope themselves.
 */
export function markRoutesPublic(scope: FastifyInstance): void {
  scope.addHook("onRoute", (route) => {
    route.config = { ...route.config, scope: "public" };
  });
}

type SwaggerTransform = typeof jsonSchemaTransform;

/**
 * Wraps the OpenAPI transform so each operation documents its scope three ways: `x-omicslake-scope` (for
 * tools and the access sweep test), `security` (for generated clients: none, optional or required), and a
 * line in its description (for people reading the docs).
 */
export function documentScopes(inner: SwaggerTransform, publicReads: boolean): SwaggerTransform {
  return (input) => {
    const out = inner(input);
    const scope = input.route.config?.scope;
    if (scope === undefined) return out;
    const schema = out.schema as Record<string, unknown>;
    const keyOptional = scope === "public" || (scope === "read" && publicReads);
    const access =
      scope === "public"
        ? "Access: public, no key needed."
        : scope === "read"
          ? publicReads
            ? "Access: public reads (a key is optional; a bad key is still refused)."
            : "Access: needs an API key (any scope: read, write and admin all allow reads)."
          : scope === "write"
            ? "Access: needs an API key with the write or admin scope."
            : "Access: needs an API key with the admin scope.";
    const description = typeof schema["description"] === "string" ? `${schema["description"]}\n\n` : "";
    return {
      ...out,
      schema: {
        ...schema,
        description: `${description}${access}`,
        "x-omicslake-scope": scope,
        security: scope === "public" ? [] : keyOptional ? [{}, { apiKey: [] }] : [{ apiKey: [] }],
      },
    } as ReturnType<SwaggerTransform>;
  };
}
