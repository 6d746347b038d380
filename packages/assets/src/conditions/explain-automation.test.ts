import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, type AssetDefinition, type InputVersion } from "../graph/asset-definition.js";
import { AssetGraph } from "../graph/asset-graph.js";
import { AssetStateSnapshot } from "../state/asset-state-snapshot.js";
import type { MaterializationRecord } from "../state/materialization-record.js";
import { evaluateAutomation } from "./evaluate-automation.js";
import { formatExplanation } from "./explain-automation.js";
import { parseAutomationCondition } from "./parse-automation-condition.js";

const NOW = new Date("2026-12-06T12:00:00Z");

function asset(key: string, automation: string, deps: string[] = [], partitioned = false): AssetDefinition {
  return {
    key,
    description: key,
    group: "geo",
    tags: [],
    deps: deps.map((d) => ({ key: d })),
    ...(partitioned ? { partitions: { kind: "static" as const, name: "month", keys: [] } } : {}),
    automation: parseAutomationCondition(automation, `[${key}] automation`),
    automationText: automation,
    retry: DEFAULT_RETRY_POLICY,
    materialize: () => Promise.reject(new Error("not run here")),
  };
}

function record(
  id: number,
  key: string,
  status: MaterializationRecord["status"],
  dataVersion: string | null,
  inputs: InputVersion[] = [],
  partition?: string,
): MaterializationRecord {
  return {
    id,
    key,
    partition,
    status,
    runId: id,
    dataVersion,
    inputs,
    outputs: [],
    metadata: {},
    attempt: 1,
    origin: "cli",
    reason: "test",
    requestId: `r${id}`,
    startedAt: NOW,
    finishedAt: status === "running" ? null : NOW,
    error: null,
  };
}

function explain(
  assets: AssetDefinition[],
  records: MaterializationRecord[],
  key: string,
  partitionKeys = new Map<string, string[]>(),
): string {
  const evaluation = evaluateAutomation({
    graph: new AssetGraph(assets),
    partitionKeys,
    state: new AssetStateSnapshot(records),
    cursors: new Map(),
    now: NOW,
    selectionMatches: (k, s) => k === s,
  });
  const explanation = evaluation.explanations.get(key);
  if (explanation === undefined) throw new Error(`no explanation for ${key}`);
  return formatExplanation(explanation);
}

const raw = (id: number, version: string): MaterializationRecord =>
  record(id, "geo/raw", "succeeded", version);
const readRaw = (id: number, version: string): InputVersion[] => [
  { key: "geo/raw", partition: undefined, dataVersion: version, materializationId: id },
];

describe("formatExplanation", () => {
  it("says an asset will run and names the upstream version it has not read", () => {
    const text = explain(
      [asset("geo/raw", "manual"), asset("geo/processed", "eager", ["geo/raw"])],
      [
        raw(1, "77c1d2e3f4a5"),
        record(2, "geo/processed", "succeeded", "p1", readRaw(1, "77c1d2e3f4a5")),
        raw(3, "3a9f8e7d6c5b"),
      ],
      "geo/processed",
    );
    expect(text).toBe(
      [
        "geo/processed will run at the next evaluation: upstream geo/raw has a newer version (v 3a9f8e7d… read 77c1d2e3…)",
        "  automation: eager",
        "  state: materialized",
        "  condition:",
        "    yes eager — upstream geo/raw has a newer version (v 3a9f8e7d… read 77c1d2e3…)",
      ].join("\n"),
    );
  });

  it("says when the next cron tick is and whether an upstream changed", () => {
    const processed = asset("geo/processed", 'on_cron("0 3 * * *") and not in_progress', ["geo/raw"]);
    const evaluation = evaluateAutomation({
      graph: new AssetGraph([asset("geo/raw", "manual"), processed]),
      partitionKeys: new Map(),
      state: new AssetStateSnapshot([
        raw(1, "a"),
        record(2, "geo/processed", "succeeded", "p1", readRaw(1, "a")),
        raw(3, "b"),
      ]),
      cursors: new Map([
        [
          "geo/processed",
          { evaluatedAt: NOW.toISOString(), cronTicks: { "UTC|0 3 * * *": "2026-12-06T03:00:00.000Z" } },
        ],
      ]),
      now: NOW,
      selectionMatches: () => false,
    });
    const explanation = evaluation.explanations.get("geo/processed");
    expect(explanation && formatExplanation(explanation)).toBe(
      [
        'geo/processed will not run: on_cron("0 3 * * *") and not in_progress — next tick 2026-12-07T03:00:00Z; upstream changed: yes',
        '  automation: on_cron("0 3 * * *") and not in_progress',
        "  state: materialized",
        '  cron "0 3 * * *" (UTC): last tick 2026-12-06T03:00:00Z; next tick 2026-12-07T03:00:00Z; handled up to 2026-12-06T03:00:00Z',
        "  condition:",
        '    no  on_cron("0 3 * * *") and not in_progress — next tick 2026-12-07T03:00:00Z; upstream changed: yes',
        '      no  on_cron("0 3 * * *") — next tick 2026-12-07T03:00:00Z; upstream changed: yes',
        "      yes not in_progress — no run in progress",
        "        no  in_progress — no run in progress",
      ].join("\n"),
    );
  });

  it("counts partitions and lists the ones requested", () => {
    const months = ["2024-01", "2024-02", "2024-03"];
    const text = explain(
      [asset("geo/monthly", "on_missing", [], true)],
      [
        record(1, "geo/monthly", "succeeded", "x", [], "2024-01"),
        record(2, "geo/monthly", "running", null, [], "2024-02"),
      ],
      "geo/monthly",
      new Map([["geo/monthly", months]]),
    );
    expect(text.split("\n").slice(0, 3)).toEqual([
      "geo/monthly will run at the next evaluation (1 of 3 partitions: 2024-03): never materialized",
      "  automation: on_missing",
      "  partitions: 3 (1 materialized, 2 missing, 1 in progress, 0 failed)",
    ]);
    expect(text).toContain("yes on_missing [true for 1 of 3] — never materialized (at 2024-03)");
  });

  it("says a partitioned asset with no partitions has nothing to run", () => {
    const text = explain([asset("pubmed/files", "eager", [], true)], [], "pubmed/files", new Map());
    expect(text.split("\n")[0]).toBe("pubmed/files will not run: it has no partitions yet");
  });

  it("tells why a failed asset is not retried", () => {
    const text = explain(
      [asset("geo/raw", "manual"), asset("geo/processed", "eager", ["geo/raw"])],
      [raw(1, "a"), record(2, "geo/processed", "failed", null, readRaw(1, "a"))],
      "geo/processed",
    );
    expect(text).toContain(
      "geo/processed will not run: eager — its last attempt (materialization 2, failed) read the current upstream versions; automation does not retry it",
    );
    expect(text).toContain("  state: missing; its last attempt failed");
  });
});
