import { describe, expect, it } from "vitest";
import type { AssetDefinition } from "./asset-definition.js";
import { AssetGraph } from "./asset-graph.js";
import { selectAssets, selectionMatches } from "./asset-selection.js";

function asset(
  key: string,
  deps: string[] = [],
  tags: string[] = [],
  group = key.split("/")[0]!,
): AssetDefinition {
  return {
    key,
    description: key,
    group,
    tags,
    deps: deps.map((d) => ({ key: d })),
    automation: { kind: "manual" },
    automationText: "manual",
    retry: { maxRetries: 0, delayMs: 0, backoff: "constant", maxDelayMs: 0 },
    materialize: () => Promise.resolve({ outputs: [] }),
  };
}

// Defined downstream first, so topological order differs from definition order.
const graph = new AssetGraph([
  asset("metadata/curated", ["geo/processed", "sra/processed"], ["nightly"]),
  asset("geo/processed", ["geo/raw"]),
  asset("geo/raw", [], ["fetch"]),
  asset("sra/processed", ["sra/raw"]),
  asset("sra/raw", [], ["fetch"]),
  asset("data/geo/items", [], [], "data/geo"),
  asset("lake/backup", ["metadata/curated"]),
]);

describe("selectAssets", () => {
  it("selects exact keys, in topological order", () => {
    expect(selectAssets(graph, ["geo/processed", "geo/raw"])).toEqual(["geo/raw", "geo/processed"]);
  });

  it("matches globs: * within a segment, ** across segments", () => {
    expect(selectAssets(graph, ["geo/*"])).toEqual(["geo/raw", "geo/processed"]);
    expect(selectAssets(graph, ["*/processed"])).toEqual(["geo/processed", "sra/processed"]);
    // `data/geo/items` has three segments: one `*` does not cross a `/`.
    expect(() => selectAssets(graph, ["*/items"])).toThrow(expect.objectContaining({ code: "not_found" }));
  });

  it("matches ** across segments", () => {
    expect(selectAssets(graph, ["data/**"])).toEqual(["data/geo/items"]);
    expect(selectAssets(graph, ["**/items"])).toEqual(["data/geo/items"]);
  });

  it("adds everything upstream with a leading + and downstream with a trailing +", () => {
    expect(selectAssets(graph, ["+metadata/curated"])).toEqual([
      "geo/raw",
      "geo/processed",
      "sra/raw",
      "sra/processed",
      "metadata/curated",
    ]);
    expect(selectAssets(graph, ["geo/raw+"])).toEqual([
      "geo/raw",
      "geo/processed",
      "metadata/curated",
      "lake/backup",
    ]);
    expect(selectAssets(graph, ["+geo/processed+"])).toEqual([
      "geo/raw",
      "geo/processed",
      "metadata/curated",
      "lake/backup",
    ]);
  });

  it("selects by tag and group, and unions several selections, comma-separated or not", () => {
    expect(selectAssets(graph, ["tag:fetch"])).toEqual(["geo/raw", "sra/raw"]);
    expect(selectAssets(graph, ["group:data/geo"])).toEqual(["data/geo/items"]);
    expect(selectAssets(graph, ["tag:nightly, lake/backup", "geo/raw"])).toEqual([
      "geo/raw",
      "metadata/curated",
      "lake/backup",
    ]);
  });

  it("names a selection that matches nothing, with the closest keys", () => {
    expect(() => selectAssets(graph, ["geo/raw", "geo/procesed"])).toThrow(
      expect.objectContaining({
        code: "not_found",
        message: expect.stringContaining('selection "geo/procesed" matches no asset') as string,
        hint: expect.stringContaining("geo/processed") as string,
      }),
    );
    expect(() => selectAssets(graph, ["tag:weekly"])).toThrow(
      expect.objectContaining({ code: "not_found", hint: "Tags: fetch, nightly" }),
    );
    expect(() => selectAssets(graph, ["nothing/*"])).toThrow(expect.objectContaining({ code: "not_found" }));
  });

  it("refuses a malformed selection", () => {
    for (const bad of ["+", "tag:", "geo/+raw"]) {
      expect(() => selectAssets(graph, [bad])).toThrow(expect.objectContaining({ code: "invalid_input" }));
    }
  });
});

describe("selectionMatches", () => {
  it("tells whether a key is in a selection, without failing on one that matches nothing", () => {
    expect(selectionMatches(graph, "geo/raw", "tag:fetch")).toBe(true);
    expect(selectionMatches(graph, "geo/processed", "tag:fetch")).toBe(false);
    expect(selectionMatches(graph, "sra/raw", "+metadata/curated")).toBe(true);
    expect(selectionMatches(graph, "lake/backup", "geo/*,lake/*")).toBe(true);
    expect(selectionMatches(graph, "geo/raw", "nothing/*")).toBe(false);
  });
});
