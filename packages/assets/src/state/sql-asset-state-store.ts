import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  decodeCursor,
  encodeCursor,
  type Lake,
  type Page,
  type SqlClient,
} from "@omicslake/core";
import { AssetError } from "../asset-error.js";
import type { AutomationCursor } from "../conditions/automation-condition.js";
import type { AssetKey, AssetOutput, InputVersion } from "../graph/asset-definition.js";
import { AssetStateSnapshot } from "./asset-state-snapshot.js";
import type {
  AssetStateStore,
  FinishMaterialization,
  MaterializationFilter,
  StartMaterialization,
} from "./asset-state-store.js";
import type {
  MaterializationRecord,
  MaterializationStatus,
  RequestOrigin,
} from "./materialization-record.js";

const COLUMNS =
  "id, asset_key, partition_key, status, run_id, data_version, inputs, outputs, metadata, attempt, origin, reason, request_id, started_at, finished_at, error";

/** The same columns, qualified by the table alias `m` (for queries joining runs). */
const M_COLUMNS = COLUMNS.split(", ")
  .map((c) => `m.${c}`)
  .join(", ");

interface MaterializationRow extends Record<string, unknown> {
  id: number;
  asset_key: string;
  partition_key: string;
  status: MaterializationStatus;
  run_id: number | null;
  data_version: string | null;
  inputs: InputVersion[];
  outputs: AssetOutput[];
  metadata: Record<string, unknown>;
  attempt: number;
  origin: RequestOrigin;
  reason: string;
  request_id: string;
  started_at: Date;
  finished_at: Date | null;
  error: { code: string; message: string } | null;
}

/** What the store needs of the lake: its catalog database, and the sweep that marks dead runs abandoned. */
export type StateStoreLake = Pick<Lake, "servingClient" | "abandonDeadRuns">;

/**
 * The asset state in the catalog database (tables `asset_materializations` and `asset_cursors`, migration
 * 0012), on PGlite or PostgreSQL alike. Every process and worker machine of a lake shares it, so the unique
 * index on running attempts is what keeps an asset-partition to one run at a time everywhere.
 *
 * @example const store = new SqlAssetStateStore(lake); const snapshot = await store.snapshot();
 */
export class SqlAssetStateStore implements AssetStateStore {
  readonly #lake: StateStoreLake;

  constructor(lake: StateStoreLake) {
    this.#lake = lake;
  }

