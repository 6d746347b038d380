import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Lake } from "@omicslake/core";
import { AssetError } from "../../asset-error.js";
import type { RequestOutcome } from "../../execution/materialization-request.js";
import type { AssetGraph } from "../../graph/asset-graph.js";
import type { AssetStateStore } from "../../state/asset-state-store.js";
import { ASSET_QUEUE, parseJobData, type JobRequest } from "./asset-job.js";
import { AssetQueue, type ActiveJob, type JobActivation } from "./asset-queue.js";
import { WORKER_STEP, failDeadJobs } from "./fail-dead-jobs.js";

export interface AssetWorkerOptions {
  readonly lake: Lake;
  readonly graph: AssetGraph;
  readonly store: AssetStateStore;
  /** The lake's PostgreSQL server. */
  readonly connectionString: string;
  /** pg-boss's schema (default: `omicslake_jobs`, or `<catalog schema>_jobs`; see defaultQueueSchema). */
  readonly schema?: string;
  /** Asset-partitions this worker runs at once. */
  readonly concurrency: number;
  /**
   * Aborting stops the worker: no new job is taken, running ones are cancelled (their runs end
   * `cancelled`) and handed back to the queue for another worker, then the promise resolves.
   */
  readonly signal: AbortSignal;
  readonly log?: (line: string) => void;
  /** How long an idle worker waits before asking the queue again (default 1 s). */
  readonly pollIntervalMs?: number;
  /** How often held jobs are checked for a cancel, and all jobs for a dead worker (default 5 s). */
  readonly livenessIntervalMs?: number;
}

/** Runs one request to its end on this worker; `log` goes to the worker's output. */
export type MaterializeJob = (
  request: JobRequest,
  signal: AbortSignal,
  log: (line: string) => void,
) => Promise<RequestOutcome>;

/** What one worker did before it stopped. */
export interface AssetWorkerSummary {
  readonly jobs: number;
  readonly succeeded: number;
  /** Ended in any other way (failed, busy, skipped, cancelled by the coordinator). */
  readonly notSucceeded: number;
  /** Cancelled by the worker's stop and put back on the queue. */
  readonly handedBack: number;
}

interface HeldJob {
  readonly activation: JobActivation;
  readonly controller: AbortController;
}

/**
 * The worker's loop, given how to run one request: `concurrency` fetch loops on the asset queue, each
 * holding at most one job. Jobs are fetched one at a time rather than through pg-boss's `work`, whose
 * automatic complete/fail would land on whichever worker holds the job by then: a worker that lost its
 * job (cancelled, or failed as dead and retried elsewhere) must leave the new holder's job alone, so
 * every completion here is fenced by the activation that fetched it (see AssetQueue).
 */
