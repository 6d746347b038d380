import { describe, expect, it } from "vitest";
import type { AssetDefinition, AssetDependency, AssetKey, InputVersion } from "../graph/asset-definition.js";
import { DEFAULT_RETRY_POLICY } from "../graph/asset-definition.js";
import { AssetGraph } from "../graph/asset-graph.js";
import { AssetStateSnapshot } from "../state/asset-state-snapshot.js";
import { partitionId, versionSeenBy, type MaterializationRecord } from "../state/materialization-record.js";
import type { AutomationCursor } from "./automation-condition.js";
import { evaluateAutomation, type AutomationEvaluation } from "./evaluate-automation.js";
import { parseAutomationCondition } from "./parse-automation-condition.js";

type Part = string | undefined;

interface Spec {
  readonly automation: string;
  readonly deps?: readonly (AssetKey | AssetDependency)[];
  /** The partitions definition's name; partitioned assets with the same name map by identity. */
  readonly partitions?: string;
  readonly tags?: readonly string[];
}

const START = new Date("2026-12-06T00:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A hand-built graph and its materialization records, on a fake clock. Materializations record the upstream
 * versions current when they start, as the executor does.
 */
class World {
  readonly graph: AssetGraph;
  readonly partitionKeys = new Map<AssetKey, string[]>();
  cursors = new Map<AssetKey, AutomationCursor>();
  now = START;
  readonly #records = new Map<number, MaterializationRecord>();
  /** The latest succeeded record per asset-partition, so that starting a run does not rescan every record. */
  readonly #latest = new Map<string, MaterializationRecord>();
  #id = 0;
  #version = 0;

  constructor(specs: Record<AssetKey, Spec>, partitionKeys: Record<AssetKey, string[]> = {}) {
    this.graph = new AssetGraph(
      Object.entries(specs).map(([key, spec]): AssetDefinition => ({
        key,
        description: key,
        group: key.split("/")[0] ?? key,
        tags: spec.tags ?? [],
        deps: (spec.deps ?? []).map((d) => (typeof d === "string" ? { key: d } : d)),
        ...(spec.partitions === undefined
          ? {}
          : { partitions: { kind: "static", name: spec.partitions, keys: partitionKeys[key] ?? [] } }),
        automation: parseAutomationCondition(spec.automation, `[${key}] automation`),
        automationText: spec.automation,
        retry: DEFAULT_RETRY_POLICY,
        materialize: () => Promise.reject(new Error("not run in these tests")),
      })),
    );
    for (const [key, keys] of Object.entries(partitionKeys)) this.partitionKeys.set(key, keys);
  }

  advance(ms: number): this {
    this.now = new Date(this.now.getTime() + ms);
    return this;
  }

  /** A materialization that starts now and is running. */
  start(key: AssetKey, partition?: Part): MaterializationRecord {
    const record: MaterializationRecord = {
      id: ++this.#id,
      key,
      partition,
      status: "running",
      runId: this.#id,
      dataVersion: null,
      inputs: this.#currentInputs(key, partition),
      outputs: [],
      metadata: {},
      attempt: 1,
      origin: "automation",
      reason: "test",
      requestId: `r${this.#id}`,
      startedAt: this.now,
      finishedAt: null,
      error: null,
    };
    this.#records.set(record.id, record);
    return record;
  }

  finish(
    record: MaterializationRecord,
    status: "succeeded" | "failed" = "succeeded",
    options: { version?: string; metadata?: Record<string, unknown> } = {},
  ): MaterializationRecord {
    const done: MaterializationRecord = {
      ...record,
      status,
      dataVersion: status === "succeeded" ? (options.version ?? `v${++this.#version}`) : null,
      metadata: options.metadata ?? {},
      finishedAt: this.now,
      error: status === "failed" ? { code: "command_failed", message: "boom" } : null,
    };
    this.#records.set(record.id, done);
    if (status === "succeeded") this.#latest.set(partitionId(done.key, done.partition), done);
    return done;
  }

  /** Starts and finishes at once. */
  materialize(
    key: AssetKey,
    partition?: Part,
    options: { version?: string; metadata?: Record<string, unknown> } = {},
  ): MaterializationRecord {
    return this.finish(this.start(key, partition), "succeeded", options);
  }

  fail(key: AssetKey, partition?: Part): MaterializationRecord {
    return this.finish(this.start(key, partition), "failed");
  }

  snapshot(): AssetStateSnapshot {
    return new AssetStateSnapshot(this.#records.values());
  }

  /** Evaluates at `now` and keeps the cursors, as the daemon does after a successful submit. */
  evaluate(options: { keepCursors?: boolean } = {}): AutomationEvaluation {
    const evaluation = evaluateAutomation({
      graph: this.graph,
      partitionKeys: this.partitionKeys,
      state: this.snapshot(),
      cursors: this.cursors,
      now: this.now,
      selectionMatches: (key, selection) => this.#matches(key, selection),
    });
    if (options.keepCursors !== false) this.cursors = evaluation.cursors;
    return evaluation;
  }

  /** Requested asset-partitions as `key` or `key[partition]`, in request order. */
  requested(options: { keepCursors?: boolean } = {}): string[] {
    return this.evaluate(options).requests.map((r) =>
      r.partition === undefined ? r.key : `${r.key}[${r.partition}]`,
    );
  }

  #matches(key: AssetKey, selection: string): boolean {
    if (selection.startsWith("tag:")) return this.graph.get(key).tags.includes(selection.slice(4));
    const pattern = selection
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^/]*");
    return new RegExp(`^${pattern}$`).test(key);
  }

  #currentInputs(key: AssetKey, partition: Part): InputVersion[] {
    const inputs: InputVersion[] = [];
    if (!this.graph.has(key)) return inputs;
    for (const dep of this.graph.get(key).deps) {
      const keys =
        this.graph.get(dep.key).partitions === undefined ? undefined : this.partitionKeys.get(dep.key);
      const mapping = this.graph.mappingOf(key, dep.key);
      const parts: Part[] =
        keys === undefined
          ? [undefined]
          : mapping === "identity" && partition !== undefined
            ? [partition]
            : mapping === "latest"
              ? keys.slice(-1)
              : keys;
      for (const p of parts) {
        const latest = this.#latest.get(partitionId(dep.key, p));
        if (latest === undefined) continue;
        const dataVersion = versionSeenBy(latest, partition) ?? "";
        inputs.push({ key: dep.key, partition: p, dataVersion, materializationId: latest.id });
      }
    }
    return inputs;
  }
}

