import { setTimeout as sleep } from "node:timers/promises";
import type { Lake } from "@omicslake/core";
import type { RequestOutcome, RequestOutcomeStatus } from "../../execution/materialization-request.js";
import type { AssetStateStore } from "../../state/asset-state-store.js";
import type { MaterializationRecord } from "../../state/materialization-record.js";
import type { PartitionRunner } from "../partition-runner.js";
import type { JobRequest } from "./asset-job.js";
import { AssetQueue, type JobStatus } from "./asset-queue.js";
import { failDeadJobs } from "./fail-dead-jobs.js";

export interface PgBossPartitionRunnerOptions {
  readonly lake: Lake;
  /** Where the workers record materializations; the outcome of a job is read back from it. */
  readonly store: AssetStateStore;
  /** The lake's PostgreSQL server. */
  readonly connectionString: string;
  /** pg-boss's schema (default: `omicslake_jobs`, or `<catalog schema>_jobs`; see defaultQueueSchema). */
  readonly schema?: string;
  /** How often a waiting `run` reads its job's state (default 1 s). */
  readonly pollIntervalMs?: number;
  /** How often, while runs wait, jobs of dead workers are looked for (default 5 s). */
  readonly livenessIntervalMs?: number;
  /**
   * How many times pg-boss hands a job to another worker after its worker died or stopped (default
   * 3). The asset's own retries happen inside one job, with the asset's backoff.
   */
  readonly retryLimit?: number;
  /**
   * The last resort against a worker that vanished without a trace in its runs (killed before its
   * first attempt started): pg-boss fails a job still active after this long (default 12 hours).
   */
  readonly expireInSeconds?: number;
  readonly log?: (line: string) => void;
}

/**
 * Runs asset-partitions on `omicslake worker` processes, anywhere, through a pg-boss queue in the
 * lake's PostgreSQL database: `run` queues one job per request and waits for it to end, then reads
 * the outcome from the state store (the job's materializations, the last one), so the answer is the
 * same as the in-process runner's. While runs wait, the coordinator also sweeps for jobs whose worker
 * died (see failDeadJobs), as every worker does, so a kill costs seconds, not the job's expiry.
 */
