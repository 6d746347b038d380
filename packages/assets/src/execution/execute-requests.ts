import { randomUUID } from "node:crypto";
import { AssetError } from "../asset-error.js";
import type { MaterializeEvent } from "../asset-service.js";
import type { AssetKey } from "../graph/asset-definition.js";
import type { AssetGraph } from "../graph/asset-graph.js";
import type { PartitionRunner } from "../runners/partition-runner.js";
import type { MaterializationRequest, RequestOutcome } from "./materialization-request.js";

export interface ExecuteRequestsOptions {
  readonly graph: AssetGraph;
  readonly runner: PartitionRunner;
  /** Requests running at once, at most (each asset also keeps to its own `concurrency`, default 1). */
  readonly concurrency: number;
  /** Aborting cancels the running requests and every request not started yet. */
  readonly signal?: AbortSignal;
  /** A `finished` event per request (skipped ones included), plus whatever the runner reports. */
  readonly onEvent?: (event: MaterializeEvent) => void;
}

/** How a request reads an upstream asset's requests: its own partition only, or all of them. */
type Reach = "same" | "all";

interface Item {
  readonly index: number;
  readonly request: MaterializationRequest & { readonly requestId: string };
  readonly limit: number;
  /** Upstream requests and groups still to finish before this one may start. */
  blockers: number;
  /** The first upstream request that ended other than succeeded. */
  failedUpstream: number | undefined;
  /** Requests (by index) and asset groups (by key) waiting on this one. */
  readonly dependents: number[];
  outcome: RequestOutcome | undefined;
  started: boolean;
}

interface Group {
  remaining: number;
  failed: number | undefined;
  readonly dependents: number[];
}

/**
 * Runs a batch of requests in dependency order: a request waits for every request of the batch on an asset
 * upstream of its own (transitively, through assets outside the batch too); through identity mappings only
 * for its own partition, otherwise for all of that asset's requests. At most `concurrency` requests run at
 * once, and at most `asset.concurrency ?? 1` per asset. A request whose upstream request did not succeed is
 * `skipped` without running: nothing is recorded for it, so its previous materialization stays the latest.
 * Each request gets a fresh request id unless it carries one. Outcomes come back in the order of `requests`.
 *
 * @example const outcomes = await executeRequests(plan, { graph, runner: new InProcessPartitionRunner(…), concurrency: 4 });
 */
export async function executeRequests(
  requests: readonly MaterializationRequest[],
  options: ExecuteRequestsOptions,
): Promise<RequestOutcome[]> {
  const { graph, runner } = options;
  const concurrency = options.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new AssetError(
      "invalid_input",
      `concurrency must be a whole number of at least 1, got ${concurrency}`,
      {
        details: { concurrency },
      },
    );
  }
  const signal = options.signal ?? new AbortController().signal;
  const items: Item[] = requests.map((request, index) => ({
    index,
    request: {
      ...request,
      requestId: (request as { requestId?: string }).requestId ?? randomUUID(),
    },
    limit: Math.max(1, Math.floor(graph.get(request.key).concurrency ?? 1)),
    blockers: 0,
    failedUpstream: undefined,
    dependents: [],
    outcome: undefined,
    started: false,
  }));
  const groups = linkDependencies(graph, items);

  const ready = new Map<AssetKey, Item[]>();
  const runningPerAsset = new Map<AssetKey, number>();
  const running = new Set<Promise<void>>();
  let done = 0;

  // Settling one request can settle (skip) a chain of others: a queue rather than recursion keeps long
  // chains off the stack.
  const settle = (first: Item, outcome: RequestOutcome): void => {
    const queue: [Item, RequestOutcome][] = [[first, outcome]];
    while (queue.length > 0) {
      const [item, result] = queue.shift() as [Item, RequestOutcome];
      item.outcome = result;
      done++;
      options.onEvent?.({ kind: "finished", outcome: result });
      const failed = result.status === "succeeded" ? undefined : item.index;
      const release = (dependent: number, failedIndex: number | undefined): void => {
        const next = items[dependent]!;
        if (failedIndex !== undefined && next.failedUpstream === undefined) next.failedUpstream = failedIndex;
        next.blockers--;
        // Cancelled before it could start: its outcome is already decided.
        if (next.blockers > 0 || next.started) return;
        if (next.failedUpstream !== undefined) {
          queue.push([next, skippedOutcome(next, items[next.failedUpstream]!)]);
        } else {
          enqueue(next);
        }
      };
      for (const dependent of item.dependents) release(dependent, failed);
      const group = groups.get(item.request.key);
      if (group) {
        group.remaining--;
        if (failed !== undefined && group.failed === undefined) group.failed = failed;
        if (group.remaining === 0) for (const dependent of group.dependents) release(dependent, group.failed);
      }
    }
  };

  const enqueue = (item: Item): void => {
    const queue = ready.get(item.request.key);
    if (queue) queue.push(item);
    else ready.set(item.request.key, [item]);
  };

  /** The ready request that comes first in the batch among assets with a free slot. */
  const nextReady = (): Item | undefined => {
    let best: Item | undefined;
    for (const [key, queue] of ready) {
      const head = queue[0];
      if (!head) continue;
      if ((runningPerAsset.get(key) ?? 0) >= head.limit) continue;
      if (best === undefined || head.index < best.index) best = head;
    }
    return best;
  };

  const launch = (item: Item): void => {
    ready.get(item.request.key)?.shift();
    item.started = true;
    const key = item.request.key;
    runningPerAsset.set(key, (runningPerAsset.get(key) ?? 0) + 1);
    const began = Date.now();
    const task = runner
      .run(item.request, signal)
      .catch((error: unknown): RequestOutcome => ({
        request: item.request,
        status: signal.aborted ? "cancelled" : "failed",
        attempts: 0,
        durationMs: Date.now() - began,
        error: describeError(error),
      }))
      .then((outcome) => {
        runningPerAsset.set(key, (runningPerAsset.get(key) ?? 1) - 1);
        running.delete(task);
        settle(item, outcome);
      });
    running.add(task);
  };

  const schedule = async (abort: Promise<void>): Promise<void> => {
    while (done < items.length) {
      if (signal.aborted) {
        const unstarted = items.filter((item) => !item.started && !item.outcome);
        // Marked first, so settling one does not skip another that is being cancelled too.
        for (const item of unstarted) item.started = true;
        for (const item of unstarted) settle(item, cancelledOutcome(item));
        ready.clear();
      }
      let next = signal.aborted ? undefined : nextReady();
      while (next !== undefined && running.size < concurrency) {
        launch(next);
        next = nextReady();
      }
      if (running.size === 0) {
        // Nothing runs and nothing can start: only possible if the batch waits on itself, which the graph's
        // cycle check rules out. Fail loudly rather than hang.
        if (done < items.length) throw new Error("executeRequests: requests are waiting on each other");
        break;
      }
      // Once aborted, `abort` is settled for good: racing it again would return at once, every time,
      // and spin this loop on microtasks (never yielding to the event loop that ends the running
      // tasks, allocating until the heap runs out). From then on wait for the running tasks only.
      await Promise.race(signal.aborted ? [...running] : [...running, abort]);
    }
  };

  for (const item of items) if (item.blockers === 0) enqueue(item);
  const abort = whenAborted(signal);
  try {
    await schedule(abort.promise);
  } finally {
    // A daemon passes one long-lived signal to every batch: leave no listener behind on it.
    abort.dispose();
  }
  return items.map((item) => item.outcome as RequestOutcome);
}

