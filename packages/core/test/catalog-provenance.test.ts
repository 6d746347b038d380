import { expect, it } from "vitest";
import type { Dataset, ProvenanceGraph } from "../src/catalog/catalog-types.js";
import { NotFoundError, ValidationError } from "../src/errors/omicslake-error.js";
import { forEachDatabase } from "@omicslake/core/testing";

const ids = (graph: ProvenanceGraph): number[] => graph.nodes.map((n) => n.id).sort((a, b) => a - b);
const edgePairs = (graph: ProvenanceGraph): string[] =>
  graph.edges.map((e) => `${e.inputDatasetId ?? "∅"}->${e.outputDatasetId}`).sort();

forEachDatabase((ctx) => {
  /**
   *   ∅ → a (collection)        a → c (conversion)     c → e (consolidation)
   *   ∅ → b (collection)        b → c (conversion)     d → e (consolidation)
   *                                                    e → f (promotion)
   * plus an unrelated g → h.
   */
  const build = async (prefix: string): Promise<Record<string, Dataset>> => {
    const catalog = ctx().catalog;
    const make = (name: string, layer: "raw" | "processed" | "curated" | "archive" = "processed") =>
      catalog.createDataset({ name: `${prefix}-${name}`, layer });
    const d: Record<string, Dataset> = {};
    for (const name of ["a", "b"]) d[name] = await make(name, "raw");
    for (const name of ["c", "d", "e", "g", "h"]) d[name] = await make(name);
    d["f"] = await make("f", "curated");
    const run = await catalog.startRun({ step: "convert" });
    const edge = (
      input: string | null,
      output: string,
      action: "collection" | "conversion" | "consolidation" | "promotion",
    ) =>
      catalog.addProvenance({
        inputDatasetId: input === null ? null : d[input]!.id,
        outputDatasetId: d[output]!.id,
        action,
        runId: action === "conversion" ? run.id : null,
        parameters: { via: `${input ?? "url"}->${output}` },
      });
    await edge(null, "a", "collection");
    await edge(null, "b", "collection");
    await edge("a", "c", "conversion");
    await edge("b", "c", "conversion");
    await edge("c", "e", "consolidation");
    await edge("d", "e", "consolidation");
    await edge("e", "f", "promotion");
    await edge("g", "h", "conversion");
    return d;
  };

  it("records an edge with its action, run and parameters", async () => {
    const catalog = ctx().catalog;
    const input = await catalog.createDataset({ name: "edge-in", layer: "raw" });
    const output = await catalog.createDataset({ name: "edge-out", layer: "processed" });
    const run = await catalog.startRun({ step: "promote" });
    const edge = await catalog.addProvenance({
      inputDatasetId: input.id,
      outputDatasetId: output.id,
      action: "promotion",
      runId: run.id,
      parameters: { from: "raw" },
    });
    expect(edge).toMatchObject({
      inputDatasetId: input.id,
      outputDatasetId: output.id,
      action: "promotion",
      runId: run.id,
      parameters: { from: "raw" },
    });
    expect(edge.createdAt).toBeInstanceOf(Date);
  });

  it("refuses edges to unknown datasets or runs, self edges and unknown actions", async () => {
    const catalog = ctx().catalog;
    const a = await catalog.createDataset({ name: "edge-bad", layer: "processed" });
    await expect(
      catalog.addProvenance({ inputDatasetId: 987654, outputDatasetId: a.id, action: "manual" }),
    ).rejects.toMatchObject({
      code: "not_found",
      details: { what: "dataset", id: 987654 },
    });
    await expect(
      catalog.addProvenance({ inputDatasetId: null, outputDatasetId: 987654, action: "manual" }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      catalog.addProvenance({ inputDatasetId: null, outputDatasetId: a.id, action: "manual", runId: 987654 }),
    ).rejects.toMatchObject({ details: { what: "run" } });
    await expect(
      catalog.addProvenance({ inputDatasetId: a.id, outputDatasetId: a.id, action: "manual" }),
    ).rejects.toThrow(ValidationError);
    await expect(
      catalog.addProvenance({ inputDatasetId: null, outputDatasetId: a.id, action: "copy" as "manual" }),
    ).rejects.toThrow(/unknown provenance action "copy"/);
  });

  it("returns the ancestors of a dataset as lineage", async () => {
    const d = await build("lin");
    const graph = await ctx().catalog.lineage(d["e"]!.id);
    expect(graph.root).toBe(d["e"]!.id);
    expect(ids(graph)).toEqual(["a", "b", "c", "d", "e"].map((n) => d[n]!.id).sort((x, y) => x - y));
    const id = (n: string): number => d[n]!.id;
    expect(edgePairs(graph)).toEqual(
      [
        `∅->${id("a")}`,
        `∅->${id("b")}`,
        `${id("a")}->${id("c")}`,
        `${id("b")}->${id("c")}`,
        `${id("c")}->${id("e")}`,
        `${id("d")}->${id("e")}`,
      ].sort(),
    );
    const conversion = graph.edges.find((e) => e.inputDatasetId === id("a"));
    expect(conversion?.parameters).toEqual({ via: "a->c" });
    expect(conversion?.runId).toEqual(expect.any(Number));
  });

  it("returns ancestors and descendants as the provenance graph", async () => {
    const d = await build("graph");
    const id = (n: string): number => d[n]!.id;
    const graph = await ctx().catalog.provenanceGraph(id("c"));
    expect(ids(graph)).toEqual(["a", "b", "c", "e", "f"].map(id).sort((x, y) => x - y));
    expect(edgePairs(graph)).toEqual(
      [
        `∅->${id("a")}`,
        `∅->${id("b")}`,
        `${id("a")}->${id("c")}`,
        `${id("b")}->${id("c")}`,
        `${id("c")}->${id("e")}`,
        `${id("e")}->${id("f")}`,
      ].sort(),
    );
    // Every edge's endpoints are nodes of the graph.
    const nodeIds = new Set(graph.nodes.map((n) => n.id));
    for (const edge of graph.edges) {
      expect(nodeIds.has(edge.outputDatasetId)).toBe(true);
      if (edge.inputDatasetId !== null) expect(nodeIds.has(edge.inputDatasetId)).toBe(true);
    }
    const lonely = await ctx().catalog.createDataset({ name: "graph-lonely", layer: "raw" });
    const alone = await ctx().catalog.provenanceGraph(lonely.id);
    expect(alone.nodes.map((n) => n.id)).toEqual([lonely.id]);
    expect(alone.edges).toEqual([]);
  });

  it("terminates on a cycle", async () => {
    const catalog = ctx().catalog;
    const [x, y, z] = await Promise.all(
      ["x", "y", "z"].map((n) => catalog.createDataset({ name: `cycle-${n}`, layer: "processed" })),
    );
    await catalog.addProvenance({ inputDatasetId: x!.id, outputDatasetId: y!.id, action: "manual" });
    await catalog.addProvenance({ inputDatasetId: y!.id, outputDatasetId: z!.id, action: "manual" });
    await catalog.addProvenance({ inputDatasetId: z!.id, outputDatasetId: x!.id, action: "manual" });
    const lineage = await catalog.lineage(y!.id);
    expect(ids(lineage)).toEqual([x!.id, y!.id, z!.id].sort((a, b) => a - b));
    expect(lineage.edges.length).toBe(3);
    const graph = await catalog.provenanceGraph(z!.id);
    expect(ids(graph)).toEqual([x!.id, y!.id, z!.id].sort((a, b) => a - b));
    expect(graph.edges.length).toBe(3);
  });

  it("reports an unknown dataset", async () => {
    await expect(ctx().catalog.lineage(987654)).rejects.toThrow(NotFoundError);
    await expect(ctx().catalog.provenanceGraph(987654)).rejects.toThrow(NotFoundError);
  });

  it("keeps a deleted dataset as a tombstone with the edges it fed, and frees its name", async () => {
    const catalog = ctx().catalog;
    const source = await catalog.createDataset({ name: "del-src", layer: "processed" });
    const derived = await catalog.createDataset({ name: "del-derived", layer: "curated" });
    await catalog.addProvenance({
      inputDatasetId: source.id,
      outputDatasetId: derived.id,
      action: "promotion",
    });
    const run = await catalog.startRun({ step: "delete" });
    await catalog.deleteDataset(source.id, { runId: run.id });
    const lineage = await catalog.lineage(derived.id);
    expect(lineage.nodes.map((n) => [n.id, n.deleted, n.deletedByRunId])).toEqual([
      [source.id, true, run.id],
      [derived.id, false, null],
    ]);
    expect(lineage.edges.map((e) => [e.inputDatasetId, e.action])).toEqual([[source.id, "promotion"]]);
    await expect(catalog.getDataset(source.id)).rejects.toThrow(NotFoundError);
    await expect(catalog.deleteDataset(source.id)).rejects.toThrow(NotFoundError);
    // Nothing new may hang off a tombstone; a new dataset may take its name.
    await expect(
      catalog.addProvenance({ inputDatasetId: source.id, outputDatasetId: derived.id, action: "manual" }),
    ).rejects.toThrow(NotFoundError);
    const again = await catalog.createDataset({ name: "del-src", layer: "processed" });
    expect(again.id).not.toBe(source.id);
    expect((await catalog.findDatasetInAnyState("del-src", "processed"))?.dataset.id).toBe(again.id);
  });
});
