import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiKeyAuth } from "../http/api-key-auth.js";
import { errorResponses, errorSchema } from "../schemas/common-schemas.js";

const meSchema = z
  .object({
    authenticated: z.boolean().describe("True when the request presented a valid API key"),
    key: z
      .object({
        id: z.number().int(),
        name: z.string(),
        prefix: z.string().describe("The key's public prefix, not the secret"),
        scopes: z.array(z.string()),
        expires_at: z.string().nullable(),
      })
      .nullable(),
    public_reads: z
      .boolean()
      .describe("Whether the read routes answer without a key (`[server] public_reads`)"),
  })
  .meta({ id: "Me" });

/**
 * Who the caller is, for a client deciding what to offer (a sign-in prompt on a private lake, write
 * controls for a write key). Public, so a client can ask before it has a key; a key it does present is
 * checked as on any route, so a dead key is a 401 here too rather than a quiet "not authenticated".
 */
export function meRoutes(auth: ApiKeyAuth, publicReads: boolean): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/me",
      {
        config: { scope: "public" },
        schema: {
          tags: ["access"],
          summary: "The presented API key and whether reads need one",
          description:
            "Without a key: `authenticated: false`. With a valid key: its id, name, prefix, scopes and expiry (never the secret). An unknown, revoked or expired key is a 401 saying which.",
          response: { 200: meSchema, 401: errorSchema, ...errorResponses },
        },
      },
      async (request) => {
        const secret = auth.secretOf(request);
        if (secret === undefined) return { authenticated: false, key: null, public_reads: publicReads };
        const key = await auth.authenticate(request, secret);
        return {
          authenticated: true,
          key: {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            scopes: [...key.scopes],
            expires_at: key.expiresAt?.toISOString() ?? null,
          },
          public_reads: publicReads,
        };
      },
    );
  };
}
