import { createHash, randomUUID } from "node:crypto";
import type { Lake, ProgressListener } from "@omicslake/core";
import type { MaterializeEvent } from "../asset-service.js";
import type {
  AssetDefinition,
  InputVersion,
  MaterializeResult,
  RetryPolicy,
} from "../graph/asset-definition.js";
import type { AssetGraph } from "../graph/asset-graph.js";
import { resolvePartitionKeys } from "../partitions/resolve-partition-keys.js";
import type { AssetStateStore } from "../state/asset-state-store.js";
import { versionSeenBy, type MaterializationRecord } from "../state/materialization-record.js";
import { SYSTEM_CLOCK, type ExecutionClock } from "./execution-clock.js";
import type { MaterializationRequest, RequestOutcome } from "./materialization-request.js";

export interface MaterializePartitionOptions {
  readonly lake: Lake;
  readonly graph: AssetGraph;
  readonly store: AssetStateStore;
  readonly request: MaterializationRequest & { readonly requestId: string };
  /** Aborting stops the attempt under way (its run and materialization end `cancelled`) or the wait before a retry. */
  readonly signal: AbortSignal;
  /** The time the retry delays are measured by; tests pass a fake one. */
  readonly clock?: ExecutionClock;
  /**
   * `started` (once an attempt holds its asset-partition), `retrying` and `log` events; the caller that
   * collects outcomes reports `finished`.
   */
  readonly onEvent?: (event: MaterializeEvent) => void;
  /** The asset's progress events, also kept in its run's row. */
  readonly onProgress?: ProgressListener;
}

/** The run step every asset materialization is recorded under; `runs ls --asset KEY` narrows it. */
export const ASSET_RUN_STEP = "asset";

/**
 * Error codes that another attempt cannot fix: the configuration or the command is wrong, or the caller
 * stopped. Everything else (a network failure, a busy server, a killed process) is worth a retry.
 */
const FINAL_CODES = new Set(["usage", "config_error", "invalid_source_config", "cancelled"]);

/**
 * Materializes one asset-partition to its end: each attempt is a run of its own (`lake.withRun`) and a
 * materialization record that names the upstream versions it read; a failed attempt is retried after the
 * asset's backoff, unless the error is final. The one code path every runner uses, whether the request
 * runs in this process or on a pg-boss worker of another machine, so both give the same records.
 *
 * Outcomes: `succeeded`; `failed` (every attempt failed, or a final error; the previous materialization
 * stays the latest); `busy` (another attempt of the same asset-partition is running: not retried, not
 * failed); `cancelled` (the signal aborted).
 *
 * @example const outcome = await materializePartition({ lake, graph, store, request: { ...request, requestId: randomUUID() }, signal });
 */
export async function materializePartition(options: MaterializePartitionOptions): Promise<RequestOutcome> {
  const { graph, request, signal } = options;
  const clock = options.clock ?? SYSTEM_CLOCK;
  const asset = graph.get(request.key);
  const maxAttempts = Math.max(0, Math.floor(asset.retry.maxRetries)) + 1;
  const began = clock.now().getTime();
  const outcome = (
    status: RequestOutcome["status"],
    attempts: number,
    last: AttemptResult | undefined,
  ): RequestOutcome => ({
    request,
    status,
    attempts,
    durationMs: Math.max(0, clock.now().getTime() - began),
    ...(last?.record ? { materializationId: last.record.id } : {}),
    ...(last?.runId !== undefined ? { runId: last.runId } : {}),
    ...(last?.record?.dataVersion ? { dataVersion: last.record.dataVersion } : {}),
    ...(last?.error ? { error: last.error } : {}),
  });

  let last: AttemptResult | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (signal.aborted) return outcome("cancelled", attempt - 1, cancelledResult(last, request.key));
    last = await runAttempt(options, asset, attempt, maxAttempts, last, clock);
    if (last.status !== "failed") return outcome(last.status, attempt, last);
    const error = last.error ?? { code: "internal_error", message: "failed" };
    if (attempt === maxAttempts || FINAL_CODES.has(error.code)) return outcome("failed", attempt, last);
    const delayMs = retryDelay(asset.retry, attempt);
    options.onEvent?.({ kind: "retrying", request, attempt: attempt + 1, delayMs, error: error.message });
    options.onEvent?.({
      kind: "log",
      request,
      line: `attempt ${attempt} of ${maxAttempts} failed (${error.code}: ${error.message}); retrying in ${formatDelay(delayMs)}`,
    });
    try {
      await clock.sleep(delayMs, signal);
    } catch (sleepError) {
      if (signal.aborted) return outcome("cancelled", attempt, cancelledResult(last, request.key));
      throw sleepError;
    }
  }
  // Unreachable: the last attempt returns above.
  return outcome("failed", maxAttempts, last);
}

