import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_RETRY_POLICY, type AssetDefinition } from "../graph/asset-definition.js";
import { AssetGraph } from "../graph/asset-graph.js";
import { parseAutomationCondition } from "../conditions/parse-automation-condition.js";
import type { PartitionRunner } from "../runners/partition-runner.js";
import { executeRequests } from "./execute-requests.js";

const asset: AssetDefinition = {
  key: "data/notes/raw",
  description: "raw",
  group: "data/notes",
  tags: [],
  deps: [],
  automation: parseAutomationCondition("manual", "automation"),
  automationText: "manual",
  retry: DEFAULT_RETRY_POLICY,
  materialize: () => Promise.reject(new Error("not run here")),
};

describe("executeRequests when cancelled while a partition runs", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("waits for the running partition instead of racing the settled abort again and again", async () => {
    const controller = new AbortController();
    // The running partition takes a while to stop once cancelled (many turns of the microtask queue):
    // a loop that keeps racing the already settled abort would turn once per microtask meanwhile.
    const runner: PartitionRunner = {
      kind: "in-process",
      run: async (request, signal) => {
        await new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        for (let i = 0; i < 200; i++) await Promise.resolve();
        return { request, status: "cancelled", attempts: 1, durationMs: 0 };
      },
      close: () => Promise.resolve(),
    };
    const race = vi.spyOn(Promise, "race");
    const done = executeRequests([{ key: asset.key, partition: undefined, origin: "cli", reason: "test" }], {
      graph: new AssetGraph([asset]),
      runner,
      concurrency: 1,
      signal: controller.signal,
    });
    await Promise.resolve();
    controller.abort();
    const outcomes = await done;
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled"]);
    expect(race.mock.calls.length).toBeLessThanOrEqual(3);
  });
});
