import type { MaterializationRequest } from "../execution/materialization-request.js";
import type { AssetDefinition, AssetKey, PartitionMapping } from "../graph/asset-definition.js";
import type { AssetGraph } from "../graph/asset-graph.js";
import type { AssetPartitionState, AssetStateSnapshot } from "../state/asset-state-snapshot.js";
import { partitionId, versionSeenBy, type MaterializationRecord } from "../state/materialization-record.js";
import type { AutomationCondition, AutomationCursor, DepFilter } from "./automation-condition.js";
import { cronCursorKey, cronTicksAround, DEFAULT_CRON_TIMEZONE } from "./cron-schedule.js";
import type { AssetExplanation, ConditionNodeExplanation, CronExplanation } from "./explain-automation.js";
import { formatAutomationCondition } from "./format-automation-condition.js";

export interface EvaluateAutomationInput {
  readonly graph: AssetGraph;
  /** The partition keys of each partitioned asset, oldest first (unpartitioned assets are left out). */
  readonly partitionKeys: ReadonlyMap<AssetKey, readonly string[]>;
  readonly state: AssetStateSnapshot;
  readonly cursors: ReadonlyMap<AssetKey, AutomationCursor>;
  readonly now: Date;
  /** Whether an asset matches one selection (`geo/*`, `tag:x`), for `ignore` and `allow`. */
  readonly selectionMatches: (key: AssetKey, selection: string) => boolean;
}

export interface AutomationEvaluation {
  /** What to materialize, every upstream before its downstream; origin `automation`, reason in words. */
  readonly requests: MaterializationRequest[];
  /** Every asset's cursor after this evaluation: save them once the requests are submitted. */
  readonly cursors: Map<AssetKey, AutomationCursor>;
  readonly explanations: Map<AssetKey, AssetExplanation>;
}

/**
 * Decides which asset-partitions automation materializes now, from one snapshot of the state: no I/O, so
 * the daemon, `assets why` and tests share it.
 *
 * "Updated" compares data versions: an upstream asset-partition is updated for a downstream one when its
 * latest succeeded version differs from the version the downstream's latest succeeded materialization
 * recorded reading (or it read none). No "since the last evaluation" memory is involved, so an upstream
 * re-materialized while its downstream was requested or running is still seen at the next evaluation.
 */
export function evaluateAutomation(input: EvaluateAutomationInput): AutomationEvaluation {
  return new AutomationEvaluator(input).run();
}

type Partition = string | undefined;

interface Upstream {
  readonly key: AssetKey;
  readonly mapping: PartitionMapping;
  /** `undefined` when the upstream asset is unpartitioned. */
  readonly keys: readonly string[] | undefined;
}

/** One upstream asset-partition, as sentences name it. */
interface UpstreamPartition {
  readonly key: AssetKey;
  readonly partition: Partition;
}

interface VersionChange extends UpstreamPartition {
  readonly version: string | null;
  /** The version the downstream read, `undefined` when it read none of this asset-partition. */
  readonly read: string | null | undefined;
}

/** What the (filtered) upstream asset-partitions of one asset-partition look like now. */
interface DepFacts {
  /** No upstream asset is left after `ignore`/`allow` (or the asset has none). */
  readonly none: boolean;
  /** First upstream changed since the latest succeeded materialization read it, and how many did. */
  readonly updated: VersionChange | undefined;
  readonly updatedCount: number;
  /** Changed since the last attempt (of any status) read it: a failed attempt is retried only then. */
  readonly changedSinceAttempt: VersionChange | undefined;
  /** Never materialized and not requested now; `partition: null` when the upstream has no partitions yet. */
  readonly missing: { readonly key: AssetKey; readonly partition: Partition | null } | undefined;
  readonly inProgress: UpstreamPartition | undefined;
  /** Requested earlier in this same evaluation: it will have a new version, so it counts as updated. */
  readonly requested: UpstreamPartition | undefined;
  /**
   * An upstream that holds data for this very partition: the same partition of an identity-mapped upstream,
   * or an unpartitioned upstream whose materialization lists a version for it (`partitionVersions`: a fetch
   * that brought this partition's files). Such a partition is new work, not an old gap, so eager fills it.
   */
  readonly feeds: UpstreamPartition | undefined;
}

