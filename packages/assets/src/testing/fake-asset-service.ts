import { AssetError } from "../asset-error.js";
import { AssetGraph } from "../graph/asset-graph.js";
import { DEFAULT_RETRY_POLICY, type AssetDefinition } from "../graph/asset-definition.js";
import {
  type AssetDetailView,
  type AssetService,
  type AssetStatusView,
  type MaterializeInput,
  type MaterializeReport,
} from "../asset-service.js";
import { type AssetStateStore } from "../state/asset-state-store.js";
import { type MaterializationRecord } from "../state/materialization-record.js";
import { type MaterializationRequest, type RequestOutcome } from "../execution/materialization-request.js";
import type { Lake } from "@omicslake/core";

// A hand-written AssetService over a real AssetGraph of three assets, for testing the CLI commands and the
// REST routes on their own: what they print, send, refuse and how they exit, whatever the flows behind do.

const MONTHS = ["2024-01", "2024-02", "2024-03"];

function asset(key: string, overrides: Partial<AssetDefinition>): AssetDefinition {
  return {
    key,
    description: `the ${key} asset`,
    group: key.split("/").slice(0, -1).join("/"),
    tags: [],
    deps: [],
    automation: { kind: "eager" },
    automationText: "eager",
    retry: DEFAULT_RETRY_POLICY,
    materialize: () => Promise.reject(new Error("the fake service never runs a definition")),
    ...overrides,
  };
}

export const FAKE_ASSETS: readonly AssetDefinition[] = [
  asset("data/geo/raw", {
    tags: ["geo", "raw"],
    automation: { kind: "on_cron", cron: "0 3 * * *" },
    automationText: 'on_cron("0 3 * * *")',
  }),
  asset("data/geo/processed", {
    tags: ["geo", "processed"],
    deps: [{ key: "data/geo/raw", mapping: "all" }],
    partitions: { kind: "static", name: "data/geo", keys: MONTHS },
  }),
  asset("metadata/curated", { group: "metadata", deps: [{ key: "data/geo/processed" }] }),
];

const RECORD: MaterializationRecord = {
  id: 7,
  key: "data/geo/processed",
  partition: "2024-02",
  status: "succeeded",
  runId: 41,
  dataVersion: "3a9f0c1d2e3f4a5b6c7d",
  inputs: [{ key: "data/geo/raw", partition: undefined, dataVersion: "77c1aa", materializationId: 3 }],
  outputs: [{ dataset: "geo", layer: "processed", rows: 12 }],
  metadata: { partitionVersions: { "2024-02": "v1" } },
  attempt: 1,
  origin: "cli",
  reason: "selected by data/geo/*",
  requestId: "req-1",
  startedAt: new Date("2026-12-06T03:00:00Z"),
  finishedAt: new Date("2026-12-06T03:00:05Z"),
  error: null,
};

const VIEWS: readonly AssetStatusView[] = [
  {
    key: "data/geo/raw",
    description: "the data/geo/raw asset",
    group: "data/geo",
    tags: ["geo", "raw"],
    deps: [],
    partitions: null,
    automation: 'on_cron("0 3 * * *")',
    lastMaterialization: {
      id: 3,
      partition: null,
      status: "succeeded",
      dataVersion: "77c1aa",
      startedAt: "2026-12-06T02:59:00.000Z",
      finishedAt: "2026-12-06T02:59:30.000Z",
      runId: 40,
    },
    status: "materialized",
    stale: false,
    staleReasons: [],
  },
  {
    key: "data/geo/processed",
    description: "the data/geo/processed asset",
    group: "data/geo",
    tags: ["geo", "processed"],
    deps: ["data/geo/raw"],
    partitions: { kind: "static", name: "data/geo", count: 3, materialized: 1, latest: "2024-03" },
    automation: "eager",
    lastMaterialization: {
      id: 7,
      partition: "2024-02",
      status: "succeeded",
      dataVersion: "3a9f0c1d2e3f4a5b6c7d",
      startedAt: "2026-12-06T03:00:00.000Z",
      finishedAt: "2026-12-06T03:00:05.000Z",
      runId: 41,
    },
    status: "partial",
    stale: true,
    staleReasons: ["[2024-02] data/geo/raw has version 88d2bb, 77c1aa was read"],
  },
  {
    key: "metadata/curated",
    description: "the metadata/curated asset",
    group: "metadata",
    tags: [],
    deps: ["data/geo/processed"],
    partitions: null,
    automation: "eager",
    lastMaterialization: null,
    status: "missing",
    stale: false,
    staleReasons: [],
  },
];

export interface FakeAssetServiceOptions {
  /** Keys (or `key [partition]`) whose every attempt fails. */
  readonly failing?: readonly string[];
  /** Keys whose submit is refused as already running. */
  readonly busy?: readonly string[];
  /** Called before each request runs (a test sends SIGINT from here). */
  readonly beforeRun?: (request: MaterializationRequest) => void | Promise<void>;
}

const name = (r: Pick<MaterializationRequest, "key" | "partition">): string =>
  r.partition === undefined ? r.key : `${r.key} [${r.partition}]`;

export class FakeAssetService implements AssetService {
  readonly graph = new AssetGraph(FAKE_ASSETS);
  readonly runnerKind = "in-process" as const;
  readonly submitted: MaterializeInput[] = [];
  readonly materialized: MaterializeInput[] = [];
  closed = false;

  constructor(
    readonly lake: Lake,
    private readonly options: FakeAssetServiceOptions = {},
  ) {}

