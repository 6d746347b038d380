import { AssetError } from "../../asset-error.js";
import type { MaterializationRequest } from "../../execution/materialization-request.js";
import { ASSET_KEY_PATTERN } from "../../graph/asset-definition.js";
import type { RequestOrigin } from "../../state/materialization-record.js";

/** The pg-boss queue every asset-partition job goes through. */
export const ASSET_QUEUE = "omicslake-assets";

/** The PostgreSQL schema pg-boss creates its tables in for a catalog in `public` (see defaultQueueSchema). */
export const DEFAULT_QUEUE_SCHEMA = "omicslake_jobs";

/**
 * What a job carries from the coordinator to a worker: the request, and the id that groups the
 * materializations recorded for it, so the coordinator reads the outcome back from the state store.
 * `partition` is null (not absent) for an unpartitioned asset: JSON has no `undefined`.
 */
export interface AssetJobData {
  readonly key: string;
  readonly partition: string | null;
  readonly origin: RequestOrigin;
  readonly reason: string;
  readonly requestId: string;
}

export type JobRequest = MaterializationRequest & { readonly requestId: string };

const ORIGINS: readonly string[] = ["cli", "api", "automation"] satisfies readonly RequestOrigin[];

export function toJobData(request: JobRequest): AssetJobData {
  return {
    key: request.key,
    partition: request.partition ?? null,
    origin: request.origin,
    reason: request.reason,
    requestId: request.requestId,
  };
}

/**
 * The request a job's data describes. A job written by another version of omicslake, or by hand, is
 * refused with what is wrong rather than run on a guess.
 */
export function parseJobData(data: unknown, jobId: string): JobRequest {
  const fail = (what: string): never => {
    throw new AssetError("invalid_input", `asset job ${jobId}: ${what}`, {
      details: { jobId },
      hint: "Jobs on this queue are sent by omicslake's pg-boss runner; check that coordinator and workers run the same version",
    });
  };
  if (typeof data !== "object" || data === null) return fail("its data is not an object");
  const job = data as Record<string, unknown>;
  const { key, partition, origin, reason, requestId } = job;
  if (typeof key !== "string" || !ASSET_KEY_PATTERN.test(key))
    return fail(`"key" is not an asset key: ${JSON.stringify(key)}`);
  if (partition !== null && typeof partition !== "string")
    return fail(`"partition" must be a string or null, got ${JSON.stringify(partition)}`);
  if (typeof origin !== "string" || !ORIGINS.includes(origin))
    return fail(`"origin" must be one of ${ORIGINS.join(", ")}, got ${JSON.stringify(origin)}`);
  if (typeof reason !== "string") return fail(`"reason" must be a string`);
  if (typeof requestId !== "string" || requestId === "")
    return fail(`"requestId" must be a non-empty string`);
  return {
    key,
    partition: partition ?? undefined,
    origin: origin as RequestOrigin,
    reason,
    requestId,
  };
}

/** The job's singleton key: the asset-partition it materializes (`geo/processed|2024-05`). */
export function singletonKeyOf(key: string, partition: string | undefined): string {
  return `${key}|${partition ?? ""}`;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * pg-boss writes the schema name into its SQL unquoted, so only a plain lower-case identifier is
 * safe (and means the same thing quoted or not).
 */
export function assertQueueSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new AssetError("config_error", `queue schema ${JSON.stringify(schema)} is not a plain identifier`, {
      details: { schema },
      hint: `Use lower-case letters, digits and "_", starting with a letter or "_" (default "${DEFAULT_QUEUE_SCHEMA}")`,
    });
  }
  return schema;
}