export class PgBossPartitionRunner implements PartitionRunner {
  readonly kind = "pg-boss" as const;
  readonly #options: PgBossPartitionRunnerOptions;
  #queue: Promise<AssetQueue> | undefined;
  readonly #waiting = new Set<string>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  constructor(options: PgBossPartitionRunnerOptions) {
    this.#options = options;
  }

  async run(request: JobRequest, signal: AbortSignal): Promise<RequestOutcome> {
    if (this.#closed) throw new Error("the pg-boss runner is closed");
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    if (signal.aborted) return cancelled(request, [], elapsed());
    const queue = await this.#openQueue();
    const jobId = await queue.send(request, {
      retryLimit: this.#options.retryLimit ?? 3,
      // A job fails only when its worker died or stopped: another may take it at once.
      retryDelaySeconds: 0,
      expireInSeconds: this.#options.expireInSeconds ?? 12 * 3600,
    });
    this.#waiting.add(jobId);
    this.#startSweeping();
    try {
      for (;;) {
        let status: JobStatus | undefined | "unknown";
        try {
          status = await queue.status(jobId);
        } catch (error) {
          // The job goes on whatever this process sees: a database blip only delays the answer.
          this.#options.log?.(`reading job ${jobId} failed: ${(error as Error).message}`);
          status = "unknown";
        }
        if (status === undefined || (status !== "unknown" && ENDED.includes(status.state)))
          return await this.#outcome(request, jobId, status, elapsed());
        try {
          await sleep(this.#options.pollIntervalMs ?? 1000, undefined, { signal });
        } catch {
          // Aborted: the job is withdrawn; a worker running it sees the cancel and stops its run.
          await queue
            .cancel(jobId)
            .catch((error: Error) => this.#options.log?.(`cancelling job ${jobId} failed: ${error.message}`));
          return cancelled(request, await requestRecords(this.#options.store, request.requestId), elapsed());
        }
      }
    } finally {
      this.#waiting.delete(jobId);
      if (this.#waiting.size === 0) this.#stopSweeping();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopSweeping();
    await this.#sweeping;
    const opening = this.#queue;
    this.#queue = undefined;
    if (opening === undefined) return;
    const queue = await opening.catch(() => undefined);
    if (queue === undefined) return;
    // Runs still waiting had their caller go away: their jobs must not run unattended.
    for (const jobId of this.#waiting) await queue.cancel(jobId).catch(() => undefined);
    await queue.close();
  }

  #openQueue(): Promise<AssetQueue> {
    this.#queue ??= AssetQueue.open(this.#options.lake.servingClient(), {
      connectionString: this.#options.connectionString,
      ...(this.#options.schema !== undefined ? { schema: this.#options.schema } : {}),
      onError: (error) => this.#options.log?.(`asset queue: ${error.message}`),
    });
    // A failed open is not cached: the next run tries again.
    this.#queue.catch(() => (this.#queue = undefined));
    return this.#queue;
  }

  #startSweeping(): void {
    if (this.#sweepTimer !== undefined) return;
    this.#sweepTimer = setInterval(() => {
      if (this.#sweeping !== undefined) return;
      this.#sweeping = this.#sweep().finally(() => (this.#sweeping = undefined));
    }, this.#options.livenessIntervalMs ?? 5000);
    this.#sweepTimer.unref();
  }

  #stopSweeping(): void {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  async #sweep(): Promise<void> {
    try {
      const queue = await this.#openQueue();
      const failed = await failDeadJobs(this.#options.lake, queue);
      if (failed.length > 0)
        this.#options.log?.(`handed ${failed.length} job(s) of dead workers to other workers`);
    } catch (error) {
      // The next sweep tries again; a waiting run is not failed for a missed sweep.
      this.#options.log?.(`liveness sweep failed: ${(error as Error).message}`);
    }
  }

  async #outcome(
    request: JobRequest,
    jobId: string,
    status: JobStatus | undefined,
    durationMs: number,
  ): Promise<RequestOutcome> {
    const records = await requestRecords(this.#options.store, request.requestId);
    const last = records.at(-1);
    const output = outputOf(status?.output);
    // Found busy: no attempt of this request was recorded (another request's attempt is running).
    if (status?.state === "completed" && output?.status === "busy") {
      return {
        request,
        status: "busy",
        attempts: 0,
        durationMs,
        ...(output.error !== undefined ? { error: output.error } : {}),
      };
    }
    if (last !== undefined && last.status !== "running")
      return fromRecord(request, last, records.length, durationMs);
    if (status?.state === "cancelled") return cancelled(request, records, durationMs);
    const error =
      output?.error ??
      (status === undefined
        ? { code: "asset_failed", message: `job ${jobId} is gone from the queue before it ended` }
        : { code: "asset_failed", message: `job ${jobId} ended ${status.state} without a finished attempt` });
    return {
      request,
      status: "failed",
      attempts: records.length,
      durationMs,
      ...(last !== undefined ? { materializationId: last.id } : {}),
      ...(last?.runId != null ? { runId: last.runId } : {}),
      error,
    };
  }
}

/** Every materialization recorded for one request (its attempts, on every worker that took it), oldest first. */
async function requestRecords(store: AssetStateStore, requestId: string): Promise<MaterializationRecord[]> {
  const records: MaterializationRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ requestId, limit: 100, ...(cursor !== undefined ? { cursor } : {}) });
    records.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return records.sort((a, b) => a.id - b.id);
}

const ENDED: readonly string[] = ["completed", "failed", "cancelled"];

const STATUSES: readonly string[] = ["succeeded", "failed", "skipped", "busy", "cancelled"];

/** What a worker wrote as a job's output: the outcome it completed the job with, or the error it failed it with. */
function outputOf(
  output: unknown,
): { status?: RequestOutcomeStatus; error?: { code: string; message: string } } | undefined {
  if (typeof output !== "object" || output === null) return undefined;
  const o = output as Record<string, unknown>;
  const status = typeof o["status"] === "string" && STATUSES.includes(o["status"]) ? o["status"] : undefined;
  // Completed with an outcome: its error sits under "error"; failed by a worker or sweep: the error itself.
  const raw = o["error"] ?? (status === undefined ? o : undefined);
  let error: { code: string; message: string } | undefined;
  if (typeof raw === "object" && raw !== null) {
    const { code, message } = raw as Record<string, unknown>;
    if (typeof message === "string")
      error = { code: typeof code === "string" ? code : "asset_failed", message };
  }
  return {
    ...(status !== undefined ? { status: status as RequestOutcomeStatus } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

function fromRecord(
  request: JobRequest,
  record: MaterializationRecord,
  attempts: number,
  durationMs: number,
): RequestOutcome {
  return {
    request,
    status: record.status as Exclude<MaterializationRecord["status"], "running">,
    materializationId: record.id,
    ...(record.runId !== null ? { runId: record.runId } : {}),
    attempts,
    ...(record.dataVersion !== null ? { dataVersion: record.dataVersion } : {}),
    durationMs,
    ...(record.error !== null ? { error: record.error } : {}),
  };
}

function cancelled(
  request: JobRequest,
  records: readonly MaterializationRecord[],
  durationMs: number,
): RequestOutcome {
  const last = records.at(-1);
  return {
    request,
    status: "cancelled",
    attempts: records.length,
    durationMs,
    ...(last !== undefined ? { materializationId: last.id } : {}),
    ...(last?.runId != null ? { runId: last.runId } : {}),
    error: { code: "cancelled", message: "cancelled before its job ended" },
  };
}
