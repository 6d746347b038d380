import {
  BACKUP_KINDS,
  backupRecord,
  backupRepository,
  runBackup,
  type BackupJob,
  type Lake,
  type ObjectStore,
  type Retention,
} from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { auditTarget } from "../http/api-audit.js";
import "../http/route-scope.js";
import { pageLinks } from "../http/page-links.js";
import {
  cursorParam,
  errorResponses,
  errorSchema,
  limitParam,
  linksSchema,
  pageMetaSchema,
} from "../schemas/common-schemas.js";

/** Where `POST /v1/backups` writes and what it keeps: the `[backup]` settings, resolved by the caller. */
export interface BackupRouteOptions {
  /** Default: the lake's own store. A client never picks the destination: it is the operator's choice. */
  readonly destination?: ObjectStore;
  readonly retention?: Retention;
  /** The lake's omicslake.toml, kept in each backup without its secrets. */
  readonly configFile?: string;
}

const backupSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(BACKUP_KINDS),
    status: z.enum(["running", "succeeded", "failed", "pruned"]),
    destination: z.string().describe("The destination store's URL"),
    folder: z.string().describe("The backup's folder in the destination"),
    run_id: z.number().int().nullable(),
    objects: z.number().int(),
    bytes: z.number().int(),
    bytes_copied: z
      .number()
      .int()
      .describe("Bytes this backup copied (objects earlier backups held are not copied)"),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    manifest: z.object({ key: z.string(), sha256: z.string() }).nullable(),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).nullable(),
  })
  .meta({ id: "Backup" });

/** A backup without where it went: what a read key may see of the lake's backups. */
const backupSummarySchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(BACKUP_KINDS),
    status: z.enum(["running", "succeeded", "failed", "pruned"]),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    objects: z.number().int(),
    bytes: z.number().int(),
  })
  .meta({ id: "BackupSummary" });

const backupStatusSchema = z
  .object({
    last_succeeded: backupSummarySchema.nullable().describe("The newest backup that succeeded"),
    last_failed: backupSummarySchema.nullable().describe("The newest backup that failed"),
    running: backupSummarySchema.nullable().describe("The backup running now"),
  })
  .meta({ id: "BackupStatus" });

function backupSummary(job: BackupJob | undefined): z.infer<typeof backupSummarySchema> | null {
  if (job === undefined) return null;
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    started_at: job.startedAt.toISOString(),
    finished_at: job.finishedAt?.toISOString() ?? null,
    objects: job.objects,
    bytes: job.bytes,
  };
}

/**
 * Backup jobs. Admin, but for the latest status: a backup reads every dataset and writes to the
 * operator's storage, and the listing shows destinations and errors that describe the infrastructure.
 * `GET /v1/backups/latest` is a read: whether the lake is backed up, without where to or why one failed. POST starts a backup and
 * answers 202 with its running record once it is recorded; the backup goes on in the server, and
 * `GET /v1/backups/{id}` shows how it ended.
 */
export function backupRoutes(lake: Lake, options: BackupRouteOptions = {}): FastifyPluginAsyncZod {
  return async (app) => {
    const running = new Set<Promise<unknown>>();
    // A backup in progress finishes (or fails and says so) before the lake it reads is closed.
    app.addHook("onClose", async () => {
      await Promise.allSettled([...running]);
    });

    app.get(
      "/v1/backups",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["backups"],
          summary: "Backup jobs, newest first, with status, sizes and errors",
          querystring: z.object({
            kind: z.enum(BACKUP_KINDS).optional(),
            status: z.enum(["running", "succeeded", "failed", "pruned"]).optional(),
            limit: limitParam,
            cursor: cursorParam,
          }),
          response: {
            200: z.object({ data: z.array(backupSchema), meta: pageMetaSchema, links: linksSchema }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { kind, status, limit, cursor } = request.query;
        const jobs = await backupRepository(lake).listPage({
          limit,
          ...(kind !== undefined ? { kind } : {}),
          ...(status !== undefined ? { status } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        });
        return {
          data: jobs.items.map(backupRecord),
          meta: { count: jobs.items.length, next_cursor: jobs.nextCursor },
          links: pageLinks(request, jobs.nextCursor),
        };
      },
    );

    // A static segment: the router prefers it to `/v1/backups/:id`, whichever is registered first.
    app.get(
      "/v1/backups/latest",
      {
        config: { scope: "read" },
        schema: {
          tags: ["backups"],
          summary: "The newest succeeded, failed and running backups",
          description:
            "Whether and when the lake was last backed up, for dashboards and monitoring: each backup's kind, times and size, never its destination, folder or error (those are in the admin routes).",
          response: { 200: backupStatusSchema, ...errorResponses },
        },
      },
      async () => {
        const repository = backupRepository(lake);
        const newest = async (status: "succeeded" | "failed" | "running") =>
          (await repository.list({ status, limit: 1 }))[0];
        const [succeeded, failed, running] = await Promise.all([
          newest("succeeded"),
          newest("failed"),
          newest("running"),
        ]);
        return {
          last_succeeded: backupSummary(succeeded),
          last_failed: backupSummary(failed),
          running: backupSummary(running),
        };
      },
    );

    app.get(
      "/v1/backups/:id",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["backups"],
          summary: "One backup job",
          params: z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
          response: { 200: backupSchema, ...errorResponses },
        },
      },
      async (request) => backupRecord(await backupRepository(lake).get(request.params.id)),
    );

    app.post(
      "/v1/backups",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["backups"],
          summary: "Start a backup to the configured destination",
          body: z.strictObject({ kind: z.enum(BACKUP_KINDS).default("manual") }).default({ kind: "manual" }),
          response: { 202: backupSchema, 409: errorSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const started = new Promise<BackupJob>((resolve, reject) => {
          const work = runBackup(lake, {
            kind: request.body.kind,
            ...(options.destination ? { destination: options.destination } : {}),
            ...(options.retention ? { retention: options.retention } : {}),
            ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
            onStarted: resolve,
          });
          // Before the start, the error is the answer (409 while another backup runs); after it,
          // the backup's row records it.
          work.catch((error: unknown) => {
            reject(error instanceof Error ? error : new Error(String(error)));
            request.log.warn({ err: error }, "backup failed");
          });
          const tracked = work.catch(() => undefined).finally(() => running.delete(tracked));
          running.add(tracked);
        });
        const job = await started;
        auditTarget(request, { details: { kind: job.kind, backup: job.id } });
        return reply.code(202).send(backupRecord(job));
      },
    );
  };
}
