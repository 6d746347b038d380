import type { AssetKey } from "../graph/asset-definition.js";
import type { RequestOrigin } from "../state/materialization-record.js";

/** One asset-partition to materialize, and why. */
export interface MaterializationRequest {
  readonly key: AssetKey;
  /** `undefined` for an unpartitioned asset. */
  readonly partition: string | undefined;
  readonly origin: RequestOrigin;
  /** In words: `selected by --select geo/*`, `eager: upstream geo/raw has a newer version`. */
  readonly reason: string;
}

export type RequestOutcomeStatus = "succeeded" | "failed" | "skipped" | "busy" | "cancelled";

/** How one request ended. */
export interface RequestOutcome {
  readonly request: MaterializationRequest;
  readonly status: RequestOutcomeStatus;
  /** The final attempt's record (absent when skipped before starting, or busy). */
  readonly materializationId?: number;
  readonly runId?: number;
  readonly attempts: number;
  readonly dataVersion?: string;
  readonly durationMs: number;
  /** Why it failed, was skipped (`upstream geo/processed failed`) or found busy. */
  readonly error?: { readonly code: string; readonly message: string };
}
