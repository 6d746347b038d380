import type { ApiKey, AuditEntry } from "@omicslake/core";
import { z } from "zod";
import { linksSchema, pageMetaSchema } from "./common-schemas.js";

export const KEY_SCOPES = ["read", "write", "admin"] as const;
export const AUDIT_OUTCOMES = ["succeeded", "failed", "cancelled"] as const;

export const apiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string().describe("The key's public prefix, to tell keys apart; not the secret"),
    scopes: z.array(z.string()),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z
      .string()
      .nullable()
      .describe("Kept current to within a second (the server trusts a verified key for up to a second)"),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: "ApiKey" });

export const createdApiKeySchema = apiKeySchema
  .extend({ secret: z.string().describe("The key itself: shown this once, only its hash is stored") })
  .meta({ id: "CreatedApiKey" });

export function apiKeyJson(k: ApiKey): z.infer<typeof apiKeySchema> {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: [...k.scopes],
    created_at: k.createdAt.toISOString(),
    expires_at: k.expiresAt?.toISOString() ?? null,
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
  };
}

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor_kind: z.enum(["api_key", "local_user", "anonymous"]),
    actor: z.string().describe("The key's name, the local user's name, or anonymous"),
    key_id: z.number().int().nullable(),
    origin: z.enum(["api", "cli"]),
    action: z.string().describe("`METHOD /route` for the API, the command for the CLI"),
    dataset: z.string().nullable(),
    objects: z.array(z.string()),
    request_id: z.string(),
    outcome: z.enum(AUDIT_OUTCOMES),
    error_code: z.string().nullable(),
    http_status: z.number().int().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "AuditEntry" });

export const auditPageSchema = z.object({
  data: z.array(auditEntrySchema),
  meta: pageMetaSchema,
  links: linksSchema,
});

export function auditEntryJson(e: AuditEntry): z.infer<typeof auditEntrySchema> {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor_kind: e.actorKind,
    actor: e.actor,
    key_id: e.keyId,
    origin: e.origin,
    action: e.action,
    dataset: e.dataset,
    objects: [...e.objects],
    request_id: e.requestId,
    outcome: e.outcome,
    error_code: e.errorCode,
    http_status: e.httpStatus,
    details: { ...e.details },
  };
}
