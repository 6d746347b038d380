import type { SqlClient } from "../../catalog-db/sql-client.js";
import { ConflictError, NotFoundError, ValidationError } from "../../errors/omicslake-error.js";
import { RUN_COLUMNS, toRun } from "../catalog-rows.js";
import type { RunRow } from "../catalog-rows.js";
import type { NewRun, Page, Run, RunFinish, RunListOptions } from "../catalog-types.js";
import type { ProgressEvent } from "../../steps/progress-event.js";
import { decodeCursor, encodeCursor, resolveLimit } from "../page-cursor.js";
import { publicRunRecord } from "../public-run-record.js";
import { page, requireId, requireText } from "./catalog-input.js";

/**
 * Runs: one row per execution of a step, with its lease while it runs and its outcome after. Everything
 * stored passes through publicRunRecord, because runs are served to anyone who may read them.
 */
export class RunRepository {
  constructor(
    private readonly db: SqlClient,
    /** Paths inside it are stored lake-relative, see publicRunRecord. */
    private readonly localRoot: string | undefined,
  ) {}

  async startRun(input: NewRun): Promise<Run> {
    const step = requireText(input.step, "run step", 200);
    const toolVersions = input.toolVersions ?? {};
    for (const [tool, version] of Object.entries(toolVersions)) {
      if (typeof version !== "string") {
        throw new ValidationError(
          `the version of tool ${JSON.stringify(tool)} must be a string, got ${JSON.stringify(version)}`,
          {
            details: { step, tool },
          },
        );
      }
    }
    const owner = input.owner;
    const { rows } = await this.db.query<RunRow>(
      `INSERT INTO runs (step, tool_versions, parameters, owner_host, owner_pid, owner_token, lease_expires_at, heartbeat_at)
       VALUES ($1, $2::text::jsonb, $3::text::jsonb, $4, $5, $6, $7, CASE WHEN $7::timestamptz IS NULL THEN NULL ELSE now() END)
       RETURNING ${RUN_COLUMNS}`,
      // Runs are served to anyone who may read them: no secret or operator's path is ever stored.
      [
        step,
        JSON.stringify(toolVersions),
        JSON.stringify(publicRunRecord(input.parameters ?? {}, this.localRoot)),
        owner?.host ?? null,
        owner?.pid ?? null,
        owner?.token ?? null,
        input.leaseExpiresAt ?? null,
      ],
    );
    return toRun(rows[0]!);
  }

  async renewRunLease(id: number, ownerToken: string, leaseExpiresAt: Date): Promise<boolean> {
    const { rows } = await this.db.query<{ id: number }>(
      `UPDATE runs SET lease_expires_at = $3, heartbeat_at = now()
       WHERE id = $1 AND owner_token = $2 AND status = 'running' RETURNING id`,
      [requireId(id, "run id"), ownerToken, leaseExpiresAt],
    );
    return rows.length > 0;
  }

  async recordRunProgress(id: number, ownerToken: string, progress: ProgressEvent): Promise<boolean> {
    const { rows } = await this.db.query<{ id: number }>(
      `UPDATE runs SET progress = $3::text::jsonb
       WHERE id = $1 AND owner_token = $2 AND status = 'running' RETURNING id`,
      [requireId(id, "run id"), ownerToken, JSON.stringify(publicRunRecord(progress, this.localRoot))],
    );
    return rows.length > 0;
  }

  async abandonRun(
    id: number,
    seenLeaseExpiresAt: Date | null,
    reason: { code: string; message: string; details?: Record<string, unknown> },
  ): Promise<boolean> {
    const { rows } = await this.db.query<{ id: number }>(
      `UPDATE runs SET status = 'abandoned', finished_at = now(), error = $3::text::jsonb
       WHERE id = $1 AND status = 'running' AND lease_expires_at IS NOT DISTINCT FROM $2::timestamptz RETURNING id`,
      [requireId(id, "run id"), seenLeaseExpiresAt, JSON.stringify(publicRunRecord(reason, this.localRoot))],
    );
    return rows.length > 0;
  }

