import type { Lake, ProgressListener } from "@omicslake/core";
import type { MaterializeEvent } from "../../asset-service.js";
import type { AssetGraph } from "../../graph/asset-graph.js";
import type { ExecutionClock } from "../../execution/execution-clock.js";
import { materializePartition } from "../../execution/materialize-partition.js";
import type { MaterializationRequest, RequestOutcome } from "../../execution/materialization-request.js";
import type { AssetStateStore } from "../../state/asset-state-store.js";
import type { PartitionRunner } from "../partition-runner.js";

export interface InProcessPartitionRunnerOptions {
  readonly lake: Lake;
  readonly graph: AssetGraph;
  readonly store: AssetStateStore;
  readonly clock?: ExecutionClock;
  readonly onEvent?: (event: MaterializeEvent) => void;
  readonly onProgress?: ProgressListener;
}

/**
 * Runs each asset-partition in this process: the runner of the embedded catalog, and of a PostgreSQL lake
 * when no workers are wanted. Closing it cancels what is still running.
 */
export class InProcessPartitionRunner implements PartitionRunner {
  readonly kind = "in-process" as const;
  readonly #options: InProcessPartitionRunnerOptions;
  readonly #closing = new AbortController();

  constructor(options: InProcessPartitionRunnerOptions) {
    this.#options = options;
  }

  run(
    request: MaterializationRequest & { readonly requestId: string },
    signal: AbortSignal,
  ): Promise<RequestOutcome> {
    return materializePartition({
      lake: this.#options.lake,
      graph: this.#options.graph,
      store: this.#options.store,
      request,
      signal: AbortSignal.any([signal, this.#closing.signal]),
      ...(this.#options.clock ? { clock: this.#options.clock } : {}),
      ...(this.#options.onEvent ? { onEvent: this.#options.onEvent } : {}),
      ...(this.#options.onProgress ? { onProgress: this.#options.onProgress } : {}),
    });
  }

  close(): Promise<void> {
    this.#closing.abort(new Error("the in-process runner was closed"));
    return Promise.resolve();
  }
}