/** The delay before attempt `failedAttempt + 1`: `delayMs`, doubled per further retry when exponential, capped. */
export function retryDelay(policy: RetryPolicy, failedAttempt: number): number {
  const factor = policy.backoff === "exponential" ? 2 ** (failedAttempt - 1) : 1;
  return Math.max(0, Math.min(policy.maxDelayMs, policy.delayMs * factor));
}

interface AttemptResult {
  readonly status: "succeeded" | "failed" | "busy" | "cancelled";
  readonly record?: MaterializationRecord;
  readonly runId?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

function cancelledResult(last: AttemptResult | undefined, key: string): AttemptResult {
  return {
    ...last,
    status: "cancelled",
    error: { code: "cancelled", message: `materializing ${key} was cancelled` },
  };
}

async function runAttempt(
  options: MaterializePartitionOptions,
  asset: AssetDefinition,
  attempt: number,
  maxAttempts: number,
  previous: AttemptResult | undefined,
  clock: ExecutionClock,
): Promise<AttemptResult> {
  const { lake, graph, store, request, signal } = options;
  let record: MaterializationRecord | undefined;
  let runId: number | undefined;
  try {
    // Read before the run starts, so a busy asset-partition is told without recording a failed run;
    // store.start() still decides, for two processes that both get here at once.
    // Narrow reads only: a backfill of thousands of partitions must not read every partition per request.
    const running = await store.list({
      key: asset.key,
      ...(request.partition !== undefined ? { partition: request.partition } : {}),
      status: "running",
      limit: 1,
    });
    if (running.items.length > 0) {
      // Its process may have died without the lake noticing yet: a dead run frees the partition. The
      // snapshot tells a live holder from one whose run has ended.
      await lake.abandonDeadRuns();
      const holder = (await store.snapshot([asset.key])).get(asset.key, request.partition).running;
      if (holder) return { status: "busy", error: busyError(request, holder) };
    }
    const inputs = await readInputs(graph, store, asset, request.partition, clock.now());
    const { result } = await lake.withRun(
      ASSET_RUN_STEP,
      {
        parameters: {
          asset: request.key,
          partition: request.partition ?? null,
          attempt,
          requestId: request.requestId,
        },
        signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      async (run, step) => {
        runId = run.id;
        const log = (line: string): void => {
          run.log(line);
          options.onEvent?.({ kind: "log", request, line });
        };
        record = await store.start({
          key: request.key,
          partition: request.partition,
          runId: run.id,
          inputs,
          attempt,
          origin: request.origin,
          reason: request.reason,
          requestId: request.requestId,
        });
        options.onEvent?.({ kind: "started", request, attempt });
        log(
          `materializing ${describe(request)}, attempt ${attempt} of ${maxAttempts}: ${request.reason}` +
            (previous?.error ? ` (attempt ${attempt - 1} failed: ${previous.error.message})` : ""),
        );
        try {
          const produced = await asset.materialize({
            lake,
            key: request.key,
            partition: request.partition,
            attempt,
            signal,
            inputs,
            log,
            onProgress: (event) => step.progress(event),
          });
          const dataVersion = dataVersionOf(produced);
          const finished = await store.finish(record.id, {
            status: "succeeded",
            dataVersion,
            outputs: produced.outputs,
            ...(produced.metadata ? { metadata: produced.metadata } : {}),
          });
          log(`materialized ${describe(request)}: data version ${dataVersion}`);
          return finished;
        } catch (error) {
          const described = describeError(error);
          log(`${signal.aborted ? "cancelled" : "failed"}: ${described.code}: ${described.message}`);
          await store.finish(record.id, {
            status: signal.aborted ? "cancelled" : "failed",
            error: described,
          });
          throw error;
        }
      },
    );
    return { status: "succeeded", record: result, ...(runId !== undefined ? { runId } : {}) };
  } catch (error) {
    const described = describeError(error);
    const status =
      described.code === "asset_busy"
        ? "busy"
        : signal.aborted || described.code === "cancelled"
          ? "cancelled"
          : "failed";
    // The record as finished, for its id; the in-flight one if finishing failed.
    const finished = record ? ((await store.get(record.id)) ?? record) : undefined;
    return {
      status,
      error: described,
      ...(finished ? { record: finished } : {}),
      ...(runId !== undefined ? { runId } : {}),
    };
  }
}

/**
 * The upstream versions this partition reads now, per dependency mapping: the same partition (identity),
 * every materialized partition (all), or the upstream's latest partition (latest). An upstream partition
 * never materialized is left out; the asset decides whether it can do without it.
 */
async function readInputs(
  graph: AssetGraph,
  store: AssetStateStore,
  asset: AssetDefinition,
  partition: string | undefined,
  now: Date,
): Promise<InputVersion[]> {
  const inputs: InputVersion[] = [];
  const add = (record: MaterializationRecord | undefined): void => {
    if (!record) return;
    inputs.push({
      key: record.key,
      partition: record.partition,
      // As this partition sees it, so automation compares like with like (see versionSeenBy).
      dataVersion: versionSeenBy(record, partition) ?? "",
      materializationId: record.id,
    });
  };
  /** The latest success of one upstream partition (of the asset, for an unpartitioned upstream). */
  const latestOf = async (key: string, upstreamPartition: string | undefined) =>
    (
      await store.list({
        key,
        ...(upstreamPartition !== undefined ? { partition: upstreamPartition } : {}),
        status: "succeeded",
        limit: 1,
      })
    ).items[0];
  for (const dep of asset.deps) {
    const upstream = graph.get(dep.key);
    const mapping = graph.mappingOf(asset.key, dep.key);
    if (!upstream.partitions) {
      add(await latestOf(dep.key, undefined));
    } else if (mapping === "identity" && partition !== undefined) {
      add(await latestOf(dep.key, partition));
    } else if (mapping === "latest") {
      const last = (await resolvePartitionKeys(upstream.partitions, now)).at(-1);
      if (last !== undefined) add(await latestOf(dep.key, last));
    } else {
      const snapshot = await store.snapshot([dep.key]);
      for (const p of snapshot.partitionsOf(dep.key).sort(compareKeys)) add(snapshot.get(dep.key, p).latest);
    }
  }
  return inputs;
}

/** The version the asset gave; else a hash of what it wrote (same outputs, same version); else a fresh one. */
export function dataVersionOf(result: MaterializeResult): string {
  if (result.dataVersion !== undefined && result.dataVersion !== "") return result.dataVersion;
  if (result.outputs.length > 0) {
    return createHash("sha256").update(canonicalJson(result.outputs)).digest("hex");
  }
  return randomUUID();
}

/** JSON with object keys sorted at every level, so equal values always hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function compareKeys(a: string | undefined, b: string | undefined): number {
  return (a ?? "") < (b ?? "") ? -1 : (a ?? "") > (b ?? "") ? 1 : 0;
}

function describe(request: MaterializationRequest): string {
  return request.partition === undefined ? request.key : `${request.key} [${request.partition}]`;
}

function busyError(
  request: MaterializationRequest,
  holder: MaterializationRecord,
): { code: string; message: string } {
  return {
    code: "asset_busy",
    message: `${describe(request)} is already being materialized by run ${holder.runId ?? "?"} (materialization ${holder.id})`,
  };
}

/** The code and message of any error: ours carry a code; others count as internal. */
function describeError(error: unknown): { code: string; message: string } {
  const shaped = error as { code?: unknown; message?: unknown } | null;
  const code = typeof shaped?.code === "string" ? shaped.code : "internal_error";
  const message = typeof shaped?.message === "string" ? shaped.message : String(error);
  return { code, message };
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
