import { ASSET_KEY_REGEX, type Lake, type ProgressEvent } from "@omicslake/core";
import type { AutomationCondition } from "../conditions/automation-condition.js";
import type { PartitionsDefinition } from "../partitions/partitions-definition.js";

/**
 * An asset's key: lower-case segments of letters, digits, `_`, `.` and `-` joined by `/`, the flow's
 * name first (`geo/raw`, `geo/processed`, `metadata/curated`, `lake/backup`). Keys are what users type
 * in selections and what runs, materializations and the REST API name.
 */
export type AssetKey = string;

/** The config checks `[asset."KEY"]` tables with the same pattern. */
export const ASSET_KEY_PATTERN = ASSET_KEY_REGEX;

/**
 * How an asset's partitions read an upstream asset's partitions.
 * - `identity`: partition P reads the upstream's partition P (both share one partitions definition);
 * - `all`: each partition (or the unpartitioned asset) reads every upstream partition;
 * - `latest`: each partition reads the upstream's latest partition only.
 * When `mapping` is left out: identity when both are partitioned alike, else `all`.
 */
export type PartitionMapping = "identity" | "all" | "latest";

export interface AssetDependency {
  readonly key: AssetKey;
  readonly mapping?: PartitionMapping;
}

/** Retries of one asset-partition's materialization before it counts as failed. */
export interface RetryPolicy {
  /** Attempts after the first (0: no retry). */
  readonly maxRetries: number;
  /** Delay before the first retry, in ms; doubled for each further one when `backoff` is exponential. */
  readonly delayMs: number;
  readonly backoff: "exponential" | "constant";
  /** Upper bound of a delay, in ms. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  delayMs: 5_000,
  backoff: "exponential",
  maxDelayMs: 5 * 60_000,
};

/** The data version an upstream asset-partition had when a run read it. */
export interface InputVersion {
  readonly key: AssetKey;
  /** `undefined` for an unpartitioned upstream. */
  readonly partition: string | undefined;
  readonly dataVersion: string;
  /** The materialization that produced that version. */
  readonly materializationId: number;
}

/** What one materialization wrote: datasets, objects, row counts. */
export interface AssetOutput {
  readonly dataset?: string;
  readonly layer?: string;
  readonly object?: string;
  readonly sha256?: string;
  readonly rows?: number;
  readonly bytes?: number;
}

export interface MaterializeResult {
  /**
   * The version of the data this materialization left in place. Two materializations that leave the same
   * data give the same version, so downstream assets are not re-run for nothing. When left out, the
   * executor hashes `outputs` (and, without outputs, uses a fresh value: every run counts as a change).
   */
  readonly dataVersion?: string;
  readonly outputs: readonly AssetOutput[];
  /**
   * Free-form facts worth showing (`fetched: 3`, `unchanged: 12`). One key is read by automation:
   * `partitionVersions` (`{ [downstreamPartition]: version }`), see `versionSeenBy`.
   */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** What an asset's materialize function gets. */
export interface MaterializeContext {
  readonly lake: Lake;
  readonly key: AssetKey;
  readonly partition: string | undefined;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly signal: AbortSignal;
  /** The upstream versions this run reads, as recorded in its materialization. */
  readonly inputs: readonly InputVersion[];
  /** Appends a line to the run's log. */
  log(line: string): void;
  onProgress?: (event: ProgressEvent) => void;
}

export interface AssetDefinition {
  readonly key: AssetKey;
  readonly description: string;
  /** The flow or configured dataset it belongs to (`metadata`, `scientific-files`, `data/geo`, `lake`). */
  readonly group: string;
  readonly tags: readonly string[];
  readonly deps: readonly AssetDependency[];
  /** Left out for an unpartitioned asset. */
  readonly partitions?: PartitionsDefinition;
  readonly automation: AutomationCondition;
  /** The automation as the user wrote it (or the default's text), for listings and `why`. */
  readonly automationText: string;
  readonly retry: RetryPolicy;
  /**
   * Asset-partitions that may run at the same time within one materialization (default 1). Steps that take
   * a lake-wide lock (consolidation, snapshot, serving load) stay at 1.
   */
  readonly concurrency?: number;
  materialize(context: MaterializeContext): Promise<MaterializeResult>;
}