/**
 * Counts each item's blockers and registers it with the requests and groups it waits on. Returns the
 * groups (all requests of one asset) that some item waits on as a whole.
 */
function linkDependencies(graph: AssetGraph, items: Item[]): Map<AssetKey, Group> {
  const byKey = new Map<AssetKey, Item[]>();
  const byPartition = new Map<string, Item[]>();
  for (const item of items) {
    const { key, partition } = item.request;
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(item);
    const id = `${key}\u0000${partition ?? ""}`;
    (byPartition.get(id) ?? byPartition.set(id, []).get(id)!).push(item);
  }
  const reachCache = new Map<AssetKey, Map<AssetKey, Reach>>();
  const groups = new Map<AssetKey, Group>();
  for (const item of items) {
    const { key, partition } = item.request;
    let reach = reachCache.get(key);
    if (!reach) {
      reach = upstreamReach(graph, key);
      reachCache.set(key, reach);
    }
    for (const [upstream, how] of reach) {
      const members = byKey.get(upstream);
      if (!members) continue;
      if (how === "same" && partition !== undefined) {
        for (const other of byPartition.get(`${upstream}\u0000${partition}`) ?? []) {
          other.dependents.push(item.index);
          item.blockers++;
        }
      } else {
        let group = groups.get(upstream);
        if (!group) {
          group = { remaining: members.length, failed: undefined, dependents: [] };
          groups.set(upstream, group);
        }
        group.dependents.push(item.index);
        item.blockers++;
      }
    }
  }
  return groups;
}

/**
 * Every asset upstream of `key`, transitively, with how a partition of `key` reaches it: `same` when
 * every dependency on the way maps identity, `all` as soon as one maps all or latest (when two paths
 * disagree, `all` wins: it waits for more).
 */
function upstreamReach(graph: AssetGraph, key: AssetKey): Map<AssetKey, Reach> {
  const reach = new Map<AssetKey, Reach>();
  const visit = (from: AssetKey, how: Reach): void => {
    for (const upstream of graph.upstreamOf(from)) {
      const step: Reach = how === "same" && graph.mappingOf(from, upstream) === "identity" ? "same" : "all";
      const seen = reach.get(upstream);
      if (seen === "all" || seen === step) continue;
      reach.set(upstream, step);
      visit(upstream, step);
    }
  };
  visit(key, "same");
  return reach;
}

function skippedOutcome(item: Item, upstream: Item): RequestOutcome {
  const status = upstream.outcome?.status ?? "failed";
  const what =
    status === "skipped"
      ? "was skipped"
      : status === "busy"
        ? "is already being materialized elsewhere"
        : status === "cancelled"
          ? "was cancelled"
          : "failed";
  const name =
    upstream.request.partition === undefined
      ? upstream.request.key
      : `${upstream.request.key} [${upstream.request.partition}]`;
  return {
    request: item.request,
    status: "skipped",
    attempts: 0,
    durationMs: 0,
    error: { code: "upstream_failed", message: `upstream ${name} ${what}` },
  };
}

function cancelledOutcome(item: Item): RequestOutcome {
  return {
    request: item.request,
    status: "cancelled",
    attempts: 0,
    durationMs: 0,
    error: { code: "cancelled", message: "cancelled before it started" },
  };
}

/** Resolves when `signal` aborts (never when it does not), so the scheduling loop wakes up to cancel. */
function whenAborted(signal: AbortSignal): { promise: Promise<void>; dispose: () => void } {
  if (signal.aborted) return { promise: Promise.resolve(), dispose: () => undefined };
  let listener: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    listener = () => resolve();
    signal.addEventListener("abort", listener, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener("abort", listener) };
}

function describeError(error: unknown): { code: string; message: string } {
  const shaped = error as { code?: unknown; message?: unknown } | null;
  return {
    code: typeof shaped?.code === "string" ? shaped.code : "internal_error",
    message: typeof shaped?.message === "string" ? shaped.message : String(error),
  };
}