interface Entry {
  readonly id: string;
  readonly state: AssetPartitionState;
  /** Requested earlier in this evaluation. */
  requested: boolean;
}

interface Verdict {
  readonly value: boolean;
  readonly sentence: string;
}

interface CronState {
  readonly cron: string;
  readonly timezone: string;
  readonly cursorKey: string;
  readonly latest: Date | undefined;
  readonly next: Date | undefined;
  /** `latest` and `next` as sentences show them. */
  readonly latestText: string;
  readonly nextText: string;
  readonly handled: string | undefined;
  readonly passed: boolean;
  waiting: boolean;
}

/** Per condition node: its value at each partition, summed up for the explanation. */
interface NodeStats {
  trueCount: number;
  first: { partition: Partition; sentence: string } | undefined;
  latest: { partition: Partition; sentence: string; value: boolean } | undefined;
}

/** Everything one asset's evaluation shares across its partitions. */
interface AssetScope {
  readonly asset: AssetDefinition;
  readonly partitions: readonly Partition[];
  readonly partitioned: boolean;
  readonly latestPartition: Partition;
  readonly upstream: readonly Upstream[];
  readonly filtered: Map<DepFilter | undefined, readonly Upstream[]>;
  readonly facts: Map<readonly Upstream[], Map<Partition, DepFacts>>;
  readonly crons: Map<string, CronState>;
  readonly stats: Map<AutomationCondition, NodeStats>;
}

const inputIndexes = new WeakMap<MaterializationRecord, Map<string, string | null>>();

/** The versions a materialization recorded reading, by upstream asset-partition. */
function inputsOf(record: MaterializationRecord): Map<string, string | null> {
  let index = inputIndexes.get(record);
  if (index === undefined) {
    index = new Map();
    for (const input of record.inputs) index.set(partitionId(input.key, input.partition), input.dataVersion);
    inputIndexes.set(record, index);
  }
  return index;
}

function short(version: string | null | undefined): string {
  if (version === null || version === undefined) return "none";
  return version.length > 8 ? `${version.slice(0, 8)}…` : version;
}

function name(up: { readonly key: AssetKey; readonly partition: Partition | null }): string {
  return up.partition === undefined || up.partition === null ? up.key : `${up.key}[${up.partition}]`;
}

function changeSentence(change: VersionChange, count: number): string {
  const read = change.read === undefined ? "not read yet" : `read ${short(change.read)}`;
  const more = count > 1 ? `; ${count - 1} more upstream partition(s) changed` : "";
  return `upstream ${name(change)} has a newer version (v ${short(change.version)} ${read})${more}`;
}

/** A failed attempt after the latest success (or with none): automation leaves it to the executor's retries. */
function failedAttempt(state: AssetPartitionState): MaterializationRecord | undefined {
  const last = state.lastAttempt;
  if (last?.status !== "failed") return undefined;
  return state.latest === undefined || last.id > state.latest.id ? last : undefined;
}

class AutomationEvaluator {
  readonly #input: EvaluateAutomationInput;
  /**
   * Each asset-partition's state, looked up once per evaluation: the snapshot's lookup builds a key string
   * each time, and an upstream partition is read by every downstream partition that maps to it.
   */
  readonly #entries = new Map<AssetKey, Map<Partition, Entry>>();
  readonly #requests: MaterializationRequest[] = [];
  readonly #cursors = new Map<AssetKey, AutomationCursor>();
  readonly #explanations = new Map<AssetKey, AssetExplanation>();
  readonly #nowIso: string;

  constructor(input: EvaluateAutomationInput) {
    this.#input = input;
    this.#nowIso = input.now.toISOString();
  }