const chain = (automation: string, downstream = automation): World =>
  new World({ "geo/raw": { automation }, "geo/processed": { automation: downstream, deps: ["geo/raw"] } });

describe("eager", () => {
  it("requests a missing asset and, in the same evaluation, its downstream after it", () => {
    const world = new World({
      "a/raw": { automation: "eager" },
      "a/mid": { automation: "eager", deps: ["a/raw"] },
      "a/top": { automation: "eager", deps: ["a/mid"] },
    });
    const evaluation = world.evaluate();
    expect(evaluation.requests.map((r) => r.key)).toEqual(["a/raw", "a/mid", "a/top"]);
    expect(evaluation.requests[0]).toMatchObject({
      origin: "automation",
      reason: "eager: never materialized",
    });
    expect(evaluation.requests[1]?.reason).toBe(
      "eager: upstream a/raw is requested in this evaluation (this runs after it)",
    );
  });

  it("requests the downstream when the upstream has a newer version than the one it read, then stops", () => {
    const world = chain("eager");
    world.materialize("geo/raw", undefined, { version: "3a9f00aa11" });
    world.materialize("geo/processed");
    expect(world.requested()).toEqual([]);
    world.materialize("geo/raw", undefined, { version: "77c1bb22" });
    const evaluation = world.evaluate();
    expect(evaluation.requests).toEqual([
      {
        key: "geo/processed",
        partition: undefined,
        origin: "automation",
        reason: "eager: upstream geo/raw has a newer version (v 77c1bb22 read 3a9f00aa…)",
      },
    ]);
    world.materialize("geo/processed");
    expect(world.requested()).toEqual([]);
  });

  it("does not count a re-materialization that left the same data version as a change", () => {
    const world = chain("eager");
    world.materialize("geo/raw", undefined, { version: "same" });
    world.materialize("geo/processed");
    world.materialize("geo/raw", undefined, { version: "same" });
    expect(world.requested()).toEqual([]);
  });

  it("waits while an upstream is missing, and while the asset itself runs", () => {
    const world = new World({
      "a/one": { automation: "manual" },
      "a/two": { automation: "eager" },
      "a/both": { automation: "eager", deps: ["a/one", "a/two"] },
    });
    world.materialize("a/two");
    const evaluation = world.evaluate();
    expect(evaluation.requests).toEqual([]);
    expect(evaluation.explanations.get("a/both")?.condition.sentence).toBe(
      "waiting: upstream a/one is missing",
    );
    world.materialize("a/one");
    const run = world.start("a/both");
    expect(world.requested()).toEqual([]);
    world.finish(run);
    expect(world.requested()).toEqual([]);
  });

  it("fills only the latest missing partition of a partitioned asset", () => {
    const world = new World(
      { "geo/monthly": { automation: "eager", partitions: "month" } },
      { "geo/monthly": ["2024-01", "2024-02", "2024-03"] },
    );
    expect(world.requested()).toEqual(["geo/monthly[2024-03]"]);
    const why = world.evaluate().explanations.get("geo/monthly");
    expect(why?.condition.trueCount).toBe(1);
    expect(why?.counts).toEqual({ materialized: 0, missing: 3, inProgress: 0, failed: 0 });
  });

  it("does not re-request a failed attempt that read the current upstream versions, and says so", () => {
    const world = chain("eager");
    world.materialize("geo/raw");
    world.materialize("geo/processed");
    world.materialize("geo/raw");
    expect(world.requested()).toEqual(["geo/processed"]);
    const failed = world.fail("geo/processed");
    const evaluation = world.evaluate();
    expect(evaluation.requests).toEqual([]);
    expect(evaluation.explanations.get("geo/processed")?.condition.sentence).toContain(
      `its last attempt (materialization ${failed.id}, failed) read the current upstream versions; automation does not retry it`,
    );
    world.materialize("geo/raw");
    expect(world.requested()).toEqual(["geo/processed"]);
  });

  it("does not retry a missing root asset whose attempt failed", () => {
    const world = new World({ "a/root": { automation: "eager" } });
    world.fail("a/root");
    expect(world.requested()).toEqual([]);
  });
});

