import type { SqlClient } from "../../catalog-db/sql-client.js";
import { ValidationError } from "../../errors/omicslake-error.js";
import type { AuditEntry, AuditQuery, NewAuditEntry } from "../catalog-types.js";
import { decodeCursor, encodeCursor, resolveLimit } from "../page-cursor.js";
import type { Page } from "../catalog-types.js";
import { page } from "./catalog-input.js";

interface AuditRow extends Record<string, unknown> {
  id: number;
  at: Date;
  actor_kind: AuditEntry["actorKind"];
  actor: string;
  key_id: number | null;
  origin: AuditEntry["origin"];
  action: string;
  dataset: string | null;
  objects: string[];
  request_id: string;
  outcome: AuditEntry["outcome"];
  error_code: string | null;
  http_status: number | null;
  details: Record<string, unknown>;
}

const COLUMNS =
  "id, at, actor_kind, actor, key_id, origin, action, dataset, objects, request_id, outcome, error_code, http_status, details";
const OUTCOMES = new Set(["succeeded", "failed", "cancelled"]);
// Bounds so one entry stays small whatever a request named (a batch of 10,000 object names is cut, and says so).
const MAX_OBJECTS = 1000;
const MAX_TEXT = 2000;

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/**
 * The audit log: one row per write, from the CLI or the API, succeeded or not. Rows are only ever added;
 * the newest come first in lists (an auditor reads backwards from now).
 */
export class AuditLogRepository {
  constructor(private readonly db: SqlClient) {}

  async record(entry: NewAuditEntry): Promise<AuditEntry> {
    const objects = (entry.objects ?? []).slice(0, MAX_OBJECTS).map(clip);
    const details = {
      ...entry.details,
      ...((entry.objects?.length ?? 0) > MAX_OBJECTS ? { objects_total: entry.objects!.length } : {}),
    };
    const { rows } = await this.db.query<AuditRow>(
      `INSERT INTO audit_log (actor_kind, actor, key_id, origin, action, dataset, objects, request_id, outcome, error_code, http_status, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10, $11, $12::text::jsonb) RETURNING ${COLUMNS}`,
      [
        entry.actorKind,
        clip(entry.actor),
        entry.keyId ?? null,
        entry.origin,
        clip(entry.action),
        entry.dataset == null ? null : clip(entry.dataset),
        objects,
        clip(entry.requestId),
        entry.outcome,
        entry.errorCode ?? null,
        entry.httpStatus ?? null,
        JSON.stringify(details),
      ],
    );
    return toEntry(rows[0]!);
  }

  /** Newest first, filtered by every given field, in keyset pages. */
  async list(query: AuditQuery = {}): Promise<Page<AuditEntry>> {
    const limit = resolveLimit(query.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (n: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.actor !== undefined) add((n) => `actor = ${n}`, query.actor);
    if (query.action !== undefined) {
      add((n) => `(action = ${n} OR starts_with(action, ${n} || ' '))`, query.action);
    }
    if (query.dataset !== undefined) add((n) => `dataset = ${n}`, query.dataset);
    if (query.outcome !== undefined) {
      if (!OUTCOMES.has(query.outcome))
        throw new ValidationError(`unknown outcome ${JSON.stringify(query.outcome)}`, {
          details: { outcome: query.outcome },
          hint: `Use one of ${[...OUTCOMES].join(", ")}`,
        });
      add((n) => `outcome = ${n}`, query.outcome);
    }
    if (query.since !== undefined) add((n) => `at >= ${n}`, requireDate(query.since, "since"));
    if (query.until !== undefined) add((n) => `at < ${n}`, requireDate(query.until, "until"));
    if (query.cursor !== undefined) add((n) => `id < ${n}`, decodeCursor("audit", query.cursor, "number"));
    const { rows } = await this.db.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit + 1}`,
      params,
    );
    return page(rows.map(toEntry), limit, (last) => encodeCursor("audit", last.id));
  }
}

function requireDate(value: Date, what: string): Date {
  if (!(value instanceof Date) || !Number.isFinite(value.getTime()))
    throw new ValidationError(`${what} is not a valid date`, { details: { [what]: String(value) } });
  return value;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    actorKind: row.actor_kind,
    actor: row.actor,
    keyId: row.key_id === null ? null : Number(row.key_id),
    origin: row.origin,
    action: row.action,
    dataset: row.dataset,
    objects: row.objects,
    requestId: row.request_id,
    outcome: row.outcome,
    errorCode: row.error_code,
    httpStatus: row.http_status,
    details: row.details,
  };
}
