import type { SqlClient } from "@omicslake/core";
import { setTimeout as sleep } from "node:timers/promises";
import PgBoss from "pg-boss";
import { AssetError } from "../../asset-error.js";
import {
  ASSET_QUEUE,
  DEFAULT_QUEUE_SCHEMA,
  assertQueueSchema,
  singletonKeyOf,
  toJobData,
  type JobRequest,
} from "./asset-job.js";

/**
 * One activation of a job: pg-boss counts up `retry_count` each time a job it had started is fetched
 * again, so (id, retryCount) names the worker that holds it now. A worker that lost its job (failed by
 * a liveness sweep as dead, then retried elsewhere) must not complete or fail the new holder's run.
 */
export interface JobActivation {
  readonly id: string;
  readonly retryCount: number;
}

/** A job some worker holds now. */
export interface ActiveJob extends JobActivation {
  readonly data: unknown;
  /** The run of the worker process holding it (see `claim`), once it said so. */
  readonly holderRunId?: number;
}

export type JobState = "created" | "retry" | "active" | "completed" | "cancelled" | "failed";

export interface JobStatus {
  readonly state: JobState;
  readonly retryCount: number;
  readonly output: unknown;
}

export interface SendJobOptions {
  /** pg-boss retries after the job failed: a worker died or stopped; not the asset's own retries. */
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  readonly expireInSeconds: number;
}

export interface AssetQueueOptions {
  /** The lake's PostgreSQL server (`postgres://…`); pg-boss keeps its own small pool on it. */
  readonly connectionString: string;
  /** The schema pg-boss creates its tables in (default: see defaultQueueSchema). */
  readonly schema?: string;
  /** pg-boss's background errors (maintenance, a lost connection); they do not stop the queue. */
  readonly onError?: (error: Error) => void;
}

/**
 * The asset queue on pg-boss, as the coordinator and the workers use it. Sending, fetching and
 * cancelling go through pg-boss; the few reads pg-boss has no call for (the active jobs, one
 * activation's state) and the fenced completion read its job table in the same database through the
 * catalog's client. The queue lives in the lake's database, so the lake's catalog client reaches it.
 */
export class AssetQueue {
  private constructor(
    private readonly boss: PgBoss,
    private readonly client: SqlClient,
    readonly schema: string,
  ) {}

  static async open(client: SqlClient, options: AssetQueueOptions): Promise<AssetQueue> {
    if (client.kind !== "postgres") {
      throw new AssetError("config_error", "the pg-boss queue needs a PostgreSQL catalog", {
        hint: "Set DATABASE_URL or [lake] database to a PostgreSQL server; with the embedded catalog assets run in-process",
      });
    }
    const schema = assertQueueSchema(options.schema ?? (await defaultQueueSchema(client)));
    const boss = new PgBoss({
      connectionString: options.connectionString,
      schema,
      application_name: "omicslake-queue",
      max: 4,
      // Cron schedules are the automation daemon's job, not pg-boss's.
      schedule: false,
      supervise: true,
      migrate: true,
    });
    // An EventEmitter without an "error" listener throws: a dropped connection would kill the process.
    boss.on("error", (error) => options.onError?.(error));
    try {
      await boss.start();
      await createQueueOnce(boss);
    } catch (cause) {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      throw new AssetError(
        "database_unavailable",
        `cannot open the asset queue in schema "${schema}": ${(cause as Error).message}`,
        {
          details: { schema },
          cause,
          hint: "Check that the PostgreSQL server is reachable and that its user may create the schema",
        },
      );
    }
    return new AssetQueue(boss, client, schema);
  }

  /**
   * Queues one asset-partition. The singleton key names it, so an operator can find its jobs; the
   * standard policy does not gate on it (pg-boss's singleton policy would stall every worker's fetch on
   * the key's second job): the state store's unique index is what keeps one attempt at a time.
   */
  async send(request: JobRequest, options: SendJobOptions): Promise<string> {
    const id = await this.boss.send(
      ASSET_QUEUE,
      { ...toJobData(request) },
      {
        singletonKey: singletonKeyOf(request.key, request.partition),
        retryLimit: options.retryLimit,
        retryDelay: options.retryDelaySeconds,
        expireInSeconds: options.expireInSeconds,
      },
    );
    if (id === null)
      throw new Error(`pg-boss refused the job of ${singletonKeyOf(request.key, request.partition)}`);
    return id;
  }

  /** The next job, now held by the caller, or undefined when the queue is empty. */
  async fetch(): Promise<ActiveJob | undefined> {
    const [job] = await this.boss.fetch<unknown>(ASSET_QUEUE, { batchSize: 1, includeMetadata: true });
    if (job === undefined) return undefined;
    return { id: job.id, retryCount: job.retryCount, data: job.data };
  }

  /** A job's state, archived jobs included; undefined once pg-boss has deleted it. */
  async status(id: string): Promise<JobStatus | undefined> {
    const job = await this.boss.getJobById<unknown>(ASSET_QUEUE, id, { includeArchive: true });
    if (job === null) return undefined;
    return { state: job.state, retryCount: job.retryCount, output: job.output };
  }

  async cancel(id: string): Promise<void> {
    await this.boss.cancel(ASSET_QUEUE, id);
  }