describe("Dagster pitfalls", () => {
  it("pitfall 1: an upstream re-materialized while the downstream was in progress is not missed", () => {
    const world = chain("eager");
    world.materialize("geo/raw");
    world.materialize("geo/processed");
    world.materialize("geo/raw");
    expect(world.requested()).toEqual(["geo/processed"]);
    // The request starts (reading the raw version of now); raw is materialized again during the run.
    const run = world.start("geo/processed");
    world.advance(MINUTE).materialize("geo/raw");
    expect(world.advance(MINUTE).requested()).toEqual([]);
    world.advance(MINUTE).finish(run);
    // A "since the last handled evaluation" cursor would have consumed raw's update by now.
    const evaluation = world.advance(MINUTE).evaluate();
    expect(evaluation.requests.map((r) => r.key)).toEqual(["geo/processed"]);
    expect(evaluation.requests[0]?.reason).toMatch(/upstream geo\/raw has a newer version/);
  });

  it("pitfall 1: an upstream re-materialized between the request and the run's start triggers nothing twice", () => {
    const world = chain("eager");
    world.materialize("geo/raw");
    world.materialize("geo/processed");
    world.materialize("geo/raw");
    expect(world.requested()).toEqual(["geo/processed"]);
    world.materialize("geo/raw");
    world.materialize("geo/processed");
    expect(world.requested()).toEqual([]);
  });

  it("pitfall 2: an ignored dependency does not trigger, whatever its mapping", () => {
    const world = new World(
      {
        "pubmed/raw": { automation: "manual", partitions: "file" },
        "geo/raw": { automation: "manual", partitions: "file" },
        "meta/all": { automation: "manual" },
        "meta/joined": {
          automation: 'eager(ignore = ["pubmed/*", "meta/all"])',
          partitions: "file",
          deps: ["pubmed/raw", { key: "geo/raw", mapping: "identity" }, { key: "meta/all", mapping: "all" }],
        },
      },
      { "pubmed/raw": ["f1", "f2"], "geo/raw": ["f1", "f2"], "meta/joined": ["f1", "f2"] },
    );
    const tagged = new World(
      {
        "x/noisy": { automation: "manual", tags: ["noisy"] },
        "x/down": { automation: 'eager(ignore = "tag:noisy")', deps: ["x/noisy"] },
      },
      {},
    );
    for (const p of ["f1", "f2"]) {
      world.materialize("pubmed/raw", p);
      world.materialize("geo/raw", p);
    }
    world.materialize("meta/all");
    world.materialize("meta/joined", "f1");
    world.materialize("meta/joined", "f2");
    expect(world.requested()).toEqual([]);
    // identity (pubmed/raw f1, the default for same-named partitions) and all (meta/all): both ignored.
    world.materialize("pubmed/raw", "f1");
    world.materialize("meta/all");
    expect(world.requested()).toEqual([]);
    world.materialize("geo/raw", "f2");
    expect(world.requested()).toEqual(["meta/joined[f2]"]);

    tagged.materialize("x/noisy");
    tagged.materialize("x/down");
    tagged.materialize("x/noisy");
    expect(tagged.requested()).toEqual([]);
  });

  it("pitfall 2: an ignored dependency requested in the same evaluation does not trigger", () => {
    const world = new World({
      "pubmed/raw": { automation: "eager" },
      "geo/raw": { automation: "manual" },
      "meta/joined": { automation: 'eager(ignore = "pubmed/*")', deps: ["pubmed/raw", "geo/raw"] },
    });
    world.materialize("geo/raw");
    // An ignored dependency that is missing does not hold the asset back either.
    expect(world.evaluate().requests.map((r) => [r.key, r.reason])).toEqual([
      ["pubmed/raw", "eager: never materialized"],
      ["meta/joined", 'eager(ignore = "pubmed/*"): never materialized'],
    ]);
    world.materialize("meta/joined");
    expect(world.requested()).toEqual(["pubmed/raw"]);
  });

  it("pitfall 2: allow keeps only the dependencies it names", () => {
    const world = new World({
      "a/one": { automation: "manual" },
      "a/two": { automation: "manual" },
      "a/down": { automation: 'eager(allow = "a/one")', deps: ["a/one", "a/two"] },
    });
    world.materialize("a/one");
    world.materialize("a/two");
    world.materialize("a/down");
    world.materialize("a/two");
    expect(world.requested()).toEqual([]);
    world.materialize("a/one");
    expect(world.requested()).toEqual(["a/down"]);
  });

  it("pitfall 3: older partitions are requested when an upstream re-materialized that partition", () => {
    const months = ["2024-01", "2024-02", "2024-03"];
    const world = new World(
      {
        "geo/raw": { automation: "manual", partitions: "month" },
        "geo/processed": { automation: "eager", partitions: "month", deps: ["geo/raw"] },
      },
      { "geo/raw": months, "geo/processed": months },
    );
    for (const m of months) world.materialize("geo/raw", m);
    for (const m of months) world.materialize("geo/processed", m);
    expect(world.requested()).toEqual([]);
    world.materialize("geo/raw", "2024-01");
    const evaluation = world.evaluate();
    expect(evaluation.requests.map((r) => r.partition)).toEqual(["2024-01"]);
    expect(evaluation.requests[0]?.reason).toMatch(
      /^eager: upstream geo\/raw\[2024-01\] has a newer version/,
    );
  });

  it("pitfall 4: an in-progress upstream does not trigger its downstream early", () => {
    const world = new World({
      "a/raw": { automation: "manual" },
      "a/mid": { automation: "eager", deps: ["a/raw"] },
      "a/top": { automation: "eager", deps: ["a/mid"] },
    });
    world.materialize("a/raw");
    world.materialize("a/mid");
    world.materialize("a/top");
    // a/top is now behind a/mid, and a/mid runs again: a/top waits for that run instead of running twice.
    world.materialize("a/mid");
    const mid = world.start("a/mid");
    const evaluation = world.evaluate();
    expect(evaluation.requests).toEqual([]);
    expect(evaluation.explanations.get("a/top")?.condition.sentence).toBe(
      "waiting: upstream a/mid is in progress",
    );
    world.finish(mid);
    expect(world.requested()).toEqual(["a/top"]);
  });

  it("pitfall 4: an updated downstream waits for a running upstream instead of reading half its inputs", () => {
    const world = new World({
      "a/one": { automation: "manual" },
      "a/two": { automation: "manual" },
      "a/down": { automation: "eager", deps: ["a/one", "a/two"] },
    });
    world.materialize("a/one");
    world.materialize("a/two");
    world.materialize("a/down");
    world.materialize("a/one");
    const two = world.start("a/two");
    expect(world.requested()).toEqual([]);
    world.finish(two);
    expect(world.requested()).toEqual(["a/down"]);
  });
});

