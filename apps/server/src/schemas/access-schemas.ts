import { API_KEY_SCOPES, AUDIT_OUTCOMES, apiKeyRecord, auditEntryRecord } from "@omicslake/core";
import { z } from "zod";
import { linksSchema, pageMetaSchema } from "./common-schemas.js";

export const KEY_SCOPES = API_KEY_SCOPES;
export { AUDIT_OUTCOMES };

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

export const apiKeyJson: (key: Parameters<typeof apiKeyRecord>[0]) => z.infer<typeof apiKeySchema> =
  apiKeyRecord;

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

export const auditEntryJson: (
  entry: Parameters<typeof auditEntryRecord>[0],
) => z.infer<typeof auditEntrySchema> = auditEntryRecord;
