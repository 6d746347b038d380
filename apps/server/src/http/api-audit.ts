import { redactSecrets, type Lake, type NewAuditEntry } from "@omicslake/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { presentedKey } from "./api-key-auth.js";
import { classifyError } from "./error-handler.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Resolves once the audit entries of every answered request are written (tests wait on it). */
    auditSettled(): Promise<void>;
  }
}

/** What a write acted on, as its audit entry names it. */
export interface AuditTarget {
  /** The dataset (`layer:name` when known, else the id or name the client sent). */
  readonly dataset?: string | number | null;
  readonly objects?: readonly string[];
  /** Anything else the entry should keep (a created key's id); never a secret. */
  readonly details?: Readonly<Record<string, unknown>>;
}

const targets = new WeakMap<FastifyRequest, AuditTarget>();
const errorCodes = new WeakMap<FastifyRequest, string>();

/**
 * Names what a write route acted on, for its audit entry; call it once the target is resolved (later calls
 * add to earlier ones). Without it the entry names the route's `:id` and `*` parameters as sent.
 * @example auditTarget(request, { dataset: `${dataset.layer}:${dataset.name}`, objects: [object.name] })
 */
export function auditTarget(request: FastifyRequest, target: AuditTarget): void {
  const before = targets.get(request);
  targets.set(request, {
    ...before,
    ...target,
    details: { ...before?.details, ...target.details },
  });
}

export interface ApiAudit {
  /** Resolves once every audit entry of an answered request is written (or its failure logged). */
  settled(): Promise<void>;
}

export interface ApiAuditOptions {
  /** Called when an entry could not be written (it is logged too); the metrics count these. */
  readonly onFailure?: () => void;
}

/**
 * Records every request to a write or admin route in the audit log once it is answered, refused ones
 * (401, 403, 4xx of bad input) included: an auditor wants the attempts as much as the changes.
 *
 * The entry is written after the response, so a failing audit insert (the catalog gone away) cannot
 * turn a write that happened into an error the client would retry: it is logged at error level and
 * counted in `omicslake_audit_failures_total`, and an operator alerts on that. Closing the server waits
 * for entries still being written.
 */
export function installApiAudit(app: FastifyInstance, lake: Lake, options: ApiAuditOptions = {}): ApiAudit {
  const pending = new Set<Promise<void>>();
  app.addHook("onError", async (request, _reply, error) => {
    errorCodes.set(request, classifyError(error).code);
  });
  const audited = new WeakSet<FastifyRequest>();
  const record = (
    request: FastifyRequest,
    result: Pick<NewAuditEntry, "outcome" | "errorCode" | "httpStatus">,
    extra: Record<string, unknown> = {},
  ): void => {
    const scope = request.routeOptions.config?.scope;
    if ((scope !== "write" && scope !== "admin") || audited.has(request)) return;
    audited.add(request);
    const key = presentedKey(request);
    const params = (request.params ?? {}) as Record<string, unknown>;
    const target = targets.get(request);
    const dataset = target?.dataset ?? (typeof params["id"] === "string" ? params["id"] : null);
    const objects =
      target?.objects ?? (typeof params["*"] === "string" && params["*"] !== "" ? [params["*"]] : []);
    const write = lake.catalog.auditLog
      .record({
        actorKind: key ? "api_key" : "anonymous",
        actor: key ? key.name : "anonymous",
        keyId: key?.id ?? null,
        origin: "api",
        action: `${request.method} ${request.routeOptions.url ?? request.url}`,
        dataset: dataset === null ? null : String(dataset),
        objects,
        requestId: request.id,
        ...result,
        details: {
          ...target?.details,
          ...extra,
          path: redactSecrets(request.url.split("?")[0] ?? ""),
          ...(request.ip ? { ip: request.ip } : {}),
        },
      })
      .then(
        () => undefined,
        (error: unknown) => {
          options.onFailure?.();
          request.log.error(
            { err: error, request_id: request.id },
            "the audit entry of this request could not be written",
          );
        },
      );
    pending.add(write);
    void write.finally(() => pending.delete(write));
  };
  app.addHook("onResponse", async (request, reply) => {
    const failed = reply.statusCode >= 400;
    record(request, {
      outcome: failed ? "failed" : "succeeded",
      errorCode: failed ? (errorCodes.get(request) ?? null) : null,
      httpStatus: reply.statusCode,
    });
  });
  // A client that hangs up before its request is read (an upload cut short) gets no response, so
  // onResponse never runs: the attempt is recorded as cancelled (a staged upload stores nothing).
  app.addHook("onRequestAbort", async (request) => {
    record(request, { outcome: "cancelled", errorCode: null, httpStatus: null }, { client_aborted: true });
  });
  const settled = async (): Promise<void> => {
    // onResponse hooks run one after another on promise ticks once the response has finished, so a
    // caller that just got its answer lets them start before looking at what is pending.
    await new Promise((resolve) => setImmediate(resolve));
    while (pending.size > 0) await Promise.all([...pending]);
  };
  app.addHook("onClose", settled);
  return { settled };
}