describe("partition mappings", () => {
  it("all: an unpartitioned asset reading every partition follows a new upstream partition", () => {
    const world = new World(
      {
        "pubmed/files": { automation: "manual", partitions: "file" },
        "pubmed/merged": { automation: "eager", deps: ["pubmed/files"] },
      },
      { "pubmed/files": ["f1", "f2"] },
    );
    world.materialize("pubmed/files", "f1");
    world.materialize("pubmed/files", "f2");
    world.materialize("pubmed/merged");
    expect(world.requested()).toEqual([]);
    world.partitionKeys.set("pubmed/files", ["f1", "f2", "f3"]);
    world.materialize("pubmed/files", "f3", { version: "fresh" });
    expect(world.evaluate().requests[0]?.reason).toBe(
      "eager: upstream pubmed/files[f3] has a newer version (v fresh not read yet)",
    );
  });

  it("all: waits for an upstream with no partitions yet", () => {
    const world = new World(
      {
        "pubmed/files": { automation: "manual", partitions: "file" },
        "pubmed/merged": { automation: "eager", deps: ["pubmed/files"] },
      },
      { "pubmed/files": [] },
    );
    const evaluation = world.evaluate();
    expect(evaluation.requests).toEqual([]);
    expect(evaluation.explanations.get("pubmed/merged")?.condition.sentence).toBe(
      "waiting: upstream pubmed/files has no partitions yet",
    );
  });

  it("latest: only the upstream's latest partition counts", () => {
    const world = new World(
      {
        "geo/daily": { automation: "manual", partitions: "day" },
        "geo/summary": { automation: "eager", deps: [{ key: "geo/daily", mapping: "latest" }] },
      },
      { "geo/daily": ["d1", "d2"] },
    );
    world.materialize("geo/daily", "d2");
    world.materialize("geo/summary");
    // d1 is neither missing nor a change for this asset: it does not read it.
    world.materialize("geo/daily", "d1");
    expect(world.requested()).toEqual([]);
    world.materialize("geo/daily", "d2");
    expect(world.requested()).toEqual(["geo/summary"]);
  });

  it("an unpartitioned upstream's per-partition versions mark only the partitions they changed", () => {
    const files = ["f1", "f2", "f3"];
    const world = new World(
      {
        "pubmed/fetch": { automation: "manual" },
        "pubmed/parsed": { automation: "eager", partitions: "file", deps: ["pubmed/fetch"] },
      },
      { "pubmed/parsed": files },
    );
    world.materialize("pubmed/fetch", undefined, {
      metadata: { partitionVersions: { f1: "a", f2: "a", f3: "a" } },
    });
    for (const f of files) world.materialize("pubmed/parsed", f);
    expect(world.requested()).toEqual([]);
    world.materialize("pubmed/fetch", undefined, {
      metadata: { partitionVersions: { f1: "a", f2: "b", f3: "a" } },
    });
    expect(world.requested()).toEqual(["pubmed/parsed[f2]"]);
  });

  it("fills every new partition a fetch brought, not only the latest", () => {
    const world = new World(
      {
        "pubmed/fetch": { automation: "manual" },
        "pubmed/parsed": { automation: "eager", partitions: "file", deps: ["pubmed/fetch"] },
      },
      { "pubmed/parsed": ["f1", "f2", "f3", "f4"] },
    );
    world.materialize("pubmed/fetch", undefined, { metadata: { partitionVersions: { f1: "a", f2: "a" } } });
    world.materialize("pubmed/parsed", "f1");
    world.materialize("pubmed/parsed", "f2");
    // f3 and f4 arrive in one fetch; f3 is not the latest partition but holds new files all the same.
    world.materialize("pubmed/fetch", undefined, {
      metadata: { partitionVersions: { f1: "a", f2: "a", f3: "c", f4: "d" } },
    });
    const evaluation = world.evaluate();
    expect(evaluation.requests.map((r) => r.partition)).toEqual(["f3", "f4"]);
    expect(evaluation.requests[0]?.reason).toBe(
      "eager: missing, and upstream pubmed/fetch holds data for it",
    );
  });

  it("waits for a fetch requested in the same evaluation instead of re-running every partition", () => {
    const world = new World(
      {
        "pubmed/fetch": { automation: 'on_cron("0 3 * * *")' },
        "pubmed/parsed": { automation: "eager", partitions: "file", deps: ["pubmed/fetch"] },
      },
      { "pubmed/parsed": ["f1", "f2"] },
    );
    world.materialize("pubmed/fetch", undefined, { metadata: { partitionVersions: { f1: "a", f2: "b" } } });
    world.materialize("pubmed/parsed", "f1");
    world.materialize("pubmed/parsed", "f2");
    world.advance(4 * HOUR);
    expect(world.requested()).toEqual(["pubmed/fetch"]);
    world.materialize("pubmed/fetch", undefined, { metadata: { partitionVersions: { f1: "a", f2: "c" } } });
    expect(world.requested()).toEqual(["pubmed/parsed[f2]"]);
  });

  it("fills an older partition whose identity-mapped upstream partition exists", () => {
    const world = new World(
      {
        "geo/monthly": { automation: "manual", partitions: "month" },
        "geo/parsed": { automation: "eager", partitions: "month", deps: ["geo/monthly"] },
      },
      { "geo/monthly": ["2024-01", "2024-02"], "geo/parsed": ["2024-01", "2024-02"] },
    );
    world.materialize("geo/monthly", "2024-01");
    expect(world.requested()).toEqual(["geo/parsed[2024-01]"]);
  });

  it("ignores records of deleted partitions and of assets no longer in the graph", () => {
    const world = new World(
      { "geo/monthly": { automation: "on_missing", partitions: "month" } },
      { "geo/monthly": ["2024-01", "2024-02", "2024-03"] },
    );
    world.materialize("geo/monthly", "2024-01");
    world.materialize("old/asset");
    world.partitionKeys.set("geo/monthly", ["2024-02", "2024-03"]);
    const evaluation = world.evaluate();
    expect(evaluation.requests.map((r) => r.partition)).toEqual(["2024-02", "2024-03"]);
    expect(evaluation.explanations.get("geo/monthly")?.partitionCount).toBe(2);
  });
});

