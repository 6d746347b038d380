import { DEFAULT_PAGE_LIMIT, decodeCursor, encodeCursor, type Page } from "@omicslake/core";
import { AssetError } from "../asset-error.js";
import type { AutomationCursor } from "../conditions/automation-condition.js";
import type { AssetKey } from "../graph/asset-definition.js";
import { AssetStateSnapshot } from "./asset-state-snapshot.js";
import type {
  AssetStateStore,
  FinishMaterialization,
  MaterializationFilter,
  StartMaterialization,
} from "./asset-state-store.js";
import type { MaterializationRecord } from "./materialization-record.js";

export interface MemoryAssetStateStoreOptions {
  /** Whether a run is still running; a running attempt of a run that is not counts as dead. Default: always. */
  readonly isRunAlive?: (runId: number) => boolean;
  readonly clock?: () => Date;
}

/**
 * The state store's contract kept in memory, for tests of the executor, the automation and the services
 * that need no catalog. Same rules as the catalog store: one running attempt per asset-partition (else
 * `asset_busy`), a dead run's attempt marked failed when another starts, newest first listings.
 */
export class MemoryAssetStateStore implements AssetStateStore {
  readonly #records: MaterializationRecord[] = [];
  readonly #cursors = new Map<AssetKey, AutomationCursor>();
  readonly #isRunAlive: (runId: number) => boolean;
  readonly #clock: () => Date;

  constructor(options: MemoryAssetStateStoreOptions = {}) {
    this.#isRunAlive = options.isRunAlive ?? (() => true);
    this.#clock = options.clock ?? (() => new Date());
  }

  /** Every record, oldest first (for assertions). */
  get records(): readonly MaterializationRecord[] {
    return [...this.#records];
  }

  start(input: StartMaterialization): Promise<MaterializationRecord> {
    const running = this.#records.findIndex(
      (r) => r.key === input.key && r.partition === input.partition && r.status === "running",
    );
    if (running >= 0) {
      const holder = this.#records[running]!;
      if (holder.runId !== null && this.#isRunAlive(holder.runId)) {
        const where = input.partition === undefined ? "" : ` partition ${input.partition}`;
        return Promise.reject(
          new AssetError(
            "asset_busy",
            `asset ${input.key}${where} is already being materialized by run ${holder.runId} (materialization ${holder.id})`,
            {
              details: {
                key: input.key,
                partition: input.partition ?? null,
                runId: holder.runId,
                materializationId: holder.id,
              },
            },
          ),
        );
      }
      this.#records[running] = {
        ...holder,
        status: "failed",
        finishedAt: this.#clock(),
        error: {
          code: "run_abandoned",
          message: `its run ${holder.runId ?? "(deleted)"} ended without finishing this materialization`,
        },
      };
    }
    const record: MaterializationRecord = {
      id: this.#records.length + 1,
      key: input.key,
      partition: input.partition,
      status: "running",
      runId: input.runId,
      dataVersion: null,
      inputs: [...input.inputs],
      outputs: [],
      metadata: {},
      attempt: input.attempt,
      origin: input.origin,
      reason: input.reason,
      requestId: input.requestId,
      startedAt: this.#clock(),
      finishedAt: null,
      error: null,
    };
    this.#records.push(record);
    return Promise.resolve(record);
  }

  finish(id: number, result: FinishMaterialization): Promise<MaterializationRecord> {
    const index = id - 1;
    const current = this.#records[index];
    if (!current) {
      return Promise.reject(
        new AssetError("not_found", `materialization ${id} does not exist`, { details: { id } }),
      );
    }
    if (current.status !== "running") {
      return Promise.reject(
        new AssetError(
          "conflict",
          `materialization ${id} of ${current.key} has already ended (${current.status})`,
          {
            details: { id, key: current.key, partition: current.partition ?? null, status: current.status },
          },
        ),
      );
    }
    const finished: MaterializationRecord = {
      ...current,
      status: result.status,
      finishedAt: this.#clock(),
      dataVersion: result.dataVersion ?? null,
      outputs: [...(result.outputs ?? [])],
      metadata: { ...result.metadata },
      error: result.error ? { ...result.error } : null,
    };
    this.#records[index] = finished;
    return Promise.resolve(finished);
  }

  snapshot(keys?: readonly AssetKey[]): Promise<AssetStateSnapshot> {
    const wanted = keys === undefined ? undefined : new Set(keys);
    return Promise.resolve(
      new AssetStateSnapshot(
        this.#records
          .filter((r) => wanted === undefined || wanted.has(r.key))
          .map((r) =>
            r.status === "running" && (r.runId === null || !this.#isRunAlive(r.runId))
              ? {
                  ...r,
                  status: "failed" as const,
                  error: { code: "run_abandoned", message: `its run ${r.runId ?? "(deleted)"} ended` },
                }
              : r,
          ),
      ),
    );
  }

  list(filter: MaterializationFilter = {}): Promise<Page<MaterializationRecord>> {
    const limit = filter.limit ?? DEFAULT_PAGE_LIMIT;
    const before =
      filter.cursor === undefined
        ? Infinity
        : decodeCursor("asset_materializations", filter.cursor, "number");
    const matching = this.#records
      .filter(
        (r) =>
          r.id < before &&
          (filter.key === undefined || r.key === filter.key) &&
          (filter.partition === undefined || r.partition === filter.partition) &&
          (filter.status === undefined || r.status === filter.status) &&
          (filter.requestId === undefined || r.requestId === filter.requestId),
      )
      .reverse();
    const items = matching.slice(0, limit);
    const last = items[items.length - 1];
    return Promise.resolve({
      items,
      nextCursor: matching.length > limit && last ? encodeCursor("asset_materializations", last.id) : null,
    });
  }

  get(id: number): Promise<MaterializationRecord | undefined> {
    return Promise.resolve(this.#records[id - 1]);
  }

  cursors(): Promise<Map<AssetKey, AutomationCursor>> {
    return Promise.resolve(new Map(this.#cursors));
  }

  saveCursors(cursors: ReadonlyMap<AssetKey, AutomationCursor>): Promise<void> {
    for (const [key, cursor] of cursors) this.#cursors.set(key, cursor);
    return Promise.resolve();
  }
}
