import type { Page } from "@omicslake/core";
import type { AssetKey, AssetOutput, InputVersion } from "../graph/asset-definition.js";
import type { AutomationCursor } from "../conditions/automation-condition.js";
import type { AssetStateSnapshot } from "./asset-state-snapshot.js";
import type {
  MaterializationRecord,
  MaterializationStatus,
  RequestOrigin,
} from "./materialization-record.js";

export interface StartMaterialization {
  readonly key: AssetKey;
  readonly partition: string | undefined;
  readonly runId: number;
  readonly inputs: readonly InputVersion[];
  readonly attempt: number;
  readonly origin: RequestOrigin;
  readonly reason: string;
  readonly requestId: string;
}

export interface FinishMaterialization {
  readonly status: Exclude<MaterializationStatus, "running">;
  readonly dataVersion?: string;
  readonly outputs?: readonly AssetOutput[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface MaterializationFilter {
  readonly key?: AssetKey;
  readonly partition?: string;
  readonly status?: MaterializationStatus;
  readonly requestId?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/**
 * Where materializations and automation cursors live: the catalog database (PGlite or PostgreSQL), so
 * every process of a lake and every worker machine sees the same state.
 */
export interface AssetStateStore {
  /**
   * Records the start of an attempt, and tags its run with the asset and partition. At most one attempt per
   * asset-partition runs at a time, across processes and machines: when another attempt is running (its run
   * alive), this throws an `asset_busy` error. An attempt whose run has died is marked failed first.
   */
  start(input: StartMaterialization): Promise<MaterializationRecord>;
  finish(id: number, result: FinishMaterialization): Promise<MaterializationRecord>;
  /** Every asset-partition's latest, latest succeeded and running attempt, in one read. */
  snapshot(keys?: readonly AssetKey[]): Promise<AssetStateSnapshot>;
  list(filter?: MaterializationFilter): Promise<Page<MaterializationRecord>>;
  get(id: number): Promise<MaterializationRecord | undefined>;
  cursors(): Promise<Map<AssetKey, AutomationCursor>>;
  saveCursors(cursors: ReadonlyMap<AssetKey, AutomationCursor>): Promise<void>;
}
