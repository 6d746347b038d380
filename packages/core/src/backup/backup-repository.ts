import type { SqlClient } from "../catalog-db/sql-client.js";
import type { Page } from "../catalog/catalog-types.js";
import { decodeCursor, encodeCursor, resolveLimit } from "../catalog/page-cursor.js";
import { page } from "../catalog/repositories/catalog-input.js";
import { ConflictError, NotFoundError } from "../errors/omicslake-error.js";
import type { BackupJob, BackupStatus } from "./backup-job.js";
import { MANIFEST_NAME, type BackupKind } from "./backup-layout.js";

interface BackupRow extends Record<string, unknown> {
  id: number;
  kind: BackupKind;
  status: BackupStatus;
  destination: string;
  folder: string;
  run_id: number | null;
  started_at: Date;
  finished_at: Date | null;
  objects: number;
  bytes: number;
  bytes_copied: number;
  error: BackupJob["error"];
  manifest_sha256: string | null;
}

function toJob(row: BackupRow): BackupJob {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    destination: row.destination,
    folder: row.folder,
    runId: row.run_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    objects: row.objects,
    bytes: row.bytes,
    bytesCopied: row.bytes_copied,
    error: row.error,
    manifest:
      row.manifest_sha256 === null
        ? null
        : { key: `${row.folder}${MANIFEST_NAME}`, sha256: row.manifest_sha256 },
  };
}

function runningConflict(id: number | undefined, cause?: unknown): ConflictError {
  return new ConflictError(`backup ${id ?? "?"} is still running; one backup runs at a time`, {
    details: { runningBackupId: id },
    hint: 'Wait for it to finish (see "GET /v1/backups"), then start this one again',
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The `backups` table (migration 0009). */
export class BackupRepository {
  constructor(private readonly db: SqlClient) {}

  /** Records a running backup; refused while another one runs (the partial unique index decides). */
  async start(input: {
    kind: BackupKind;
    destination: string;
    folder: string;
    runId: number;
    startedAt: Date;
  }): Promise<BackupJob> {
    try {
      const { rows } = await this.db.query<BackupRow>(
        `INSERT INTO backups (kind, destination, folder, run_id, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [input.kind, input.destination, input.folder, input.runId, input.startedAt],
      );
      return toJob(rows[0]!);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "23505") throw error;
      const running = await this.db.query<{ id: number }>(`SELECT id FROM backups WHERE status = 'running'`);
      throw runningConflict(running.rows[0]?.id, error);
    }
  }

  /**
   * Refuses up front while a backup runs, so a refused request does not leave a failed `backup` run
   * behind (each one counted in the failed-runs gauge an operator alerts on). `start` still decides
   * races between two callers that both pass this check.
   */
  async assertNoneRunning(): Promise<void> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT id FROM backups WHERE status = 'running' LIMIT 1`,
    );
    if (rows[0]) throw runningConflict(rows[0].id);
  }

  async succeed(
    id: number,
    totals: { objects: number; bytes: number; bytesCopied: number; manifestSha256: string },
  ): Promise<BackupJob> {
    const { rows } = await this.db.query<BackupRow>(
      `UPDATE backups SET status = 'succeeded', finished_at = now(), objects = $2, bytes = $3, bytes_copied = $4,
         manifest_sha256 = $5 WHERE id = $1 RETURNING *`,
      [id, totals.objects, totals.bytes, totals.bytesCopied, totals.manifestSha256],
    );
    return toJob(rows[0]!);
  }

  async fail(
    id: number,
    error: NonNullable<BackupJob["error"]>,
    totals: { objects: number; bytes: number; bytesCopied: number },
  ): Promise<BackupJob> {
    const { rows } = await this.db.query<BackupRow>(
      `UPDATE backups SET status = 'failed', finished_at = now(), error = $2::jsonb, objects = $3, bytes = $4,
         bytes_copied = $5 WHERE id = $1 RETURNING *`,
      [id, JSON.stringify(error), totals.objects, totals.bytes, totals.bytesCopied],
    );
    return toJob(rows[0]!);
  }

  /**
   * Marks failed the backups left `running` by a process that died: their run is no longer running
   * (the lake marks a dead owner's run abandoned when it opens, or when its lease lapses).
   */
  async sweepStale(): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>(
      `UPDATE backups b SET status = 'failed', finished_at = now(), error = jsonb_build_object(
         'code', 'run_abandoned',
         'message', 'the process making this backup stopped before it finished; the backup has no manifest and is not used')
       WHERE b.status = 'running'
         AND (b.run_id IS NULL OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = b.run_id AND r.status = 'running'))
       RETURNING id`,
    );
    return rows.map((row) => row.id);
  }

  async markPruned(id: number): Promise<void> {
    await this.db.query(`UPDATE backups SET status = 'pruned' WHERE id = $1 AND status = 'succeeded'`, [id]);
  }

  async get(id: number): Promise<BackupJob> {
    // An id past the bigint range (or not whole) names no backup: asking the catalog would fail with an
    // out-of-range error reported as an internal bug instead of the 404 the caller should see.
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new NotFoundError("backup", String(id), { hint: 'List backups with "omicslake backups"' });
    }
    const { rows } = await this.db.query<BackupRow>(`SELECT * FROM backups WHERE id = $1`, [id]);
    if (!rows[0]) {
      throw new NotFoundError("backup", String(id), { hint: 'List backups with "omicslake backups"' });
    }
    return toJob(rows[0]);
  }

  /** Newest first; `before` keeps the jobs older than that id (the next page of a keyset listing). */
  async list(
    filter: {
      kind?: BackupKind;
      status?: BackupStatus;
      destination?: string;
      limit?: number;
      before?: number;
    } = {},
  ): Promise<BackupJob[]> {
    const { rows } = await this.db.query<BackupRow>(
      `SELECT * FROM backups WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)
         AND ($3::text IS NULL OR destination = $3) AND ($5::bigint IS NULL OR id < $5) ORDER BY id DESC LIMIT $4`,
      [
        filter.kind ?? null,
        filter.status ?? null,
        filter.destination ?? null,
        filter.limit ?? 1000,
        filter.before ?? null,
      ],
    );
    return rows.map(toJob);
  }

  /** Newest first, one keyset page at a time (the API's list), as every catalog list pages. */
  async listPage(
    filter: { kind?: BackupKind; status?: BackupStatus; limit?: number; cursor?: string } = {},
  ): Promise<Page<BackupJob>> {
    const limit = resolveLimit(filter.limit);
    const rows = await this.list({
      ...(filter.kind !== undefined ? { kind: filter.kind } : {}),
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      limit: limit + 1,
      ...(filter.cursor !== undefined ? { before: decodeCursor("backups", filter.cursor, "number") } : {}),
    });
    return page(rows, limit, (last) => encodeCursor("backups", last.id));
  }

  /** When the last backup of `kind` succeeded, or undefined. */
  async lastSucceeded(kind: BackupKind): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ started_at: Date }>(
      `SELECT started_at FROM backups WHERE kind = $1 AND status IN ('succeeded', 'pruned') ORDER BY id DESC LIMIT 1`,
      [kind],
    );
    return rows[0]?.started_at;
  }
}
