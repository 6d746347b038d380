import type { ApiKey, AuditActorKind, AuditEntry, AuditOutcome, RunStatus } from "./catalog-types.js";

/**
 * The catalog's records as the outside sees them: the snake_case JSON the REST API serves and the CLI
 * prints with --json. Kept in one place so the two never drift apart, and in core (not the server) so the
 * CLI gets them without loading the HTTP stack.
 */

export const API_KEY_SCOPES = ["read", "write", "admin"] as const;
export const AUDIT_OUTCOMES = ["succeeded", "failed", "cancelled"] as const satisfies readonly AuditOutcome[];
export const RUN_STATUSES = [
  "running",
  "succeeded",
  "failed",
  "abandoned",
  "cancelled",
] as const satisfies readonly RunStatus[];

export interface ApiKeyRecord {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A key as the API and `keys … --json` show it: never its secret (only its hash is stored anyway). */
export function apiKeyRecord(k: ApiKey): ApiKeyRecord {
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

export interface AuditEntryRecord {
  id: number;
  at: string;
  actor_kind: AuditActorKind;
  actor: string;
  key_id: number | null;
  origin: "api" | "cli";
  action: string;
  dataset: string | null;
  objects: string[];
  request_id: string;
  outcome: AuditOutcome;
  error_code: string | null;
  http_status: number | null;
  details: Record<string, unknown>;
}

/** An audit entry as `GET /v1/audit` and `omicslake audit --json` show it. */
export function auditEntryRecord(e: AuditEntry): AuditEntryRecord {
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