  run(): AutomationEvaluation {
    for (const key of this.#input.graph.topologicalOrder()) this.#evaluateAsset(this.#input.graph.get(key));
    return { requests: this.#requests, cursors: this.#cursors, explanations: this.#explanations };
  }

  #evaluateAsset(asset: AssetDefinition): void {
    const scope = this.#scope(asset);
    const condition = asset.automation;
    const text = formatAutomationCondition(condition);
    const requested: Partition[] = [];
    let reason: string | undefined;
    for (const partition of scope.partitions) {
      const verdict = this.#node(scope, condition, partition);
      if (!verdict.value) continue;
      requested.push(partition);
      const why = `${text}: ${verdict.sentence}`;
      reason ??= why;
      this.#requests.push({ key: asset.key, partition, origin: "automation", reason: why });
    }
    // Only after the whole asset: its own partitions are not each other's upstream.
    for (const partition of requested) this.#entry(asset.key, partition).requested = true;

    const ticks: Record<string, string> = {};
    for (const cron of scope.crons.values()) {
      if (cron.passed && !cron.waiting && cron.latest !== undefined)
        ticks[cron.cursorKey] = cron.latest.toISOString();
      else if (cron.handled !== undefined) ticks[cron.cursorKey] = cron.handled;
    }
    this.#cursors.set(asset.key, {
      evaluatedAt: this.#nowIso,
      ...(Object.keys(ticks).length > 0 ? { cronTicks: ticks } : {}),
    });
    this.#explanations.set(asset.key, this.#explain(scope, text, requested, reason));
  }

  #scope(asset: AssetDefinition): AssetScope {
    const { graph, partitionKeys, cursors, now } = this.#input;
    const keys = asset.partitions === undefined ? undefined : (partitionKeys.get(asset.key) ?? []);
    const partitions: readonly Partition[] = keys ?? [undefined];
    const upstream = asset.deps.map((dep): Upstream => {
      const depAsset = graph.get(dep.key);
      return {
        key: dep.key,
        mapping: graph.mappingOf(asset.key, dep.key),
        keys: depAsset.partitions === undefined ? undefined : (partitionKeys.get(dep.key) ?? []),
      };
    });
    const crons = new Map<string, CronState>();
    const handledTicks = cursors.get(asset.key)?.cronTicks ?? {};
    const visit = (node: AutomationCondition): void => {
      if (node.kind === "on_cron" || node.kind === "cron_tick_passed") {
        const cursorKey = cronCursorKey(node.cron, node.timezone);
        if (!crons.has(cursorKey)) {
          const { latest, next } = cronTicksAround(node.cron, node.timezone, now);
          const recorded = handledTicks[cursorKey];
          // An unreadable cursor entry would otherwise hold the schedule back for good.
          const handled = recorded !== undefined && Number.isNaN(Date.parse(recorded)) ? undefined : recorded;
          // No handled tick (never evaluated, or a new expression): the latest tick counts as passed.
          const passed =
            latest !== undefined && (handled === undefined || latest.getTime() > Date.parse(handled));
          crons.set(cursorKey, {
            cron: node.cron,
            timezone: node.timezone ?? DEFAULT_CRON_TIMEZONE,
            cursorKey,
            latest,
            next,
            latestText: iso(latest),
            nextText: iso(next),
            handled,
            passed,
            waiting: false,
          });
        }
      } else if (node.kind === "and" || node.kind === "or") node.operands.forEach(visit);
      else if (node.kind === "not") visit(node.operand);
    };
    visit(asset.automation);
    return {
      asset,
      partitions,
      partitioned: keys !== undefined,
      latestPartition: keys === undefined ? undefined : keys[keys.length - 1],
      upstream,
      filtered: new Map(),
      facts: new Map(),
      crons,
      stats: new Map(),
    };
  }

  /** Evaluates one node at one partition and records it for the explanation. */
  #node(scope: AssetScope, node: AutomationCondition, partition: Partition): Verdict {
    const verdict = this.#evaluate(scope, node, partition);
    let stats = scope.stats.get(node);
    if (stats === undefined) {
      stats = { trueCount: 0, first: undefined, latest: undefined };
      scope.stats.set(node, stats);
    }
    if (verdict.value) {
      stats.trueCount++;
      stats.first ??= { partition, sentence: verdict.sentence };
    }
    if (partition === scope.latestPartition) stats.latest = { partition, ...verdict };
    return verdict;
  }

  #evaluate(scope: AssetScope, node: AutomationCondition, partition: Partition): Verdict {
    switch (node.kind) {
      case "and": {
        // Every operand is evaluated (no short cut) so that `why` can show each one's value.
        const verdicts = node.operands.map((o) => this.#node(scope, o, partition));
        const failed = verdicts.find((v) => !v.value);
        return failed ?? { value: true, sentence: verdicts.map((v) => v.sentence).join("; ") };
      }
      case "or": {
        const verdicts = node.operands.map((o) => this.#node(scope, o, partition));
        const passed = verdicts.find((v) => v.value);
        return passed ?? { value: false, sentence: verdicts.map((v) => v.sentence).join("; ") };
      }
      case "not": {
        const inner = this.#node(scope, node.operand, partition);
        // The operand's sentence states the fact either way ("no run in progress", "in progress (…)").
        return { value: !inner.value, sentence: inner.sentence };
      }
      case "manual":
        return { value: false, sentence: "manual: only materialize and the API run it" };
      case "missing": {
        const latest = this.#state(scope, partition).latest;
        return latest === undefined
          ? { value: true, sentence: "never materialized" }
          : { value: false, sentence: `materialized (materialization ${latest.id})` };
      }
      case "in_progress": {
        const running = this.#state(scope, partition).running;
        return running === undefined
          ? { value: false, sentence: "no run in progress" }
          : { value: true, sentence: `in progress (materialization ${running.id})` };
      }
      case "cron_tick_passed": {
        const cron = scope.crons.get(cronCursorKey(node.cron, node.timezone)) as CronState;
        return cron.passed
          ? { value: true, sentence: `the tick at ${cron.latestText} passed` }
          : { value: false, sentence: `next tick ${cron.nextText}` };
      }
      case "any_deps_updated": {
        const facts = this.#facts(scope, node.deps, partition);
        if (facts.requested) return { value: true, sentence: requestedSentence(facts.requested) };
        if (facts.updated)
          return { value: true, sentence: changeSentence(facts.updated, facts.updatedCount) };
        if (this.#state(scope, partition).latest === undefined)
          return { value: false, sentence: "never materialized, so nothing read yet to compare" };
        return { value: false, sentence: upToDate(facts) };
      }
      case "any_deps_missing": {
        const facts = this.#facts(scope, node.deps, partition);
        return facts.missing
          ? { value: true, sentence: missingSentence(facts.missing) }
          : { value: false, sentence: "every upstream is materialized (or requested now)" };
      }
      case "any_deps_in_progress": {
        const facts = this.#facts(scope, node.deps, partition);
        return facts.inProgress
          ? { value: true, sentence: `upstream ${name(facts.inProgress)} is in progress` }
          : { value: false, sentence: "no upstream is in progress" };
      }
      case "eager":
        return this.#eager(scope, node.deps, partition);
      case "on_missing":
        return this.#onMissing(scope, node.deps, partition);
      case "on_cron":
        return this.#onCron(scope, node, partition);
    }
  }

  #eager(scope: AssetScope, deps: DepFilter | undefined, partition: Partition): Verdict {
    const state = this.#state(scope, partition);
    if (state.running) return no(`in progress (materialization ${state.running.id}); waits for it to end`);
    const facts = this.#facts(scope, deps, partition);
    if (facts.inProgress) return no(`waiting: upstream ${name(facts.inProgress)} is in progress`);
    if (facts.missing) return no(`waiting: ${missingSentence(facts.missing)}`);
    const isLatest = partition === scope.latestPartition;
    let trigger: string | undefined;
    if (facts.requested) trigger = requestedSentence(facts.requested);
    else if (facts.updated) trigger = changeSentence(facts.updated, facts.updatedCount);
    else if (state.latest === undefined && isLatest)
      trigger = scope.partitioned ? "the latest partition is missing" : "never materialized";
    else if (state.latest === undefined && facts.feeds)
      trigger = `missing, and upstream ${name(facts.feeds)} holds data for it`;
    if (trigger === undefined) {
      if (state.latest === undefined)
        return no(
          "missing, but eager fills only the latest partition (on_missing or materialize fill older ones)",
        );
      return no(upToDate(facts));
    }
    const failed = failedAttempt(state);
    if (failed && !facts.requested && !facts.changedSinceAttempt) return no(notRetried(failed));
    return { value: true, sentence: trigger };
  }

  #onMissing(scope: AssetScope, deps: DepFilter | undefined, partition: Partition): Verdict {
    const state = this.#state(scope, partition);
    if (state.latest) return no(`materialized (materialization ${state.latest.id})`);
    if (state.running) return no(`in progress (materialization ${state.running.id})`);
    const facts = this.#facts(scope, deps, partition);
    if (facts.inProgress) return no(`waiting: upstream ${name(facts.inProgress)} is in progress`);
    if (facts.missing) return no(`waiting: ${missingSentence(facts.missing)}`);
    const last = state.lastAttempt;
    if (last === undefined) return { value: true, sentence: "never materialized" };
    // A cancelled or skipped attempt says nothing about the asset itself: it may run again.
    if (failedAttempt(state) === undefined)
      return { value: true, sentence: `missing (attempt ${last.id} was ${last.status})` };
    // It failed: only a change upstream makes trying again worthwhile.
    if (facts.requested) return { value: true, sentence: `missing; ${requestedSentence(facts.requested)}` };
    if (facts.changedSinceAttempt)
      return {
        value: true,
        sentence: `missing; upstream ${name(facts.changedSinceAttempt)} changed since attempt ${last.id} (${last.status})`,
      };
    return no(notRetried(last));
  }

  #onCron(
    scope: AssetScope,
    node: Extract<AutomationCondition, { kind: "on_cron" }>,
    partition: Partition,
  ): Verdict {
    const cron = scope.crons.get(cronCursorKey(node.cron, node.timezone)) as CronState;
    const state = this.#state(scope, partition);
    const facts = this.#facts(scope, node.deps, partition);
    const isLatest = partition === scope.latestPartition;
    if (!cron.passed) {
      const changed = facts.updated !== undefined || facts.requested !== undefined;
      const missing = state.latest === undefined;
      return no(
        `next tick ${cron.nextText}; ${missing ? "missing" : `upstream changed: ${changed ? "yes" : "no"}`}`,
      );
    }
    const tick = cron.latestText;
    // Something that may change the inputs is running or about to: the tick stays unhandled, so the
    // next evaluation checks again instead of skipping a whole cron period.
    const wait = (what: string): Verdict => {
      cron.waiting = true;
      return no(`the tick at ${tick} waits: ${what}`);
    };
    if (state.running) return wait(`materialization ${state.running.id} of it is in progress`);
    if (facts.inProgress) return wait(`upstream ${name(facts.inProgress)} is in progress`);
    if (facts.requested) return wait(`upstream ${name(facts.requested)} is requested in this evaluation`);
    if (facts.missing) return no(`the tick at ${tick} passed, but ${missingSentence(facts.missing)}`);
    const failed = failedAttempt(state);
    if (failed && failed.startedAt.getTime() >= (cron.latest as Date).getTime() && !facts.changedSinceAttempt)
      return no(`the tick at ${tick} was acted on: ${notRetried(failed)}`);
    if (state.latest === undefined) {
      if (isLatest)
        return {
          value: true,
          sentence: `the tick at ${tick} passed and ${scope.partitioned ? "the latest partition" : "it"} is missing`,
        };
      return no(`the tick at ${tick} passed; missing, but on_cron fills only the latest partition`);
    }
    if (facts.updated)
      return {
        value: true,
        sentence: `the tick at ${tick} passed and ${changeSentence(facts.updated, facts.updatedCount)}`,
      };
    // With no upstream asset nothing else could tell it changed: the schedule alone decides, for the latest
    // partition (re-running every older partition of a fetch at each tick would redo history). A run
    // started since the tick already answered it, though the tick may still wait for another partition.
    if (facts.none && isLatest) {
      const since = state.lastAttempt !== undefined && state.lastAttempt.startedAt >= (cron.latest as Date);
      if (!since) return { value: true, sentence: `the tick at ${tick} passed (it has no upstream asset)` };
      return no(`the tick at ${tick} was acted on: materialization ${state.lastAttempt.id} ran since`);
    }
    return no(`the tick at ${tick} passed; ${upToDate(facts)}`);
  }

  #state(scope: AssetScope, partition: Partition): AssetPartitionState {
    return this.#entry(scope.asset.key, partition).state;
  }

  #entry(key: AssetKey, partition: Partition): Entry {
    let byPartition = this.#entries.get(key);
    if (byPartition === undefined) {
      byPartition = new Map();
      this.#entries.set(key, byPartition);
    }
    let entry = byPartition.get(partition);
    if (entry === undefined) {
      entry = {
        id: partitionId(key, partition),
        state: this.#input.state.get(key, partition),
        requested: false,
      };
      byPartition.set(partition, entry);
    }
    return entry;
  }

  #filtered(scope: AssetScope, deps: DepFilter | undefined): readonly Upstream[] {
    let links = scope.filtered.get(deps);
    if (links === undefined) {
      const { selectionMatches } = this.#input;
      links = scope.upstream.filter(
        (up) =>
          !(deps?.ignore ?? []).some((s) => selectionMatches(up.key, s)) &&
          (deps?.allow === undefined || deps.allow.some((s) => selectionMatches(up.key, s))),
      );
      scope.filtered.set(deps, links);
    }
    return links;
  }

  #facts(scope: AssetScope, deps: DepFilter | undefined, partition: Partition): DepFacts {
    const links = this.#filtered(scope, deps);
    let byPartition = scope.facts.get(links);
    if (byPartition === undefined) {
      byPartition = new Map();
      scope.facts.set(links, byPartition);
    }
    let facts = byPartition.get(partition);
    if (facts === undefined) {
      facts = this.#computeFacts(scope, links, partition);
      byPartition.set(partition, facts);
    }
    return facts;
  }

  #computeFacts(scope: AssetScope, links: readonly Upstream[], partition: Partition): DepFacts {
    const own = this.#state(scope, partition);
    const read = own.latest === undefined ? undefined : inputsOf(own.latest);
    const attempted =
      own.lastAttempt === undefined || own.lastAttempt === own.latest ? read : inputsOf(own.lastAttempt);
    let updated: VersionChange | undefined;
    let updatedCount = 0;
    let changedSinceAttempt: VersionChange | undefined;
    let missing: DepFacts["missing"];
    let inProgress: UpstreamPartition | undefined;
    let requested: UpstreamPartition | undefined;
    let feeds: UpstreamPartition | undefined;
    for (const link of links) {
      const upstreamPartitions = mapPartitions(link, partition);
      if (upstreamPartitions.length === 0) missing ??= { key: link.key, partition: null };
      for (const upPartition of upstreamPartitions) {
        const { id, state: up, requested: isRequested } = this.#entry(link.key, upPartition);
        if (up.running) inProgress ??= { key: link.key, partition: upPartition };
        if (isRequested) {
          // An unpartitioned upstream feeding partitions (a fetch) says per partition what it changed only
          // once it has run: wait for it rather than re-run every partition after every fetch.
          if (link.keys === undefined && partition !== undefined)
            inProgress ??= { key: link.key, partition: upPartition };
          else requested ??= { key: link.key, partition: upPartition };
          continue;
        }
        if (up.latest === undefined) {
          missing ??= { key: link.key, partition: upPartition };
          continue;
        }
        const version = versionSeenBy(up.latest, partition);
        if (feeds === undefined && partition !== undefined && feedsPartition(link, up.latest, partition))
          feeds = { key: link.key, partition: upPartition };
        if (read !== undefined) {
          if (!read.has(id) || read.get(id) !== version) {
            updatedCount++;
            updated ??= { key: link.key, partition: upPartition, version, read: read.get(id) };
          }
        }
        if (changedSinceAttempt === undefined && attempted !== undefined) {
          if (!attempted.has(id) || attempted.get(id) !== version)
            changedSinceAttempt = { key: link.key, partition: upPartition, version, read: attempted.get(id) };
        }
      }
    }
    return {
      none: links.length === 0,
      updated,
      updatedCount,
      changedSinceAttempt,
      missing,
      inProgress,
      requested,
      feeds,
    };
  }

  #explain(
    scope: AssetScope,
    text: string,
    requested: readonly Partition[],
    reason: string | undefined,
  ): AssetExplanation {
    const counts = { materialized: 0, missing: 0, inProgress: 0, failed: 0 };
    for (const partition of scope.partitions) {
      const state = this.#state(scope, partition);
      if (state.latest) counts.materialized++;
      else counts.missing++;
      if (state.running) counts.inProgress++;
      if (failedAttempt(state)) counts.failed++;
    }
    const node = (condition: AutomationCondition): ConditionNodeExplanation => {
      const stats = scope.stats.get(condition);
      const shown = stats?.first ?? stats?.latest;
      const children =
        condition.kind === "and" || condition.kind === "or"
          ? condition.operands.map(node)
          : condition.kind === "not"
            ? [node(condition.operand)]
            : [];
      return {
        condition: formatAutomationCondition(condition),
        kind: condition.kind,
        value: (stats?.trueCount ?? 0) > 0,
        trueCount: stats?.trueCount ?? 0,
        sentence: shown?.sentence ?? "not evaluated: the asset has no partitions yet",
        ...(shown?.partition === undefined ? {} : { partition: shown.partition }),
        children,
      };
    };
    const crons: CronExplanation[] = [...scope.crons.values()].map((c) => ({
      cron: c.cron,
      timezone: c.timezone,
      ...(c.latest === undefined ? {} : { latestTick: c.latest.toISOString() }),
      ...(c.next === undefined ? {} : { nextTick: c.next.toISOString() }),
      ...(c.handled === undefined ? {} : { handledTick: c.handled }),
      passed: c.passed,
      waiting: c.waiting,
    }));
    const condition = node(scope.asset.automation);
    return {
      key: scope.asset.key,
      automation: text,
      evaluatedAt: this.#nowIso,
      partitioned: scope.partitioned,
      partitionCount: scope.partitions.length,
      counts,
      requested,
      ...(reason === undefined ? {} : { reason }),
      condition,
      crons,
    };
  }
}

