import { parseInstant, parseKeyExpiry, type Lake } from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { auditTarget } from "../http/api-audit.js";
import type { ApiKeyAuth } from "../http/api-key-auth.js";
import { pageLinks } from "../http/page-links.js";
import {
  AUDIT_OUTCOMES,
  KEY_SCOPES,
  apiKeyJson,
  apiKeySchema,
  auditEntryJson,
  auditPageSchema,
  createdApiKeySchema,
} from "../schemas/access-schemas.js";
import { cursorParam, errorSchema, limitParam } from "../schemas/common-schemas.js";

const adminErrors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  422: errorSchema,
  429: errorSchema,
  500: errorSchema,
} as const;

const instant = z
  .string()
  .max(64)
  .optional()
  .describe("ISO date or date-time (UTC unless it carries an offset)");

/** Reads an ISO date or date-time filter (UTC unless it has an offset), refusing what is not one, or an impossible date, with the parameter's name. */
function instantOf(value: string | undefined, name: string): Date | undefined {
  return value === undefined ? undefined : parseInstant(value, name);
}

/** API keys and the audit log: admin only. */
export function accessRoutes(lake: Lake, auth: ApiKeyAuth): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/keys",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["access"],
          summary: "List API keys (never their secrets)",
          response: { 200: z.object({ data: z.array(apiKeySchema) }), ...adminErrors },
        },
      },
      async () => ({ data: (await lake.catalog.listApiKeys()).map(apiKeyJson) }),
    );

    app.post(
      "/v1/keys",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["access"],
          summary: "Create an API key; its secret is in this response only",
          // Strict: a misspelt field (`expires` for `expires_at`) must be refused, not dropped, or the
          // admin gets a key that never expires while believing it does.
          body: z.strictObject({
            name: z.string().min(1).max(200).meta({ example: "pipeline" }),
            scopes: z
              .array(z.enum(KEY_SCOPES))
              .min(1)
              .max(3)
              .meta({ example: ["write"] }),
            expires_at: z
              .string()
              .max(64)
              .optional()
              .describe("ISO date or date-time after which the key stops working; must be in the future"),
          }),
          response: { 201: createdApiKeySchema, ...adminErrors },
        },
      },
      async (request, reply) => {
        const { name, scopes, expires_at } = request.body;
        const expiresAt = expires_at === undefined ? null : parseKeyExpiry(expires_at, auth.now());
        const { key, secret } = await lake.catalog.createApiKey(name, scopes, { expiresAt });
        auditTarget(request, { details: { key_id: key.id, key_name: key.name, scopes: [...key.scopes] } });
        return reply.status(201).send({ ...apiKeyJson(key), secret });
      },
    );

    app.delete(
      "/v1/keys/:id",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["access"],
          summary: "Revoke an API key (idempotent); it stops working within a second",
          params: z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) }),
          response: { 200: apiKeySchema, ...adminErrors },
        },
      },
      async (request) => {
        auditTarget(request, { details: { key_id: request.params.id } });
        return apiKeyJson(await lake.catalog.revokeApiKey(request.params.id));
      },
    );

    app.get(
      "/v1/audit",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["access"],
          summary: "The audit log: every write from the CLI and the API, newest first",
          querystring: z.object({
            actor: z.string().max(200).optional().describe("A key's name or a local user's name"),
            action: z
              .string()
              .max(200)
              .optional()
              .describe("An action or its first words (`keys` matches `keys create`)"),
            dataset: z.string().max(256).optional(),
            outcome: z.enum(AUDIT_OUTCOMES).optional(),
            since: instant,
            until: instant,
            limit: limitParam,
            cursor: cursorParam,
          }),
          response: { 200: auditPageSchema, ...adminErrors },
        },
      },
      async (request) => {
        const { actor, action, dataset, outcome, since, until, limit, cursor } = request.query;
        const sinceAt = instantOf(since, "since");
        const untilAt = instantOf(until, "until");
        const page = await lake.catalog.auditLog.list({
          limit,
          ...(cursor !== undefined ? { cursor } : {}),
          ...(actor !== undefined ? { actor } : {}),
          ...(action !== undefined ? { action } : {}),
          ...(dataset !== undefined ? { dataset } : {}),
          ...(outcome !== undefined ? { outcome } : {}),
          ...(sinceAt !== undefined ? { since: sinceAt } : {}),
          ...(untilAt !== undefined ? { until: untilAt } : {}),
        });
        return {
          data: page.items.map(auditEntryJson),
          meta: { count: page.items.length, next_cursor: page.nextCursor },
          links: pageLinks(request, page.nextCursor),
        };
      },
    );
  };
}