describe("on_missing", () => {
  it("requests every missing partition once, and only after its upstream exists", () => {
    const days = ["d1", "d2", "d3"];
    const world = new World(
      {
        "bio/raw": { automation: "manual", partitions: "day" },
        "bio/parsed": { automation: "on_missing", partitions: "day", deps: ["bio/raw"] },
      },
      { "bio/raw": days, "bio/parsed": days },
    );
    world.materialize("bio/raw", "d1");
    world.materialize("bio/raw", "d3");
    const evaluation = world.evaluate();
    expect(evaluation.requests.map((r) => r.partition)).toEqual(["d1", "d3"]);
    expect(evaluation.requests[0]?.reason).toBe("on_missing: never materialized");
    const d1 = world.start("bio/parsed", "d1");
    world.materialize("bio/parsed", "d3");
    expect(world.requested()).toEqual([]);
    world.finish(d1);
    world.materialize("bio/raw", "d1");
    expect(world.requested()).toEqual([]);
    world.materialize("bio/raw", "d2");
    expect(world.requested()).toEqual(["bio/parsed[d2]"]);
  });

  it("does not retry a failed partition until its inputs change", () => {
    const world = new World({
      "a/raw": { automation: "manual" },
      "a/down": { automation: "on_missing", deps: ["a/raw"] },
    });
    world.materialize("a/raw");
    world.fail("a/down");
    expect(world.requested()).toEqual([]);
    world.materialize("a/raw");
    expect(world.evaluate().requests[0]?.reason).toMatch(
      /^on_missing: missing; upstream a\/raw changed since attempt 2 \(failed\)$/,
    );
  });

  it("runs again a partition whose attempt was cancelled", () => {
    const world = new World({ "a/x": { automation: "on_missing" } });
    world.finish(world.start("a/x"), "failed");
    expect(world.requested()).toEqual([]);
    const cancelled: MaterializationRecord = { ...world.start("a/x"), status: "cancelled" };
    const evaluation = evaluateAutomation({
      graph: world.graph,
      partitionKeys: world.partitionKeys,
      state: new AssetStateSnapshot([cancelled]),
      cursors: new Map(),
      now: world.now,
      selectionMatches: () => false,
    });
    expect(evaluation.requests[0]?.reason).toBe(
      `on_missing: missing (attempt ${cancelled.id} was cancelled)`,
    );
  });

  it("runs a missing asset after its missing upstream in the same evaluation", () => {
    const world = new World({
      "a/raw": { automation: "on_missing" },
      "a/down": { automation: "on_missing", deps: ["a/raw"] },
    });
    expect(world.requested()).toEqual(["a/raw", "a/down"]);
  });
});

