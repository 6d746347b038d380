import { randomUUID } from "node:crypto";
import type { Lake, LakeConfig } from "@omicslake/core";
import { AssetError } from "../asset-error.js";
import type {
  AssetDetailView,
  AssetService,
  AssetStatusView,
  MaterializeEvent,
  MaterializeInput,
  MaterializeReport,
  PartitionStatusView,
} from "../asset-service.js";
import type { AutomationCursor } from "../conditions/automation-condition.js";
import { evaluateAutomation } from "../conditions/evaluate-automation.js";
import { formatExplanation } from "../conditions/explain-automation.js";
import { executeRequests } from "../execution/execute-requests.js";
import type { MaterializationRequest, RequestOutcome } from "../execution/materialization-request.js";
import { automationSettings } from "../config/automation-settings.js";
import { buildAssetGraph } from "../flows/build-asset-graph.js";
import type { AssetKey } from "../graph/asset-definition.js";
import type { AssetGraph } from "../graph/asset-graph.js";
import { selectAssets, selectionMatches } from "../graph/asset-selection.js";
import { resolvePartitionKeys } from "../partitions/resolve-partition-keys.js";
import { InProcessPartitionRunner } from "../runners/in-process/in-process-partition-runner.js";
import type { PartitionRunner } from "../runners/partition-runner.js";
import { WORKER_STEP } from "../runners/pg-boss/fail-dead-jobs.js";
import { PgBossPartitionRunner } from "../runners/pg-boss/pg-boss-partition-runner.js";
import { AssetStateSnapshot, type AssetPartitionState } from "../state/asset-state-snapshot.js";
import type { AssetStateStore } from "../state/asset-state-store.js";
import {
  partitionId,
  type MaterializationRecord,
  type RequestOrigin,
} from "../state/materialization-record.js";
import { SqlAssetStateStore } from "../state/sql-asset-state-store.js";
import { renderAssetGraph } from "./render-asset-graph.js";
import { staleReasons } from "./asset-staleness.js";

export interface OpenAssetServiceOptions {
  /** Overrides `[automation] runner`. */
  readonly runner?: "in-process" | "pg-boss";
  /** Overrides `[automation] concurrency`. */
  readonly concurrency?: number;
  /** The clock retries wait on; tests pass a fake one. */
  readonly clock?: { now(): Date; sleep(ms: number, signal: AbortSignal): Promise<void> };
}

/** What one daemon evaluation decided: the requests to submit and the cursors to save once they are. */
export interface AutomationTick {
  readonly requests: readonly MaterializationRequest[];
  readonly cursors: ReadonlyMap<AssetKey, AutomationCursor>;
}

/** The service, with what the daemon needs besides the public surface. */
export interface AutomatedAssetService extends AssetService {
  /** Evaluates every asset's automation condition now; asset-partitions already submitted count as running. */
  evaluate(now?: Date): Promise<AutomationTick>;
  /** Starts `requests` in the background (dependency order kept); resolves once they are accepted. */
  submitRequests(requests: readonly MaterializationRequest[]): Promise<void>;
  saveCursors(cursors: ReadonlyMap<AssetKey, AutomationCursor>): Promise<void>;
  /** Resolves when every submitted request has ended. */
  idle(): Promise<void>;
  /** Outcomes of submitted requests, as they end (the daemon logs them). */
  onOutcome(listener: (outcome: RequestOutcome) => void): void;
  /**
   * With the pg-boss runner, how many `omicslake worker` processes are alive for this lake (their worker runs
   * are running); `undefined` in-process. Runs queued while it is 0 wait until a worker starts.
   */
  liveWorkers(): Promise<number | undefined>;
}

/**
 * Opens the asset graph of `config` on `lake`, with its state in the catalog. Runs go through pg-boss workers
 * when the catalog is a PostgreSQL server and `[automation] runner` is "auto" or "pg-boss"; otherwise in this
 * process.
 */
