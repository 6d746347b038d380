import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

const run = (cwd: string, ...args: string[]) => runInProcess(cwd, args);

interface RunJson {
  id: number;
  step: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number;
  toolVersions: Record<string, string>;
  parameters: Record<string, unknown>;
  inputs: { name?: string; sha256?: string; size?: number }[];
  outputs: { key?: string; sha256?: string; size?: number }[];
  log: string;
  error: { code: string; message: string } | null;
  progress: unknown;
}

describe("omicslake runs, provenance record, delete and lineage", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-runs-"));
    expect((await run(dir, "init")).code).toBe(0);
    await writeFile(join(dir, "reads.fastq"), "@r1\nACGT\n+\nIIII\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists and shows runs as JSON, with checksums, tool versions and duration", async () => {
    expect((await run(dir, "add", "reads.fastq", "--dataset", "reads")).code).toBe(0);
    const ls = await run(dir, "runs", "ls", "--step", "add", "--status", "succeeded", "--json");
    expect(ls.code).toBe(0);
    const page = JSON.parse(ls.stdout) as { data: RunJson[]; next_cursor: string | null };
    expect(page.data.map((r) => r.step)).toEqual(["add"]);
    expect(page.next_cursor).toBeNull();

    const show = await run(dir, "runs", "show", String(page.data[0]!.id), "--json");
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as RunJson;
    expect(shown).toMatchObject({ id: page.data[0]!.id, step: "add", status: "succeeded", error: null });
    expect(shown.inputs).toEqual([expect.objectContaining({ name: "reads.fastq", size: 16 })]);
    expect(shown.outputs[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(shown.toolVersions).toHaveProperty("omicslake");
    expect(shown.durationMs).toBeGreaterThanOrEqual(0);
    expect(Object.keys(shown).sort()).toEqual(
      expect.arrayContaining(["parameters", "log", "progress", "finishedAt", "startedAt"]),
    );

    // The add run materialized no asset: narrowing to one leaves it out.
    const byAsset = await run(dir, "runs", "ls", "--asset", "geo/raw", "--partition", "2024-05", "--json");
    expect(byAsset.code).toBe(0);
    expect((JSON.parse(byAsset.stdout) as { data: RunJson[] }).data).toEqual([]);

    expect((await run(dir, "runs", "ls", "--status", "bogus")).code).toBe(2);
    expect((await run(dir, "runs", "show", "0")).code).toBe(2);
  });

  it("records an external step from a file, once, and keeps lineage through a deleted dataset", async () => {
    expect((await run(dir, "promote", "reads", "--to", "processed")).code).toBe(0);
    expect((await run(dir, "promote", "processed:reads", "--to", "curated")).code).toBe(0);
    const record = {
      tool: { name: "multiqc", version: "1.21" },
      inputs: ["processed:reads"],
      outputs: [{ name: "reads", layer: "curated" }],
      started_at: "2026-01-02T10:00:00Z",
      finished_at: "2026-01-02T10:01:00Z",
      status: "succeeded",
      external_id: "multiqc-reads-1",
    };
    await writeFile(join(dir, "step.json"), JSON.stringify(record));
    const first = await run(dir, "provenance", "record", "--json-file", "step.json", "--json");
    expect(first.code).toBe(0);
    const recorded = JSON.parse(first.stdout) as { run: { id: number }; replayed: boolean };
    expect(recorded.replayed).toBe(false);
    const again = JSON.parse(
      (await run(dir, "provenance", "record", "--json-file", "step.json", "--json")).stdout,
    ) as { run: { id: number }; replayed: boolean };
    expect(again).toMatchObject({ replayed: true, run: { id: recorded.run.id } });
    // Audited with its output named as layer:name, as POST /v1/provenance names it.
    const audited = JSON.parse(
      (await run(dir, "audit", "--action", "provenance", "--dataset", "curated:reads", "--json")).stdout,
    ) as { data: { details: Record<string, unknown> }[] };
    expect(audited.data).toHaveLength(2);
    expect(audited.data[1]!.details).toMatchObject({ run: recorded.run.id, replayed: false });
    await writeFile(join(dir, "bad.json"), JSON.stringify({ ...record, outputs: [], status: "done" }));
    const bad = await run(dir, "provenance", "record", "--json-file", "bad.json", "--json");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: { code: "invalid_input" } });
    expect(bad.stderr).toContain("outputs");
    expect(bad.stderr).toContain("status");

    const deleted = await run(dir, "delete", "processed:reads", "--json");
    expect(deleted.code).toBe(0);
    const { deleted: processedId, runId } = JSON.parse(deleted.stdout) as { deleted: number; runId: number };
    const lineage = await run(dir, "lineage", "curated:reads", "--json");
    const graph = JSON.parse(lineage.stdout) as {
      nodes: { id: number; layer: string; deleted: boolean; deletedByRunId: number | null }[];
      edges: { inputDatasetId: number | null; outputDatasetId: number; action: string }[];
    };
    expect(graph.nodes.find((n) => n.id === processedId)).toMatchObject({
      deleted: true,
      deletedByRunId: runId,
    });
    expect(graph.nodes.some((n) => n.layer === "raw")).toBe(true);
    expect(graph.edges.map((e) => e.action).sort()).toEqual([
      "collection",
      "external",
      "promotion",
      "promotion",
    ]);

    const show = JSON.parse((await run(dir, "catalog", "show", "curated:reads", "--json")).stdout) as {
      metadata: { version: string };
      versions: { version: number; changes: { created: boolean; added: number } }[];
    };
    expect(show.metadata.version).toBe("1");
    expect(show.versions.map((v) => [v.version, v.changes.created, v.changes.added])).toEqual([[1, true, 1]]);
  });
});