export async function workAssetJobs(
  options: AssetWorkerOptions & { readonly materialize: MaterializeJob },
): Promise<AssetWorkerSummary> {
  const { lake, graph } = options;
  const log = options.log ?? (() => undefined);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new AssetError(
      "invalid_input",
      `worker concurrency must be a whole number ≥ 1, got ${options.concurrency}`,
      {
        details: { concurrency: options.concurrency },
      },
    );
  }
  const queue = await AssetQueue.open(lake.servingClient(), {
    connectionString: options.connectionString,
    ...(options.schema !== undefined ? { schema: options.schema } : {}),
    onError: (error) => log(`asset queue: ${error.message}`),
  });
  log(
    `worker ${hostname()}:${process.pid} is taking jobs from "${ASSET_QUEUE}" (schema ${queue.schema}), ${options.concurrency} at a time`,
  );
  // Why the worker stopped on its own; its run can no longer be finished, so this is what it reports.
  let halted: unknown;
  const serve = async (workerRunId: number): Promise<AssetWorkerSummary> => {
    // Stops the worker like its caller's signal does, when the worker finds itself declared dead.
    const halt = new AbortController();
    const signal = AbortSignal.any([options.signal, halt.signal]);
    const held = new Map<string, HeldJob>();
    const summary = { jobs: 0, succeeded: 0, notSucceeded: 0, handedBack: 0 };

    const sweep = async (): Promise<void> => {
      try {
        // A job cancelled by its coordinator, or failed as dead and handed to another worker, is no longer
        // this worker's: its run stops (ending cancelled) instead of racing the new holder.
        const lost = await queue.lost([...held.values()].map((h) => h.activation));
        for (const id of lost) {
          held
            .get(id)
            ?.controller.abort(new AssetError("cancelled", `job ${id} was cancelled or taken over`));
        }
        // Stalled past its lease (a blocked event loop), this worker was taken for dead and its jobs
        // handed on: any job it claims now would be handed on at once, so it stops and says why.
        const self = await lake.catalog.getRun(workerRunId);
        if (self.status !== "running" && !halt.signal.aborted) {
          halt.abort(
            new AssetError(
              "asset_failed",
              `this worker's run ${workerRunId} was marked ${self.status}${self.error ? ` (${self.error.message})` : ""}: its jobs went to other workers`,
              {
                details: { runId: workerRunId },
                hint: "Start the worker again; a stall longer than a run lease (a minute) makes a worker look dead",
              },
            ),
          );
        }
        const failed = await failDeadJobs(lake, queue);
        if (failed.length > 0) log(`handed ${failed.length} job(s) of dead workers back to the queue`);
      } catch (error) {
        log(`liveness sweep failed: ${(error as Error).message}`);
      }
    };
    let sweeping: Promise<void> | undefined;
    const timer = setInterval(() => {
      sweeping ??= sweep().finally(() => (sweeping = undefined));
    }, options.livenessIntervalMs ?? 5000);

    const handle = async (job: ActiveJob): Promise<void> => {
      summary.jobs++;
      let request: JobRequest;
      try {
        request = parseJobData(job.data, job.id);
        graph.get(request.key);
      } catch (error) {
        // Another worker (same version and configuration as the coordinator) may know it: pg-boss retries it.
        const { code, message } = describe(error);
        log(`job ${job.id} refused: ${message}`);
        summary.notSucceeded++;
        await queue.fail(job, { code, message: `worker ${hostname()}:${process.pid}: ${message}` });
        return;
      }
      const what = request.partition === undefined ? request.key : `${request.key} [${request.partition}]`;
      const controller = new AbortController();
      const stop = (): void => controller.abort(signal.reason);
      signal.addEventListener("abort", stop, { once: true });
      held.set(job.id, { activation: job, controller });
      try {
        const outcome = await options.materialize(request, controller.signal, (line) =>
          log(`${what}: ${line}`),
        );
        if (outcome.status === "succeeded") summary.succeeded++;
        else summary.notSucceeded++;
        if (outcome.status === "cancelled" && signal.aborted) {
          // Stopped by this worker's shutdown, not by the coordinator: another worker takes it over.
          if (await queue.fail(job, { code: "cancelled", message: "the worker stopped during the run" })) {
            summary.handedBack++;
            log(`${what}: stopped; job ${job.id} goes back to the queue`);
          }
          return;
        }
        const completed = await queue.complete(job, outcome);
        log(
          completed
            ? `${what}: ${outcome.status} in ${outcome.durationMs} ms`
            : `${what}: ${outcome.status}; job ${job.id} was no longer this worker's, left as it is`,
        );
      } catch (error) {
        // Not the asset's failure (that ends in an outcome): the worker's own, such as a lost database.
        summary.notSucceeded++;
        const { code, message } = describe(error);
        log(`${what}: ${message}`);
        await queue.fail(job, { code, message }).catch((e: Error) => log(`job ${job.id}: ${e.message}`));
      } finally {
        held.delete(job.id);
        signal.removeEventListener("abort", stop);
      }
    };

    const loop = async (): Promise<void> => {
      while (!signal.aborted) {
        let job: ActiveJob | undefined;
        try {
          job = await queue.fetch();
          if (job !== undefined) await queue.claim(job, workerRunId);
        } catch (error) {
          log(`fetching a job failed: ${(error as Error).message}`);
        }
        if (job === undefined) {
          await sleep(options.pollIntervalMs ?? 1000, undefined, { signal }).catch(() => undefined);
          continue;
        }
        await handle(job);
      }
    };

    try {
      await Promise.all(Array.from({ length: options.concurrency }, loop));
    } finally {
      clearInterval(timer);
      await sweeping;
    }
    if (halt.signal.aborted) {
      halted = halt.signal.reason;
      throw halted;
    }
    return summary;
  };

  try {
    // The worker's own run is its heartbeat: while the process lives its lease is renewed, and the jobs
    // it holds name it, so any process can tell when the holder of a job is gone (see failDeadJobs).
    const { result } = await lake.withRun(
      WORKER_STEP,
      { parameters: { queue: ASSET_QUEUE, schema: queue.schema, concurrency: options.concurrency } },
      (run) => serve(run.id),
    );
    return result;
  } catch (error) {
    throw halted ?? error;
  } finally {
    await queue.close();
  }
}

function describe(error: unknown): { code: string; message: string } {
  const shaped = error as { code?: unknown; message?: unknown };
  return {
    code: typeof shaped.code === "string" ? shaped.code : "internal_error",
    message: typeof shaped.message === "string" ? shaped.message : String(error),
  };
}
