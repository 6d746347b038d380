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

function logEvent(event: MaterializeEvent, log: (line: string) => void): void {
  switch (event.kind) {
    case "started":
      log(`attempt ${event.attempt} started`);
      break;
    case "retrying":
      log(`attempt ${event.attempt} failed (${event.error}); retrying in ${event.delayMs} ms`);
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