export async function openAssetService(
  lake: Lake,
  config: LakeConfig,
  options: OpenAssetServiceOptions = {},
): Promise<AutomatedAssetService> {
  const graph = buildAssetGraph(lake, config);
  const store = new SqlAssetStateStore(lake);
  const settings = automationSettings(config);
  const runnerKind = options.runner ?? settings.runner;
  if (runnerKind === "pg-boss" && config.database.url === undefined) {
    throw new AssetError("config_error", "the pg-boss runner needs a PostgreSQL catalog", {
      details: { key: "automation.runner", value: runnerKind },
      hint: 'Set DATABASE_URL or [lake] database to a "postgres://" URL, or set [automation] runner = "in-process"',
    });
  }
  return new LakeAssetService(lake, graph, store, runnerKind, {
    concurrency: options.concurrency ?? settings.concurrency,
    databaseUrl: config.database.url,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

interface Plan {
  readonly stages: readonly (readonly AssetKey[])[];
  readonly selected: ReadonlySet<AssetKey>;
  readonly asked: readonly string[];
  readonly origin: RequestOrigin;
  readonly reason: string;
}

interface ServiceSettings {
  readonly concurrency: number;
  readonly databaseUrl: string | undefined;
  readonly clock?: { now(): Date; sleep(ms: number, signal: AbortSignal): Promise<void> };
}

class LakeAssetService implements AutomatedAssetService {
  #runner: PartitionRunner | undefined;
  /** Asset-partitions submitted and not yet ended: they count as running for automation. */
  readonly #inFlight = new Map<string, MaterializationRequest>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #listeners: ((outcome: RequestOutcome) => void)[] = [];
  /** Who asked for each in-flight asset-partition to hear its started, retrying and log events. */
  readonly #eventSinks = new Map<string, (event: MaterializeEvent) => void>();
  readonly #stop = new AbortController();

  constructor(
    readonly lake: Lake,
    readonly graph: AssetGraph,
    readonly store: AssetStateStore,
    readonly runnerKind: "in-process" | "pg-boss",
    private readonly settings: ServiceSettings,
  ) {}

  async list(): Promise<AssetStatusView[]> {
    const { state, partitionKeys } = await this.#read();
    return this.graph.assets().map((asset) => this.#view(asset.key, state, partitionKeys));
  }

  async show(key: AssetKey): Promise<AssetDetailView> {
    const asset = this.graph.get(key);
    const { state, partitionKeys } = await this.#read();
    const view = this.#view(key, state, partitionKeys);
    const partitions = asset.partitions ? (partitionKeys.get(key) ?? []) : [undefined];
    const partitionStatuses: PartitionStatusView[] = partitions.map((partition) => {
      const s = state.get(key, partition);
      return {
        partition: partition ?? null,
        status: s.running ? "running" : s.latest ? "materialized" : s.lastAttempt ? "failed" : "missing",
        dataVersion: s.latest?.dataVersion ?? null,
        materializationId: s.latest?.id ?? null,
        finishedAt: s.latest?.finishedAt?.toISOString() ?? null,
        stale: staleReasons(this.graph, partitionKeys, state, key, partition).length > 0,
      };
    });
    // The list is the rows as stored. An attempt whose run ended without finishing it (its process died) is
    // still stored as running until the next start takes its slot; the snapshot above already reads it as
    // failed, so that reading is shown here too (a client would otherwise wait on it for good). An attempt
    // newer than the snapshot is shown as stored.
    const recent = (await this.store.list({ key, limit: 20 })).items.map((record) => {
      if (record.status !== "running") return record;
      const known = state.get(key, record.partition).lastAttempt;
      return known?.id === record.id ? known : record;
    });
    return {
      ...view,
      downstream: this.graph.downstreamOf(key),
      retry: {
        maxRetries: asset.retry.maxRetries,
        delayMs: asset.retry.delayMs,
        backoff: asset.retry.backoff,
      },
      partitionStatuses,
      recent,
    };
  }

  async render(format: "text" | "dot" | "mermaid"): Promise<string> {
    return renderAssetGraph(this.graph, await this.list(), format);
  }

  async why(key: AssetKey, now: Date = new Date()): Promise<string> {
    this.graph.get(key);
    const result = await this.#evaluate(now);
    const explanation = result.explanations.get(key);
    if (!explanation) throw new Error(`no explanation for ${key}`);
    return formatExplanation(explanation);
  }

  async evaluate(now: Date = new Date()): Promise<AutomationTick> {
    const { requests, cursors } = await this.#evaluate(now);
    return { requests, cursors };
  }

  async #evaluate(now: Date): Promise<ReturnType<typeof evaluateAutomation>> {
    const [{ state, partitionKeys }, cursors] = await Promise.all([this.#read(now), this.store.cursors()]);
    return evaluateAutomation({
      graph: this.graph,
      partitionKeys,
      state,
      cursors,
      now,
      selectionMatches: (key, selection) => selectionMatches(this.graph, key, selection),
    });
  }

  saveCursors(cursors: ReadonlyMap<AssetKey, AutomationCursor>): Promise<void> {
    return this.store.saveCursors(cursors);
  }

  async materialize(input: MaterializeInput): Promise<MaterializeReport> {
    const plan = this.#plan(input);
    const first = await this.#firstStage(plan);
    input.onEvent?.({ kind: "planned", requests: first });
    const outcomes = await this.#runPlan(plan, first, input);
    return { outcomes, failed: outcomes.some((o) => o.status !== "succeeded") };
  }

  /**
   * Plans and starts in the background. Returns the requests of the first stage: those of assets whose
   * partitions a selected upstream will bring are planned when it has run.
   */
  async submit(input: MaterializeInput): Promise<readonly MaterializationRequest[]> {
    const plan = this.#plan(input);
    const first = await this.#firstStage(plan);
    await this.#refuseBusy(first);
    await this.#runnerFor();
    this.#inBackground(this.#runPlan(plan, first, input));
    return first;
  }

  /**
   * A request started in the background cannot answer busy to whoever asked: refused here instead, when
   * this process or another is already materializing one of its asset-partitions.
   */
  async #refuseBusy(requests: readonly MaterializationRequest[]): Promise<void> {
    const busyOf = async (): Promise<MaterializationRequest[]> => {
      const state = new InFlightSnapshot(await this.store.snapshot(), this.#inFlight);
      return requests.filter((r) => state.get(r.key, r.partition).running !== undefined);
    };
    let busy = await busyOf();
    if (busy.some((r) => !this.#inFlight.has(partitionId(r.key, r.partition)))) {
      // The run of a killed process reads as running until swept: without this sweep the
      // asset-partition would stay refused until some other command happened to sweep.
      await this.lake.abandonDeadRuns();
      busy = await busyOf();
    }
    const [first] = busy;
    if (first === undefined) return;
    const names = busy.map((r) => (r.partition === undefined ? r.key : `${r.key} [${r.partition}]`));
    throw new AssetError(
      "asset_busy",
      `${names.join(", ")} ${busy.length === 1 ? "is" : "are"} already being materialized`,
      {
        details: { key: first.key, partition: first.partition ?? null, busy: names },
        hint: "Wait for that materialization to end (GET /v1/runs?asset=KEY lists its runs), then ask again",
      },
    );
  }

  async #firstStage(plan: Plan): Promise<MaterializationRequest[]> {
    const first = await this.#requestsOf(plan, plan.stages[0] ?? []);
    if (first.length === 0) {
      throw new AssetError("invalid_input", "nothing to materialize: the selection has no partitions yet", {
        details: { assets: [...plan.selected] },
        hint: "Materialize its upstream assets first (select them too, or add them with +KEY)",
      });
    }
    return first;
  }

  #inBackground(work: Promise<unknown>): void {
    const running = work.catch(() => undefined);
    this.#background.add(running);
    void running.finally(() => this.#background.delete(running));
  }

  async submitRequests(
    requests: readonly MaterializationRequest[],
    input: Partial<MaterializeInput> = {},
  ): Promise<void> {
    const fresh = requests.filter((r) => !this.#inFlight.has(partitionId(r.key, r.partition)));
    if (fresh.length === 0) return;
    await this.#runnerFor();
    this.#inBackground(this.#execute(fresh, input));
  }

  onOutcome(listener: (outcome: RequestOutcome) => void): void {
    this.#listeners.push(listener);
  }

  async liveWorkers(): Promise<number | undefined> {
    if (this.runnerKind !== "pg-boss") return undefined;
    await this.lake.abandonDeadRuns();
    const page = await this.lake.catalog.listRuns({ step: WORKER_STEP, status: "running", limit: 500 });
    return page.items.length;
  }

  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.idle();
    await this.#runner?.close();
  }

  async #execute(
    requests: readonly MaterializationRequest[],
    input: Partial<MaterializeInput>,
  ): Promise<RequestOutcome[]> {
    for (const r of requests) {
      const id = partitionId(r.key, r.partition);
      this.#inFlight.set(id, r);
      if (input.onEvent) this.#eventSinks.set(id, input.onEvent);
    }
    const signal = input.signal ? AbortSignal.any([input.signal, this.#stop.signal]) : this.#stop.signal;
    try {
      return await executeRequests(requests, {
        graph: this.graph,
        runner: await this.#runnerFor(),
        concurrency: this.settings.concurrency,
        signal,
        onEvent: (event) => {
          input.onEvent?.(event);
          if (event.kind === "finished") {
            this.#inFlight.delete(partitionId(event.outcome.request.key, event.outcome.request.partition));
            for (const listener of this.#listeners) listener(event.outcome);
          }
        },
      });
    } finally {
      for (const r of requests) {
        this.#inFlight.delete(partitionId(r.key, r.partition));
        this.#eventSinks.delete(partitionId(r.key, r.partition));
      }
    }
  }

  async #runnerFor(): Promise<PartitionRunner> {
    if (this.#runner) return this.#runner;
    if (this.runnerKind === "pg-boss") {
      this.#runner = new PgBossPartitionRunner({
        lake: this.lake,
        store: this.store,
        connectionString: this.settings.databaseUrl as string,
      });
    } else {
      this.#runner = new InProcessPartitionRunner({
        lake: this.lake,
        graph: this.graph,
        store: this.store,
        ...(this.settings.clock ? { clock: this.settings.clock } : {}),
        onEvent: (event) => this.#routeEvent(event),
      });
    }
    return this.#runner;
  }

  #routeEvent(event: MaterializeEvent): void {
    if (event.kind === "planned") return;
    const request = event.kind === "finished" ? event.outcome.request : event.request;
    this.#eventSinks.get(partitionId(request.key, request.partition))?.(event);
  }

  /**
   * The stages of a `materialize`: the selection (and its downstream) in dependency order, cut before each
   * asset whose partitions are found at run time (PubMed files, SRA batches) and that reads another selected
   * asset: its partitions are known only once that one has run, so `materialize --select 'data/pubmed/*'`
   * on a new lake fetches, then processes every file the fetch brought.
   */
  #plan(input: MaterializeInput): Plan {
    const selected = new Set(
      input.select && input.select.length > 0
        ? selectAssets(this.graph, input.select)
        : // The lake's own chores (a full backup) run when asked for by name, not with every data refresh.
          this.graph.keys().filter((key) => !key.startsWith("lake/")),
    );
    if (input.downstream)
      for (const key of [...selected]) for (const k of this.graph.withDownstream(key)) selected.add(k);
    if (selected.size === 0) {
      throw new AssetError("invalid_input", "nothing to materialize: the configuration declares no dataset", {
        hint: 'Declare [data.NAME] datasets in omicslake.toml, or select "lake/backup" to back the lake up',
      });
    }
    const asked = input.partitions ?? [];
    // Partitions asked of a selection without a partitioned asset would be dropped, and the whole of
    // each asset run instead of the one slice the user meant.
    if (asked.length > 0 && ![...selected].some((key) => this.graph.get(key).partitions !== undefined)) {
      throw new AssetError(
        "invalid_input",
        `no selected asset is partitioned: partition ${asked.map((p) => JSON.stringify(p)).join(", ")} names nothing`,
        {
          details: { assets: [...selected], partitions: asked },
          hint: 'Leave the partitions out to materialize the whole asset; "omicslake assets ls" shows which assets have partitions',
        },
      );
    }
    const stageOf = new Map<AssetKey, number>();
    for (const key of this.graph.topologicalOrder()) {
      if (!selected.has(key)) continue;
      const asset = this.graph.get(key);
      const cut = asset.partitions?.kind === "dynamic" && asked.length === 0 ? 1 : 0;
      let stage = 0;
      for (const upstream of this.graph.withUpstream(key)) {
        if (upstream === key || !selected.has(upstream)) continue;
        stage = Math.max(stage, (stageOf.get(upstream) ?? 0) + cut);
      }
      stageOf.set(key, stage);
    }
    const stages: AssetKey[][] = [];
    for (const [key, stage] of stageOf) (stages[stage] ??= []).push(key);
    return {
      stages: stages.filter((keys) => keys.length > 0),
      selected,
      asked,
      origin: input.origin,
      reason:
        input.select && input.select.length > 0
          ? `selected by ${input.select.join(", ")}`
          : "every asset selected",
    };
  }

  /** The requests of one stage: every partition of its partitioned assets, or those asked for. */
  async #requestsOf(plan: Plan, keys: readonly AssetKey[]): Promise<MaterializationRequest[]> {
    const { asked, origin, reason } = plan;
    const requests: MaterializationRequest[] = [];
    const now = new Date();
    for (const key of keys) {
      const asset = this.graph.get(key);
      if (!asset.partitions) {
        requests.push({ key, partition: undefined, origin, reason });
        continue;
      }
      const partitionKeys = await resolvePartitionKeys(asset.partitions, now);
      let partitions: readonly string[] = partitionKeys;
      if (asked.length > 0) {
        const known = new Set(partitionKeys);
        const unknown = asked.filter((p) => !known.has(p));
        if (unknown.length > 0) {
          throw new AssetError(
            "invalid_input",
            `asset "${key}" has no partition ${unknown.map((p) => JSON.stringify(p)).join(", ")}`,
            {
              details: { key, partitions: unknown },
              hint:
                partitionKeys.length > 0
                  ? `Its ${partitionKeys.length} partition(s) run from "${partitionKeys[0]}" to "${partitionKeys.at(-1)}"; "omicslake assets show ${key}" lists them`
                  : "It has no partitions yet: materialize its upstream assets first",
            },
          );
        }
        partitions = asked;
      }
      for (const partition of partitions) requests.push({ key, partition, origin, reason });
    }
    return requests;
  }

  /**
   * Runs a plan stage by stage. A request of a later stage whose selected upstream did not fully succeed is
   * skipped, as the executor skips within a stage, so its previous materialization stays in place.
   */
  async #runPlan(
    plan: Plan,
    first: readonly MaterializationRequest[],
    input: Partial<MaterializeInput>,
  ): Promise<RequestOutcome[]> {
    const outcomes: RequestOutcome[] = [];
    const failed = new Set<AssetKey>();
    for (let stage = 0; stage < plan.stages.length; stage++) {
      const requests = stage === 0 ? first : await this.#requestsOf(plan, plan.stages[stage] ?? []);
      if (stage > 0) input.onEvent?.({ kind: "planned", requests });
      const runnable: MaterializationRequest[] = [];
      for (const request of requests) {
        const blocker = [...this.graph.withUpstream(request.key)].find(
          (k) => k !== request.key && failed.has(k),
        );
        if (blocker === undefined) {
          runnable.push(request);
          continue;
        }
        const outcome: RequestOutcome = {
          request,
          status: "skipped",
          attempts: 0,
          durationMs: 0,
          error: { code: "upstream_failed", message: `upstream ${blocker} did not succeed` },
        };
        outcomes.push(outcome);
        input.onEvent?.({ kind: "finished", outcome });
      }
      for (const outcome of runnable.length > 0 ? await this.#execute(runnable, input) : []) {
        outcomes.push(outcome);
        if (outcome.status !== "succeeded") failed.add(outcome.request.key);
      }
      for (const outcome of outcomes) if (outcome.status !== "succeeded") failed.add(outcome.request.key);
    }
    return outcomes;
  }

  async #read(now: Date = new Date()): Promise<{
    state: AssetStateSnapshot;
    partitionKeys: Map<AssetKey, readonly string[]>;
  }> {
    const partitionKeys = new Map<AssetKey, readonly string[]>();
    const [state] = await Promise.all([
      this.store.snapshot(),
      ...this.graph.assets().map(async (asset) => {
        if (asset.partitions) partitionKeys.set(asset.key, await resolvePartitionKeys(asset.partitions, now));
      }),
    ]);
    return { state: new InFlightSnapshot(state, this.#inFlight), partitionKeys };
  }

  #view(
    key: AssetKey,
    state: AssetStateSnapshot,
    partitionKeys: ReadonlyMap<AssetKey, readonly string[]>,
  ): AssetStatusView {
    const asset = this.graph.get(key);
    const partitions: (string | undefined)[] = asset.partitions
      ? [...(partitionKeys.get(key) ?? [])]
      : [undefined];
    let last: MaterializationRecord | undefined;
    let materialized = 0;
    let running = false;
    const reasons: string[] = [];
    for (const partition of partitions) {
      const s = state.get(key, partition);
      if (s.latest) materialized++;
      if (s.running) running = true;
      if (s.lastAttempt && (last === undefined || s.lastAttempt.id > last.id)) last = s.lastAttempt;
      for (const reason of staleReasons(this.graph, partitionKeys, state, key, partition))
        reasons.push(partition === undefined ? reason : `[${partition}] ${reason}`);
    }
    const status: AssetStatusView["status"] = running
      ? "running"
      : last?.status === "failed"
        ? "failed"
        : materialized === 0
          ? "missing"
          : materialized < partitions.length
            ? "partial"
            : "materialized";
    return {
      key,
      description: asset.description,
      group: asset.group,
      tags: asset.tags,
      deps: asset.deps.map((d) => d.key),
      partitions: asset.partitions
        ? {
            kind: asset.partitions.kind,
            name: asset.partitions.name,
            count: partitions.length,
            materialized,
            latest: partitions.at(-1) ?? null,
          }
        : null,
      automation: asset.automationText,
      lastMaterialization: last
        ? {
            id: last.id,
            partition: last.partition ?? null,
            status: last.status,
            dataVersion: last.dataVersion,
            startedAt: last.startedAt.toISOString(),
            finishedAt: last.finishedAt?.toISOString() ?? null,
            runId: last.runId,
          }
        : null,
      status,
      stale: reasons.length > 0,
      staleReasons: reasons.slice(0, 20),
    };
  }
}

/**
 * The store's snapshot, with the asset-partitions this process has submitted and not yet finished shown
 * as running: a request queued behind others has no record yet, and without this its downstream would be
 * requested early and the same request submitted again at the next tick.
 */
class InFlightSnapshot extends AssetStateSnapshot {
  constructor(
    private readonly inner: AssetStateSnapshot,
    private readonly inFlight: ReadonlyMap<string, MaterializationRequest>,
  ) {
    super([]);
  }

  override get(key: AssetKey, partition: string | undefined): AssetPartitionState {
    const state = this.inner.get(key, partition);
    if (state.running) return state;
    const request = this.inFlight.get(partitionId(key, partition));
    if (!request) return state;
    const running: MaterializationRecord = {
      id: Number.MAX_SAFE_INTEGER,
      key,
      partition,
      status: "running",
      runId: null,
      dataVersion: null,
      inputs: [],
      outputs: [],
      metadata: {},
      attempt: 1,
      origin: request.origin,
      reason: request.reason,
      requestId: randomUUID(),
      startedAt: new Date(),
      finishedAt: null,
      error: null,
    };
    return { ...state, running };
  }

  override partitionsOf(key: AssetKey): (string | undefined)[] {
    return this.inner.partitionsOf(key);
  }
}
