import { materializePartition } from "../../execution/materialize-partition.js";
import type { MaterializeEvent } from "../../asset-service.js";
import { workAssetJobs, type AssetWorkerOptions, type AssetWorkerSummary } from "./work-asset-jobs.js";

/**
 * An `omicslake worker`: takes asset-partition jobs from the pg-boss queue until `signal` aborts and
 * runs each with `materializePartition`, the code path the in-process runner uses too, so a job gives
 * the same attempts, retries and records wherever it runs. Resolves once stopped.
 *
 * @example
 * const stop = new AbortController();
 * process.once("SIGTERM", () => stop.abort());
 * await runAssetWorker({ lake, graph, store, connectionString: url, concurrency: 2, signal: stop.signal, log: console.log });
 */
export function runAssetWorker(options: AssetWorkerOptions): Promise<AssetWorkerSummary> {
  const { lake, graph, store } = options;
  return workAssetJobs({
    ...options,
    materialize: (request, signal, log) =>
      materializePartition({ lake, graph, store, request, signal, onEvent: (event) => logEvent(event, log) }),
  });
}

/** What the worker prints of one materialization event (exported for its test). */
export function logEvent(event: MaterializeEvent, log: (line: string) => void): void {
  switch (event.kind) {
    case "started":
      log(`attempt ${event.attempt} started`);
      break;
    case "retrying":
      // Already told by the "log" line that follows it ("attempt 1 of 3 failed (…); retrying in 1 s");
      // the event's attempt is the one about to start, so echoing it as the failed one was off by one.
      break;
    case "log":
      log(event.line);
      break;
    case "planned":
    case "finished":
      // The worker logs the outcome itself, with the job's fate.
      break;
  }
}