  get store(): AssetStateStore {
    throw new Error("the fake service has no state store");
  }

  async list(): Promise<AssetStatusView[]> {
    return [...VIEWS];
  }

  async show(key: string): Promise<AssetDetailView> {
    this.graph.get(key);
    const view = VIEWS.find((v) => v.key === key)!;
    const partitioned = key === "data/geo/processed";
    return {
      ...view,
      downstream: this.graph.downstreamOf(key),
      retry: { maxRetries: 2, delayMs: 5000, backoff: "exponential" },
      partitionStatuses: partitioned
        ? MONTHS.map((p) => ({
            partition: p,
            status: p === "2024-02" ? "materialized" : "missing",
            dataVersion: p === "2024-02" ? RECORD.dataVersion : null,
            materializationId: p === "2024-02" ? RECORD.id : null,
            finishedAt: p === "2024-02" ? "2026-12-06T03:00:05.000Z" : null,
            stale: p === "2024-02",
          }))
        : [
            {
              partition: null,
              status: "missing",
              dataVersion: null,
              materializationId: null,
              finishedAt: null,
              stale: false,
            },
          ],
      recent: partitioned ? [RECORD] : [],
    };
  }

  async render(format: "text" | "dot" | "mermaid"): Promise<string> {
    return `${format} of ${this.graph.topologicalOrder().join(" -> ")}`;
  }

  async why(key: string): Promise<string> {
    this.graph.get(key);
    return `${key} will not run at the next evaluation: nothing changed upstream`;
  }

  async materialize(input: MaterializeInput): Promise<MaterializeReport> {
    this.materialized.push(input);
    const requests = this.plan(input);
    input.onEvent?.({ kind: "planned", requests });
    const failed = new Set<string>();
    const outcomes: RequestOutcome[] = [];
    let id = 100;
    for (const request of requests) {
      const upstreamFailed = this.graph.upstreamOf(request.key).find((k) => failed.has(k));
      if (input.signal?.aborted) {
        outcomes.push({ request, status: "cancelled", attempts: 0, durationMs: 0 });
      } else if (upstreamFailed !== undefined) {
        failed.add(request.key);
        outcomes.push({
          request,
          status: "skipped",
          attempts: 0,
          durationMs: 0,
          error: { code: "upstream_failed", message: `upstream ${upstreamFailed} failed` },
        });
      } else {
        await this.options.beforeRun?.(request);
        const fails = this.options.failing?.some((f) => f === request.key || f === name(request)) === true;
        input.onEvent?.({ kind: "started", request, attempt: 1 });
        if (fails) {
          input.onEvent?.({ kind: "retrying", request, attempt: 2, delayMs: 5000, error: "boom" });
          input.onEvent?.({ kind: "started", request, attempt: 2 });
          failed.add(request.key);
        }
        const outcome: RequestOutcome = fails
          ? {
              request,
              status: "failed",
              attempts: 2,
              durationMs: 3400,
              materializationId: id++,
              runId: 500 + id,
              error: { code: "asset_failed", message: "boom" },
            }
          : {
              request,
              status: "succeeded",
              attempts: 1,
              durationMs: 1200,
              materializationId: id++,
              runId: 500 + id,
              dataVersion: `v${id}`,
            };
        input.onEvent?.({ kind: "finished", outcome });
        outcomes.push(outcome);
      }
    }
    return { outcomes, failed: outcomes.some((o) => o.status !== "succeeded") };
  }

  /** In-process, as the embedded catalog: no workers to count. */
  liveWorkers(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  async submit(input: MaterializeInput): Promise<readonly MaterializationRequest[]> {
    const requests = this.plan(input);
    const busy = requests.find((r) => this.options.busy?.includes(r.key) && input.select?.includes(r.key));
    if (busy)
      throw new AssetError("asset_busy", `${name(busy)} is already running`, { details: { key: busy.key } });
    this.submitted.push(input);
    return requests;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Keys and `prefix/*` globs, with downstream; every partition unless some are asked for. */
  private plan(input: MaterializeInput): MaterializationRequest[] {
    const select = input.select ?? [];
    const selected = new Set<string>();
    for (const expr of select.length > 0 ? select : this.graph.keys()) {
      const pattern = new RegExp(`^${expr.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
      const matched = this.graph.keys().filter((k) => pattern.test(k));
      if (matched.length === 0) {
        throw new AssetError("invalid_input", `the selection "${expr}" matches no asset`, {
          details: { expr },
        });
      }
      for (const k of matched) selected.add(k);
    }
    if (input.downstream)
      for (const k of [...selected]) for (const d of this.graph.withDownstream(k)) selected.add(d);
    const reason = select.length > 0 ? `selected by ${select.join(", ")}` : "every asset selected";
    const requests: MaterializationRequest[] = [];
    for (const key of this.graph.topologicalOrder()) {
      if (!selected.has(key)) continue;
      if (!this.graph.get(key).partitions) {
        requests.push({ key, partition: undefined, origin: input.origin, reason });
        continue;
      }
      const asked = input.partitions ?? [];
      const unknown = asked.filter((p) => !MONTHS.includes(p));
      if (unknown.length > 0) {
        throw new AssetError(
          "invalid_input",
          `asset "${key}" has no partition ${JSON.stringify(unknown[0])}`,
          {
            details: { key, partitions: unknown },
          },
        );
      }
      for (const partition of asked.length > 0 ? asked : MONTHS)
        requests.push({ key, partition, origin: input.origin, reason });
    }
    return requests;
  }
}
