import type { Lake } from "@omicslake/core";
import type { AssetGraph } from "./graph/asset-graph.js";
import type { AssetKey } from "./graph/asset-definition.js";
import type { MaterializationRequest, RequestOutcome } from "./execution/materialization-request.js";
import type { MaterializationRecord, RequestOrigin } from "./state/materialization-record.js";
import type { AssetStateStore } from "./state/asset-state-store.js";

/** How one asset stands now, as `assets ls` and `GET /v1/assets` show it. */
export interface AssetStatusView {
  readonly key: AssetKey;
  readonly description: string;
  readonly group: string;
  readonly tags: readonly string[];
  readonly deps: readonly AssetKey[];
  /** `null` for an unpartitioned asset. */
  readonly partitions: {
    readonly kind: "static" | "time" | "dynamic";
    readonly name: string;
    readonly count: number;
    readonly materialized: number;
    readonly latest: string | null;
  } | null;
  readonly automation: string;
  readonly lastMaterialization: {
    readonly id: number;
    readonly partition: string | null;
    readonly status: string;
    readonly dataVersion: string | null;
    readonly startedAt: string;
    readonly finishedAt: string | null;
    readonly runId: number | null;
  } | null;
  /** missing: never materialized; partial: some partitions missing; failed: the last attempt failed. */
  readonly status: "materialized" | "partial" | "missing" | "running" | "failed";
  /** An upstream has a newer data version than the one its materialization read. */
  readonly stale: boolean;
  readonly staleReasons: readonly string[];
}

export interface PartitionStatusView {
  readonly partition: string | null;
  readonly status: "materialized" | "missing" | "running" | "failed";
  readonly dataVersion: string | null;
  readonly materializationId: number | null;
  readonly finishedAt: string | null;
  readonly stale: boolean;
}

export interface AssetDetailView extends AssetStatusView {
  readonly downstream: readonly AssetKey[];
  readonly retry: { readonly maxRetries: number; readonly delayMs: number; readonly backoff: string };
  readonly partitionStatuses: readonly PartitionStatusView[];
  readonly recent: readonly MaterializationRecord[];
}

export interface MaterializeInput {
  /** Selections (keys, globs, `+key`, `key+`, `tag:NAME`); every asset but `lake/backup` when empty. */
  readonly select?: readonly string[];
  /** Partition keys to run (each must exist in every selected partitioned asset); all when empty. */
  readonly partitions?: readonly string[];
  /** Add every asset downstream of the selection. */
  readonly downstream?: boolean;
  readonly origin: RequestOrigin;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: MaterializeEvent) => void;
}

export type MaterializeEvent =
  | { readonly kind: "planned"; readonly requests: readonly MaterializationRequest[] }
  | { readonly kind: "started"; readonly request: MaterializationRequest; readonly attempt: number }
  | {
      readonly kind: "retrying";
      readonly request: MaterializationRequest;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: string;
    }
  | { readonly kind: "finished"; readonly outcome: RequestOutcome }
  | { readonly kind: "log"; readonly request: MaterializationRequest; readonly line: string };

export interface MaterializeReport {
  readonly outcomes: readonly RequestOutcome[];
  readonly failed: boolean;
}

/**
 * The asset graph of one lake and configuration, with its state: what the CLI's `assets`, `materialize`,
 * `daemon` and `worker` commands and the REST routes call. Opened by `openAssetService(lake, config)`.
 */
export interface AssetService {
  readonly lake: Lake;
  readonly graph: AssetGraph;
  readonly store: AssetStateStore;
  /** "in-process", or "pg-boss" when the catalog is a PostgreSQL server and `[automation] runner` allows it. */
  readonly runnerKind: "in-process" | "pg-boss";
  list(): Promise<AssetStatusView[]>;
  show(key: AssetKey): Promise<AssetDetailView>;
  /** The graph as text (an indented tree), Graphviz DOT or Mermaid. */
  render(format: "text" | "dot" | "mermaid"): Promise<string>;
  /** In words, why `key` will or will not run at the next evaluation. */
  why(key: AssetKey, now?: Date): Promise<string>;
  /** Plans the requests of `input` (dependency order), runs them and waits for all to end. */
  materialize(input: MaterializeInput): Promise<MaterializeReport>;
  /** Plans like `materialize` and starts the runs without waiting; returns the planned requests. */
  submit(input: MaterializeInput): Promise<readonly MaterializationRequest[]>;
  close(): Promise<void>;
}