describe("manual and the building blocks", () => {
  it("never requests a manual asset", () => {
    const world = new World({ "a/x": { automation: "manual" } });
    const evaluation = world.evaluate();
    expect(evaluation.requests).toEqual([]);
    expect(evaluation.explanations.get("a/x")?.condition.sentence).toBe(
      "manual: only materialize and the API run it",
    );
  });

  it("combines building blocks per partition with and, or and not", () => {
    const days = ["d1", "d2", "d3"];
    const world = new World(
      {
        "a/raw": { automation: "manual", partitions: "day" },
        "a/down": {
          automation: "(missing or any_deps_updated) and not in_progress and not any_deps_in_progress",
          partitions: "day",
          deps: ["a/raw"],
        },
      },
      { "a/raw": days, "a/down": days },
    );
    for (const d of days) world.materialize("a/raw", d);
    world.materialize("a/down", "d1");
    world.materialize("a/down", "d2");
    world.materialize("a/raw", "d2");
    world.start("a/raw", "d1");
    world.start("a/down", "d3");
    // d1: upstream in progress; d2: upstream updated; d3: missing but running itself.
    const evaluation = world.evaluate();
    expect(evaluation.requests.map((r) => r.partition)).toEqual(["d2"]);
    const tree = evaluation.explanations.get("a/down")?.condition;
    expect(tree?.kind).toBe("and");
    expect(tree?.children.map((c) => [c.condition, c.trueCount])).toEqual([
      ["missing or any_deps_updated", 2],
      ["not in_progress", 2],
      ["not any_deps_in_progress", 2],
    ]);
    expect(tree?.children[0]?.children.map((c) => c.trueCount)).toEqual([1, 1]);
  });

  it("any_deps_missing and in_progress see the state as it is", () => {
    const world = new World({
      "a/raw": { automation: "manual" },
      "a/down": { automation: "any_deps_missing or in_progress", deps: ["a/raw"] },
    });
    expect(world.requested()).toEqual(["a/down"]);
    world.materialize("a/raw");
    expect(world.requested()).toEqual([]);
    world.start("a/down");
    expect(world.requested()).toEqual(["a/down"]);
  });

  it("cron_tick_passed is true once per tick", () => {
    const world = new World({ "a/x": { automation: 'cron_tick_passed("0 * * * *")' } });
    world.now = new Date("2026-12-06T10:30:00Z");
    expect(world.requested()).toEqual(["a/x"]);
    expect(world.cursors.get("a/x")?.cronTicks).toEqual({ "UTC|0 * * * *": "2026-12-06T10:00:00.000Z" });
    expect(world.advance(20 * MINUTE).requested()).toEqual([]);
    expect(world.advance(20 * MINUTE).requested()).toEqual(["a/x"]);
  });
});

