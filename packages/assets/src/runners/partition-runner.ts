import type { MaterializationRequest, RequestOutcome } from "../execution/materialization-request.js";

/**
 * The one extension point between the executor (which orders requests, bounds parallelism and skips the
 * downstream of a failure) and where an asset-partition actually runs: in this process (`in-process/`),
 * or on any worker process of any machine through a pg-boss queue on PostgreSQL (`pg-boss/`). Every runner
 * gives the same outcome for the same request: the attempts, retries with backoff and the recorded
 * materialization are the same code (`materializePartition`), only its host differs.
 */
export interface PartitionRunner {
  readonly kind: "in-process" | "pg-boss";
  /** Runs one asset-partition to its end (retries included) and says how it ended. */
  run(
    request: MaterializationRequest & { readonly requestId: string },
    signal: AbortSignal,
  ): Promise<RequestOutcome>;
  close(): Promise<void>;
}
