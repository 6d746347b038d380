import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { OmicslakeError } from "../src/errors/omicslake-error.js";
import { describeOnLakeEngines } from "@omicslake/core/testing";

const started = new Date("2026-01-02T10:00:00Z");
const finished = new Date("2026-01-02T10:05:00Z");

describeOnLakeEngines("dataset versions, tombstones and external steps", (opened) => {
  it("counts one version per run that adds, replaces or changes a schema, atomically and race-free", async () => {
    const { lake } = opened();
    const { result: dataset } = await lake.withRun("make", {}, async () => {
      const created = await lake.createDataset({ name: "versioned", layer: "processed" });
      await lake.putObject(created, { name: "a.txt", body: "a1" });
      await lake.putObject(created, { name: "b.txt", body: "b1" });
      return created;
    });
    // The run that created it also filled it: still version 1.
    let versions = (await lake.datasetVersions(dataset.id)).items;
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(versions[0]!.changes).toMatchObject({ created: true, added: 2 });
    expect(versions[0]!.objectCount).toBe(2);

    await lake.withRun("replace", {}, () => lake.putObject(dataset, { name: "a.txt", body: "a22" }));
    const { run: schemaRun } = await lake.withRun("schema", {}, async (ctx) => {
      const fields = [{ name: "x", type: "int64", nullable: false }];
      await lake.recordSchema(dataset, "t", fields, ctx.id);
      // The same schema again is no change and no version.
      await lake.recordSchema(dataset, "t", fields, ctx.id);
      await lake.recordSchema(dataset, "u", fields, ctx.id);
      await lake.recordSchema(dataset, "t", [...fields, { name: "y", type: "utf8", nullable: true }], ctx.id);
    });
    await lake.withRun("same", {}, () => lake.putObject(dataset, { name: "b.txt", body: "b1" }));
    versions = (await lake.datasetVersions(dataset.id)).items;
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(versions[1]!.changes).toMatchObject({ replaced: 1, added: 0 });
    expect(versions[1]!.totalBytes).toBe(5);
    expect(versions[0]!.changes.schema).toEqual(["t", "u"]);
    expect(versions[0]!.runId).toBe(schemaRun.id);
    expect((await lake.dataset(dataset.id)).metadata.version).toBe("3");

    // Two concurrent writers: distinct versions 4 and 5, never two 4s.
    await Promise.all(
      ["c", "d"].map((name) =>
        lake.withRun(`w-${name}`, {}, () => lake.putObject(dataset, { name: `${name}.txt`, body: name })),
      ),
    );
    const page1 = await lake.datasetVersions(dataset.id, { limit: 2 });
    expect(page1.items.map((v) => v.version)).toEqual([5, 4]);
    expect(page1.items.map((v) => v.objectCount).sort()).toEqual([3, 4]);
    const page2 = await lake.datasetVersions(dataset.id, { limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((v) => v.version)).toEqual([3, 2]);
    expect((await lake.dataset(dataset.id)).metadata.version).toBe("5");
  });

  it("keeps a deleted middle dataset as a tombstone so curated lineage still reaches raw", async () => {
    const { lake } = opened();
    const dir = await mkdtemp(join(tmpdir(), "omicslake-tomb-"));
    try {
      await writeFile(join(dir, "reads.txt"), "ACGT");
      const { dataset: raw } = await lake.addFiles([join(dir, "reads.txt")], { dataset: "chain" });
      const processed = await lake.promote(raw, "processed");
      const curated = await lake.promote(processed, "curated");
      const deletion = await lake.deleteDataset(processed);
      expect(deletion).toMatchObject({ step: "delete", status: "succeeded" });
      expect(deletion.log).toContain("removed 1 objects of processed:chain");

      const graph = await lake.lineage(curated);
      const tombstone = graph.nodes.find((n) => n.id === processed.id);
      expect(tombstone).toMatchObject({ deleted: true, deletedByRunId: deletion.id, name: "chain" });
      expect(tombstone!.deletedAt).toBeInstanceOf(Date);
      expect(graph.nodes.find((n) => n.id === raw.id)?.deleted).toBe(false);
      expect(graph.edges.map((e) => `${e.inputDatasetId}->${e.outputDatasetId}`).sort()).toEqual(
        [`${processed.id}->${curated.id}`, `${raw.id}->${processed.id}`, `null->${raw.id}`].sort(),
      );
      await expect(lake.dataset(processed.id)).rejects.toMatchObject({ code: "not_found" });
      await expect(lake.deleteDataset(raw)).rejects.toMatchObject({ code: "raw_immutable" });

      // The name is free again: a new dataset with a new id, and the old lineage still names the tombstone.
      const again = await lake.promote(raw, "processed");
      expect(again.id).not.toBe(processed.id);
      expect((await lake.dataset("processed:chain")).id).toBe(again.id);
      const after = await lake.lineage(curated);
      expect(after.nodes.map((n) => n.id)).toContain(processed.id);
      expect(after.nodes.map((n) => n.id)).not.toContain(again.id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("records an external step as a run with edges, lists every missing dataset, and is idempotent", async () => {
    const { lake } = opened();
    const input = await lake.createDataset({ name: "ext-in", layer: "processed" });
    const output = await lake.createDataset({ name: "ext-out", layer: "curated" });
    const step = {
      tool: { name: "fastqc", version: "0.12.1" },
      parameters: { threads: 2 },
      inputs: [input.id],
      outputs: [{ name: "ext-out", layer: "curated" as const }],
      startedAt: started,
      finishedAt: finished,
      status: "succeeded" as const,
      log: "ok",
    };
    const first = await lake.recordExternalStep(step, { idempotencyKey: "k-1" });
    expect(first.replayed).toBe(false);
    expect(first.run).toMatchObject({ step: "external:fastqc", status: "succeeded", log: "ok" });
    expect(first.run.toolVersions).toEqual({ fastqc: "0.12.1" });
    expect(first.run.startedAt.toISOString()).toBe(started.toISOString());
    expect(first.edges).toHaveLength(1);
    expect(first.edges[0]).toMatchObject({
      action: "external",
      inputDatasetId: input.id,
      outputDatasetId: output.id,
      runId: first.run.id,
    });

    const [retryA, retryB] = await Promise.all([
      lake.recordExternalStep(step, { idempotencyKey: "k-1" }),
      lake.recordExternalStep(step, { idempotencyKey: "k-1" }),
    ]);
    expect([retryA.run.id, retryB.run.id]).toEqual([first.run.id, first.run.id]);
    expect(retryA.replayed && retryB.replayed).toBe(true);
    expect((await lake.lineage(output)).edges).toHaveLength(1);
    await expect(
      lake.recordExternalStep({ ...step, log: "other" }, { idempotencyKey: "k-1" }),
    ).rejects.toMatchObject({ code: "conflict" });

    const missing = await lake
      .recordExternalStep({ ...step, inputs: [999_999, "processed:nope"], outputs: ["curated:gone"] })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OmicslakeError);
    expect(missing).toMatchObject({
      code: "missing_datasets",
      details: { missing: ["999999", "processed:nope", "curated:gone"] },
    });
    await expect(
      lake.recordExternalStep({ ...step, startedAt: finished, finishedAt: started }),
    ).rejects.toMatchObject({ code: "invalid_time_range" });

    // A retry that comes after its input was deleted is still the same record: the first run, not a 422.
    await lake.deleteDataset(input);
    const late = await lake.recordExternalStep(step, { idempotencyKey: "k-1" });
    expect(late).toMatchObject({ replayed: true, run: { id: first.run.id } });
  });
});
