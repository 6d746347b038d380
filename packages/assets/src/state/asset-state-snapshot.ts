import type { AssetKey } from "../graph/asset-definition.js";
import { partitionId, type MaterializationRecord } from "./materialization-record.js";

/** What is known about one asset-partition at one moment. */
export interface AssetPartitionState {
  /** The latest succeeded materialization: the data in place now. */
  readonly latest?: MaterializationRecord;
  /** The latest attempt, whatever its status (equal to `latest` when that succeeded last). */
  readonly lastAttempt?: MaterializationRecord;
  /** The attempt running now, if any (its run is alive). */
  readonly running?: MaterializationRecord;
}

const EMPTY: AssetPartitionState = {};

/**
 * A consistent view of every asset-partition's materializations, read in one go so one evaluation of the
 * whole graph does not query per asset. Built by the state store, or from records in tests.
 */
export class AssetStateSnapshot {
  readonly #states = new Map<string, AssetPartitionState>();

  /**
   * `records` may hold any number of attempts per asset-partition, in any order; the snapshot keeps the
   * latest succeeded, the latest attempt (highest id) and the running one.
   */
  constructor(records: Iterable<MaterializationRecord>) {
    for (const record of records) {
      const id = partitionId(record.key, record.partition);
      const state = this.#states.get(id) ?? {};
      const next: {
        latest?: MaterializationRecord;
        lastAttempt?: MaterializationRecord;
        running?: MaterializationRecord;
      } = { ...state };
      if (record.status === "succeeded" && (state.latest === undefined || record.id > state.latest.id))
        next.latest = record;
      if (state.lastAttempt === undefined || record.id > state.lastAttempt.id) next.lastAttempt = record;
      if (record.status === "running" && (state.running === undefined || record.id > state.running.id))
        next.running = record;
      this.#states.set(id, next);
    }
  }

  get(key: AssetKey, partition: string | undefined): AssetPartitionState {
    return this.#states.get(partitionId(key, partition)) ?? EMPTY;
  }

  /** Every asset-partition of `key` with a record, partition keys in no set order. */
  partitionsOf(key: AssetKey): (string | undefined)[] {
    const out: (string | undefined)[] = [];
    for (const state of this.#states.values()) {
      const record = state.lastAttempt;
      if (record?.key === key) out.push(record.partition);
    }
    return out;
  }
}