/** The upstream partitions partition `partition` reads through `link`. */
function mapPartitions(link: Upstream, partition: Partition): readonly Partition[] {
  if (link.keys === undefined) return [undefined];
  switch (link.mapping) {
    case "identity":
      // Identity between an unpartitioned asset and a partitioned one can only mean all of them.
      return partition === undefined ? link.keys : [partition];
    case "latest":
      return link.keys.length === 0 ? [] : [link.keys[link.keys.length - 1]];
    case "all":
      return link.keys;
  }
}

function feedsPartition(link: Upstream, upstream: MaterializationRecord, partition: string): boolean {
  if (link.keys !== undefined) return link.mapping === "identity";
  const versions = upstream.metadata["partitionVersions"];
  return versions !== null && typeof versions === "object" && partition in versions;
}

function no(sentence: string): Verdict {
  return { value: false, sentence };
}

function iso(date: Date | undefined): string {
  return date === undefined ? "none" : date.toISOString().replace(".000Z", "Z");
}

function requestedSentence(up: UpstreamPartition): string {
  return `upstream ${name(up)} is requested in this evaluation (this runs after it)`;
}

function missingSentence(missing: NonNullable<DepFacts["missing"]>): string {
  return missing.partition === null
    ? `upstream ${missing.key} has no partitions yet`
    : `upstream ${name(missing)} is missing`;
}

function upToDate(facts: DepFacts): string {
  return facts.none ? "no upstream asset to follow" : "up to date: it read every upstream's current version";
}

function notRetried(attempt: MaterializationRecord): string {
  return (
    `its last attempt (materialization ${attempt.id}, ${attempt.status}) read the current upstream versions; ` +
    "automation does not retry it (the executor's retries did) until an upstream changes: materialize it to try again"
  );
}