describe("on_cron", () => {
  it("treats the latest tick as passed for a never-evaluated asset, then runs once per tick", () => {
    const world = chain("manual", 'on_cron("0 3 * * *")');
    world.now = new Date("2026-12-06T12:00:00Z");
    world.materialize("geo/raw");
    world.materialize("geo/processed");
    world.materialize("geo/raw");
    expect(world.requested()).toEqual(["geo/processed"]);
    expect(world.cursors.get("geo/processed")).toEqual({
      evaluatedAt: "2026-12-06T12:00:00.000Z",
      cronTicks: { "UTC|0 3 * * *": "2026-12-06T03:00:00.000Z" },
    });
    // Not run yet, but the tick was handled: the next one is tomorrow.
    const later = world.advance(HOUR).evaluate();
    expect(later.requests).toEqual([]);
    expect(later.explanations.get("geo/processed")?.condition.sentence).toBe(
      "next tick 2026-12-07T03:00:00Z; upstream changed: yes",
    );
  });

  it("handles a tick with nothing changed without running, and keeps the tick when not saved", () => {
    const world = chain("manual", 'on_cron("0 3 * * *")');
    world.now = new Date("2026-12-06T03:10:00Z");
    world.materialize("geo/raw");
    world.materialize("geo/processed");
    expect(world.requested({ keepCursors: false })).toEqual([]);
    world.materialize("geo/raw");
    // The cursor was not saved (a failed submit): the same tick is acted on again.
    expect(world.requested()).toEqual(["geo/processed"]);
    expect(world.requested()).toEqual([]);
  });

  it("treats an unreadable cursor entry as no handled tick", () => {
    const world = new World({ "a/x": { automation: 'on_cron("0 3 * * *")' } });
    world.now = new Date("2026-12-06T02:00:00Z");
    world.materialize("a/x");
    world.now = new Date("2026-12-06T04:00:00Z");
    world.cursors.set("a/x", { evaluatedAt: "x", cronTicks: { "UTC|0 3 * * *": "garbage" } });
    expect(world.requested()).toEqual(["a/x"]);
    expect(world.cursors.get("a/x")?.cronTicks).toEqual({ "UTC|0 3 * * *": "2026-12-06T03:00:00.000Z" });
  });

  it("reads the expression in its time zone", () => {
    const world = new World({ "a/x": { automation: 'on_cron("0 3 * * *", tz = "Europe/Paris")' } });
    world.now = new Date("2026-12-06T01:59:00Z");
    world.materialize("a/x");
    world.cursors.set("a/x", {
      evaluatedAt: "x",
      cronTicks: { "Europe/Paris|0 3 * * *": "2026-12-05T02:00:00.000Z" },
    });
    expect(world.requested()).toEqual([]);
    // 03:00 in Paris is 02:00 UTC in December; a root asset with no upstream runs at every tick.
    const evaluation = world.advance(MINUTE).evaluate();
    expect(evaluation.requests[0]?.reason).toBe(
      'on_cron("0 3 * * *", tz = "Europe/Paris"): the tick at 2026-12-06T02:00:00Z passed (it has no upstream asset)',
    );
  });

  it("runs only the latest partition of a partitioned asset with no upstream at each tick", () => {
    const days = ["d1", "d2", "d3"];
    const world = new World(
      { "bio/fetch": { automation: 'on_cron("0 3 * * *")', partitions: "day" } },
      { "bio/fetch": days },
    );
    world.now = new Date("2026-12-06T02:00:00Z");
    for (const d of days) world.materialize("bio/fetch", d);
    world.now = new Date("2026-12-06T03:00:00Z");
    expect(world.requested()).toEqual(["bio/fetch[d3]"]);
    expect(world.advance(HOUR).requested()).toEqual([]);
    expect(world.advance(24 * HOUR).requested()).toEqual(["bio/fetch[d3]"]);
  });

  it("runs the latest partition of an asset with no upstream once per tick while another partition runs", () => {
    const days = ["d1", "d2", "d3"];
    const world = new World(
      { "bio/fetch": { automation: 'on_cron("0 3 * * *")', partitions: "day" } },
      { "bio/fetch": days },
    );
    world.now = new Date("2026-12-06T02:00:00Z");
    for (const d of days) world.materialize("bio/fetch", d);
    world.evaluate();
    const backfill = world.start("bio/fetch", "d1");
    world.now = new Date("2026-12-06T03:00:00Z");
    expect(world.requested()).toEqual(["bio/fetch[d3]"]);
    const latest = world.start("bio/fetch", "d3");
    expect(world.advance(MINUTE).requested()).toEqual([]);
    world.advance(MINUTE).finish(latest);
    expect(world.advance(MINUTE).requested()).toEqual([]);
    expect(world.cursors.get("bio/fetch")?.cronTicks).toEqual({
      "UTC|0 3 * * *": "2026-12-05T03:00:00.000Z",
    });
    world.finish(backfill);
    expect(world.advance(MINUTE).requested()).toEqual([]);
    expect(world.cursors.get("bio/fetch")?.cronTicks).toEqual({
      "UTC|0 3 * * *": "2026-12-06T03:00:00.000Z",
    });
  });

  it("waits for an upstream in progress at the tick instead of skipping it", () => {
    const world = chain("manual", 'on_cron("0 3 * * *")');
    world.now = new Date("2026-12-05T12:00:00Z");
    world.materialize("geo/raw");
    world.materialize("geo/processed");
    world.evaluate();
    world.now = new Date("2026-12-06T02:55:00Z");
    const raw = world.start("geo/raw");
    const atTick = world.advance(5 * MINUTE).evaluate();
    expect(atTick.requests).toEqual([]);
    expect(world.cursors.get("geo/processed")?.cronTicks).toEqual({
      "UTC|0 3 * * *": "2026-12-05T03:00:00.000Z",
    });
    expect(atTick.explanations.get("geo/processed")?.crons[0]).toMatchObject({ passed: true, waiting: true });
    world.advance(5 * MINUTE).finish(raw);
    expect(world.advance(5 * MINUTE).requested()).toEqual(["geo/processed"]);
    expect(world.cursors.get("geo/processed")?.cronTicks).toEqual({
      "UTC|0 3 * * *": "2026-12-06T03:00:00.000Z",
    });
  });

  it("waits for an upstream requested in the same evaluation, then runs only if it changed", () => {
    const world = new World({
      "a/fetch": { automation: 'on_cron("0 3 * * *")' },
      "a/parsed": { automation: 'on_cron("0 3 * * *")', deps: ["a/fetch"] },
    });
    world.now = new Date("2026-12-06T01:00:00Z");
    world.materialize("a/fetch", undefined, { version: "same" });
    world.materialize("a/parsed");
    world.evaluate();
    world.now = new Date("2026-12-06T03:00:00Z");
    expect(world.requested()).toEqual(["a/fetch"]);
    world.materialize("a/fetch", undefined, { version: "same" });
    expect(world.advance(MINUTE).requested()).toEqual([]);
    expect(world.cursors.get("a/parsed")?.cronTicks?.["UTC|0 3 * * *"]).toBe("2026-12-06T03:00:00.000Z");
  });

  it("runs a daily downstream of an hourly upstream exactly once a day, only when the upstream changed", () => {
    for (const upstreamMinute of [20, 50]) {
      const world = chain("manual", 'on_cron("0 3 * * *")');
      world.materialize("geo/raw");
      world.materialize("geo/processed");
      const running = new Map<MaterializationRecord, number>();
      const requestedAt: string[] = [];
      // 48 hours in 5-minute steps; the upstream runs for 15 minutes each hour (at :50, across the 03:00 tick).
      for (let step = 0; step < (48 * 60) / 5; step++) {
        for (const [record, end] of running)
          if (world.now.getTime() >= end) {
            world.finish(record);
            running.delete(record);
          }
        if (world.now.getUTCMinutes() === upstreamMinute)
          running.set(world.start("geo/raw"), world.now.getTime() + 15 * MINUTE);
        for (const request of world.evaluate().requests) {
          requestedAt.push(`${request.key} ${world.now.toISOString()}`);
          running.set(world.start(request.key), world.now.getTime() + 10 * MINUTE);
        }
        world.advance(5 * MINUTE);
      }
      const at = upstreamMinute === 50 ? "03:05" : "03:00";
      expect(requestedAt).toEqual([
        `geo/processed 2026-12-06T${at}:00.000Z`,
        `geo/processed 2026-12-07T${at}:00.000Z`,
      ]);
    }
  });

  it("acts on a failed attempt once per tick", () => {
    const world = chain("manual", 'on_cron("0 3 * * *")');
    world.now = new Date("2026-12-06T03:00:00Z");
    world.materialize("geo/raw");
    expect(world.requested()).toEqual(["geo/processed"]);
    world.fail("geo/processed");
    // The tick stayed unhandled in a world where the submit was lost; the failed attempt still counts.
    world.cursors = new Map();
    expect(world.advance(MINUTE).requested()).toEqual([]);
    world.now = new Date("2026-12-07T03:00:00Z");
    expect(world.requested()).toEqual(["geo/processed"]);
  });
});

describe("scale", () => {
  it("evaluates 100 assets of 100 partitions in chains and fan-ins", () => {
    const keys = Array.from({ length: 100 }, (_, i) => `p${i}`);
    const specs: Record<AssetKey, Spec> = {};
    const partitionKeys: Record<AssetKey, string[]> = {};
    for (let i = 0; i < 100; i++) {
      const deps = i === 0 ? [] : i % 10 === 0 ? [`c/a${i - 1}`, `c/a${i - 10}`] : [`c/a${i - 1}`];
      specs[`c/a${i}`] = { automation: i === 0 ? "manual" : "eager", partitions: "p", deps };
      partitionKeys[`c/a${i}`] = keys;
    }
    const world = new World(specs, partitionKeys);
    for (let i = 0; i < 100; i++) for (const p of keys) world.materialize(`c/a${i}`, p);
    world.materialize("c/a0", "p7");
    const requested = world.requested();
    expect(requested).toHaveLength(99);
    expect(requested.every((r) => r.endsWith("[p7]"))).toBe(true);
  });
});