  async finishRun(id: number, result: RunFinish): Promise<Run> {
    requireId(id, "run id");
    if (result.status !== "succeeded" && result.status !== "failed" && result.status !== "cancelled") {
      throw new ValidationError(
        `a run finishes as "succeeded", "failed" or "cancelled", not ${JSON.stringify(result.status)}`,
        {
          details: { runId: id, status: result.status },
        },
      );
    }
    const rowCounts = result.rowCounts ?? {};
    for (const [table, count] of Object.entries(rowCounts)) {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new ValidationError(
          `row count of ${JSON.stringify(table)} must be a non-negative whole number, got ${String(count)}`,
          {
            details: { runId: id, table },
          },
        );
      }
    }
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ status: string }>(
        "SELECT status FROM runs WHERE id = $1 FOR UPDATE",
        [id],
      );
      if (!rows[0]) throw new NotFoundError("run", id);
      if (rows[0].status !== "running") {
        throw new ConflictError(`run ${id} has already finished (${rows[0].status})`, {
          details: { runId: id, status: rows[0].status },
          hint: "Start a new run to record another execution",
        });
      }
      const updated = await tx.query<RunRow>(
        `UPDATE runs SET status = $2, finished_at = now(), inputs = $3::text::jsonb, outputs = $4::text::jsonb,
           row_counts = $5::text::jsonb, log = $6, error = $7::text::jsonb,
           tool_versions = tool_versions || $8::text::jsonb, progress = COALESCE($9::text::jsonb, progress)
         WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
        [
          id,
          result.status,
          JSON.stringify(publicRunRecord(result.inputs ?? [], this.localRoot)),
          JSON.stringify(publicRunRecord(result.outputs ?? [], this.localRoot)),
          JSON.stringify(rowCounts),
          publicRunRecord(result.log ?? "", this.localRoot),
          result.error ? JSON.stringify(publicRunRecord(result.error, this.localRoot)) : null,
          JSON.stringify(result.toolVersions ?? {}),
          result.progress ? JSON.stringify(publicRunRecord(result.progress, this.localRoot)) : null,
        ],
      );
      return toRun(updated.rows[0]!);
    });
  }

  async getRun(id: number): Promise<Run> {
    const { rows } = await this.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [
      requireId(id, "run id"),
    ]);
    if (!rows[0]) throw new NotFoundError("run", id);
    return toRun(rows[0]);
  }

  /** Newest first. */
  async listRuns(options: RunListOptions = {}): Promise<Page<Run>> {
    const limit = resolveLimit(options.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.step !== undefined) {
      params.push(options.step);
      where.push(`step = $${params.length}`);
    }
    if (options.status !== undefined) {
      params.push(options.status);
      where.push(`status = $${params.length}`);
    }
    if (options.asset !== undefined) {
      params.push(options.asset);
      where.push(`asset_key = $${params.length}`);
    }
    if (options.partition !== undefined) {
      // An unpartitioned asset's runs have no partition; a partition alone (without asset) is allowed too.
      params.push(options.partition);
      where.push(`partition_key = $${params.length}`);
    }
    if (options.dataset !== undefined) {
      // The runs that wrote the dataset: its creation, each version, each lineage edge into it, and its deletion.
      params.push(requireId(options.dataset, "dataset id"));
      const p = `$${params.length}`;
      where.push(
        `id IN (SELECT run_id FROM provenance WHERE output_dataset_id = ${p}` +
          ` UNION SELECT run_id FROM dataset_versions WHERE dataset_id = ${p}` +
          ` UNION SELECT created_by_run FROM datasets WHERE id = ${p}` +
          ` UNION SELECT deleted_by_run FROM datasets WHERE id = ${p})`,
      );
    }
    if (options.cursor !== undefined) {
      params.push(decodeCursor("runs", options.cursor, "number"));
      where.push(`id < $${params.length}`);
    }
    const { rows } = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit + 1}`,
      params,
    );
    return page(rows.map(toRun), limit, (last) => encodeCursor("runs", last.id));
  }
}