  get #db(): SqlClient {
    return this.#lake.servingClient();
  }

  async start(input: StartMaterialization): Promise<MaterializationRecord> {
    let swept = false;
    for (let tries = 0; ; tries++) {
      const outcome = await this.#tryStart(input);
      if (outcome.started) return outcome.record;
      const holder = outcome.record;
      // No holder: it finished between the insert and the look-up; the slot is free, try again.
      if (holder === undefined && tries < 5) continue;
      if (holder !== undefined && !swept) {
        // The attempt holding the slot may belong to a process that died without finishing its run: once
        // the lake has marked such runs abandoned, the next try takes the slot over.
        swept = true;
        await this.#lake.abandonDeadRuns();
        continue;
      }
      throw busyError(input, holder);
    }
  }

  /** One try: frees the slot of attempts whose run ended, then takes it; or returns the attempt holding it. */
  async #tryStart(
    input: StartMaterialization,
  ): Promise<
    | { started: true; record: MaterializationRecord }
    | { started: false; record: MaterializationRecord | undefined }
  > {
    const partition = input.partition ?? "";
    return this.#db.transaction(async (tx) => {
      // A running attempt whose run is no longer running (abandoned, failed, cancelled, deleted) can never
      // finish its own record.
      await tx.query(
        `UPDATE asset_materializations m SET status = 'failed', finished_at = now(),
           error = jsonb_build_object('code', 'run_abandoned', 'message',
             'its run ' || coalesce(m.run_id::text, '(deleted)') || ' ended without finishing this materialization')
         WHERE m.asset_key = $1 AND m.partition_key = $2 AND m.status = 'running'
           AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = m.run_id AND r.status = 'running')`,
        [input.key, partition],
      );
      // ON CONFLICT against the partial unique index rather than catching the violation: a failed statement
      // would abort the whole transaction on PostgreSQL.
      const inserted = await tx.query<MaterializationRow>(
        `INSERT INTO asset_materializations
           (asset_key, partition_key, status, run_id, inputs, attempt, origin, reason, request_id)
         VALUES ($1, $2, 'running', $3, $4::text::jsonb, $5, $6, $7, $8)
         ON CONFLICT (asset_key, partition_key) WHERE status = 'running' DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          input.key,
          partition,
          input.runId,
          JSON.stringify(input.inputs),
          input.attempt,
          input.origin,
          input.reason,
          input.requestId,
        ],
      );
      const row = inserted.rows[0];
      if (row) {
        await tx.query(`UPDATE runs SET asset_key = $2, partition_key = $3 WHERE id = $1`, [
          input.runId,
          input.key,
          input.partition ?? null,
        ]);
        return { started: true as const, record: toRecord(row) };
      }
      const holder = await tx.query<MaterializationRow>(
        `SELECT ${COLUMNS} FROM asset_materializations
          WHERE asset_key = $1 AND partition_key = $2 AND status = 'running'`,
        [input.key, partition],
      );
      // Under READ COMMITTED each statement sees the latest commits: the holder may have finished since.
      const current = holder.rows[0];
      return { started: false as const, record: current ? toRecord(current) : undefined };
    });
  }

  async finish(id: number, result: FinishMaterialization): Promise<MaterializationRecord> {
    const { rows } = await this.#db.query<MaterializationRow>(
      `UPDATE asset_materializations SET status = $2, finished_at = now(), data_version = $3,
         outputs = $4::text::jsonb, metadata = $5::text::jsonb, error = $6::text::jsonb
       WHERE id = $1 AND status = 'running' RETURNING ${COLUMNS}`,
      [
        id,
        result.status,
        result.dataVersion ?? null,
        JSON.stringify(result.outputs ?? []),
        JSON.stringify(result.metadata ?? {}),
        result.error ? JSON.stringify(result.error) : null,
      ],
    );
    if (rows[0]) return toRecord(rows[0]);
    const current = await this.get(id);
    if (!current)
      throw new AssetError("not_found", `materialization ${id} does not exist`, { details: { id } });
    // Another process decided this attempt was dead (its run's lease lapsed) and took the slot over.
    throw new AssetError(
      "conflict",
      `materialization ${id} of ${current.key}${current.partition === undefined ? "" : ` [${current.partition}]`} has already ended (${current.status}${current.error ? `: ${current.error.message}` : ""})`,
      {
        details: { id, key: current.key, partition: current.partition ?? null, status: current.status },
        hint: "Its run was taken for dead (its lease lapsed); materialize it again",
      },
    );
  }

  async snapshot(keys?: readonly AssetKey[]): Promise<AssetStateSnapshot> {
    const filter = keys === undefined ? "" : "AND asset_key = ANY($1::text[])";
    const params = keys === undefined ? [] : [[...keys]];
    // One query however many partitions: the ids of each asset-partition's latest attempt, latest success
    // and running attempt, then those rows. A running attempt whose run has ended reads as failed (the
    // next start() records it so); its run's status comes along for that.
    const { rows } = await this.#db.query<MaterializationRow & { run_status: string | null }>(
      `WITH ids AS (
         SELECT max(id) AS id FROM asset_materializations WHERE true ${filter} GROUP BY asset_key, partition_key
         UNION
         SELECT max(id) FROM asset_materializations WHERE status = 'succeeded' ${filter} GROUP BY asset_key, partition_key
         UNION
         SELECT id FROM asset_materializations WHERE status = 'running' ${filter}
       )
       SELECT ${M_COLUMNS}, r.status AS run_status
         FROM asset_materializations m JOIN ids ON ids.id = m.id LEFT JOIN runs r ON r.id = m.run_id`,
      params,
    );
    return new AssetStateSnapshot(
      rows.map((row) => {
        const record = toRecord(row);
        if (record.status !== "running" || row.run_status === "running") return record;
        return {
          ...record,
          status: "failed" as const,
          error: {
            code: "run_abandoned",
            message: `its run ${record.runId ?? "(deleted)"} ended without finishing this materialization`,
          },
        };
      }),
    );
  }

  async list(filter: MaterializationFilter = {}): Promise<Page<MaterializationRecord>> {
    const limit = filter.limit ?? DEFAULT_PAGE_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new AssetError("invalid_input", `invalid page limit ${String(limit)}`, {
        details: { limit, max: MAX_PAGE_LIMIT },
        hint: `Use a whole number from 1 to ${MAX_PAGE_LIMIT}`,
      });
    }
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
    if (filter.key !== undefined) add("asset_key = ?", filter.key);
    if (filter.partition !== undefined) add("partition_key = ?", filter.partition);
    if (filter.status !== undefined) add("status = ?", filter.status);
    if (filter.requestId !== undefined) add("request_id = ?", filter.requestId);
    if (filter.cursor !== undefined)
      add("id < ?", decodeCursor("asset_materializations", filter.cursor, "number"));
    const { rows } = await this.#db.query<MaterializationRow>(
      `SELECT ${COLUMNS} FROM asset_materializations ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY id DESC LIMIT ${limit + 1}`,
      params,
    );
    const items = rows.slice(0, limit).map(toRecord);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor("asset_materializations", last.id) : null,
    };
  }

  async get(id: number): Promise<MaterializationRecord | undefined> {
    if (!Number.isSafeInteger(id) || id < 1) return undefined;
    const { rows } = await this.#db.query<MaterializationRow>(
      `SELECT ${COLUMNS} FROM asset_materializations WHERE id = $1`,
      [id],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async cursors(): Promise<Map<AssetKey, AutomationCursor>> {
    const { rows } = await this.#db.query<{ asset_key: string; cursor: AutomationCursor }>(
      `SELECT asset_key, cursor FROM asset_cursors ORDER BY asset_key`,
    );
    return new Map(rows.map((row) => [row.asset_key, row.cursor]));
  }

  async saveCursors(cursors: ReadonlyMap<AssetKey, AutomationCursor>): Promise<void> {
    if (cursors.size === 0) return;
    // One statement for every asset, so a daemon tick over a large graph is one round trip.
    await this.#db.query(
      `INSERT INTO asset_cursors (asset_key, cursor, updated_at)
       SELECT key, value, now() FROM jsonb_each($1::text::jsonb)
       ON CONFLICT (asset_key) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at`,
      [JSON.stringify(Object.fromEntries(cursors))],
    );
  }
}

function busyError(input: StartMaterialization, holder: MaterializationRecord | undefined): AssetError {
  const where = input.partition === undefined ? "" : ` partition ${input.partition}`;
  const runId = holder?.runId ?? null;
  return new AssetError(
    "asset_busy",
    `asset ${input.key}${where} is already being materialized${runId === null ? "" : ` by run ${runId}`}${
      holder ? ` (materialization ${holder.id}, started ${holder.startedAt.toISOString()})` : ""
    }`,
    {
      details: {
        key: input.key,
        partition: input.partition ?? null,
        runId,
        materializationId: holder?.id ?? null,
      },
      hint:
        runId === null
          ? "Wait for it to finish"
          : `Wait for it to finish ("omicslake runs show ${runId}"), or cancel that run`,
    },
  );
}

function toRecord(row: MaterializationRow): MaterializationRecord {
  return {
    id: Number(row.id),
    key: row.asset_key,
    partition: row.partition_key === "" ? undefined : row.partition_key,
    status: row.status,
    runId: row.run_id === null ? null : Number(row.run_id),
    dataVersion: row.data_version,
    inputs: row.inputs,
    outputs: row.outputs,
    metadata: row.metadata,
    attempt: row.attempt,
    origin: row.origin,
    reason: row.reason,
    requestId: row.request_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
  };
}