  /**
   * Writes on the job which worker holds it: the run its worker process keeps while it lives. pg-boss
   * records no holder, and its `output` column is free while a job is active (completing or failing it
   * overwrites it), so the holder goes there; a re-fetched job keeps the failure output until its new
   * holder claims it.
   */
  async claim(activation: JobActivation, holderRunId: number): Promise<boolean> {
    const { rowCount } = await this.client.query(
      `UPDATE ${this.schema}.job SET output = $4::text::jsonb
       WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`,
      [ASSET_QUEUE, activation.id, activation.retryCount, JSON.stringify({ holderRunId })],
    );
    return rowCount > 0;
  }

  /** Every job some worker holds now. */
  async active(): Promise<ActiveJob[]> {
    const { rows } = await this.client.query<{
      id: string;
      retry_count: number;
      data: unknown;
      output: unknown;
    }>(
      `SELECT id, retry_count, data, output FROM ${this.schema}.job
       WHERE name = $1 AND state = 'active' ORDER BY started_on`,
      [ASSET_QUEUE],
    );
    return rows.map((row) => {
      const holder = (row.output as { holderRunId?: unknown } | null)?.holderRunId;
      return {
        id: row.id,
        retryCount: row.retry_count,
        data: row.data,
        ...(typeof holder === "number" ? { holderRunId: holder } : {}),
      };
    });
  }

  /** Which of these activations are no longer held (cancelled, failed, finished or fetched again). */
  async lost(activations: readonly JobActivation[]): Promise<Set<string>> {
    if (activations.length === 0) return new Set();
    const { rows } = await this.client.query<{ id: string; retry_count: number; state: string }>(
      `SELECT id, retry_count, state FROM ${this.schema}.job WHERE name = $1 AND id = ANY($2::uuid[])`,
      [ASSET_QUEUE, activations.map((a) => a.id)],
    );
    const held = new Set(
      rows.filter((row) => row.state === "active").map((row) => `${row.id}/${row.retry_count}`),
    );
    return new Set(activations.filter((a) => !held.has(`${a.id}/${a.retryCount}`)).map((a) => a.id));
  }

  /** Completes the job if this activation still holds it; false when it was lost meanwhile. */
  complete(activation: JobActivation, output: object): Promise<boolean> {
    return this.#whileHeld(activation, (db) =>
      this.boss.complete(ASSET_QUEUE, activation.id, output, { db }),
    );
  }

  /** Fails the job (pg-boss retries it while retries remain) if this activation still holds it. */
  fail(activation: JobActivation, error: { code: string; message: string }): Promise<boolean> {
    return this.#whileHeld(activation, (db) => this.boss.fail(ASSET_QUEUE, activation.id, error, { db }));
  }

  async close(): Promise<void> {
    // No pg-boss worker runs here (jobs are fetched by hand), so there is nothing to wait for.
    await this.boss.stop({ graceful: false, wait: true, close: true });
  }

  /**
   * Runs a pg-boss command on the job only while `activation` holds it: the job's row is locked and
   * checked, and the command runs in the same transaction, so no liveness sweep or re-fetch slips in
   * between the check and the write.
   */
  async #whileHeld(
    activation: JobActivation,
    command: (db: PgBoss.Db) => Promise<unknown>,
  ): Promise<boolean> {
    return this.client.transaction(async (tx) => {
      const { rows } = await tx.query(
        `SELECT 1 FROM ${this.schema}.job
         WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3 FOR UPDATE`,
        [ASSET_QUEUE, activation.id, activation.retryCount],
      );
      if (rows.length === 0) return false;
      await command({ executeSql: async (text, values) => ({ rows: (await tx.query(text, values)).rows }) });
      return true;
    });
  }
}

/**
 * Where the queue of the lake whose catalog `client` reaches lives unless told: `omicslake_jobs` for a
 * catalog in `public`, else `<catalog schema>_jobs`. Lakes sharing one database in schemas of their own
 * thus never share a queue (a worker of one would run the other's jobs on the wrong lake), and the
 * coordinator and the workers of one lake find the same queue without being told.
 */
export async function defaultQueueSchema(client: SqlClient): Promise<string> {
  const { rows } = await client.query<{ schema: string | null }>("SELECT current_schema() AS schema");
  const catalog = rows[0]?.schema;
  if (catalog === null || catalog === undefined || catalog === "public") return DEFAULT_QUEUE_SCHEMA;
  return `${catalog.slice(0, 58)}_jobs`;
}

/**
 * Creates the queue unless it exists. Workers started together race to create it, and pg-boss's
 * `create_queue` can deadlock against itself (it inserts the queue row and creates its partition
 * table); the loser sees the winner's queue on its next look.
 */
async function createQueueOnce(boss: PgBoss): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if ((await boss.getQueue(ASSET_QUEUE)) !== null) return;
    try {
      await boss.createQueue(ASSET_QUEUE, { name: ASSET_QUEUE, policy: "standard" });
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // 40P01 deadlock, 23505 unique violation, 42P07 table exists: another process is creating it.
      if (attempt >= 5 || !["40P01", "23505", "42P07"].includes(String(code))) throw error;
      await sleep(50 * attempt + Math.floor(Math.random() * 50));
    }
  }
}
