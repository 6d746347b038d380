import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../src/errors/omicslake-error.js";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";

const sha = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

for (const engine of lakeEngines()) {
  describe.skipIf(engine.skip !== undefined)(
    `lake on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ""}`,
    () => {
      let opened: OpenedLake;
      let fileA: string;
      let fileB: string;

      beforeAll(async () => {
        opened = await engine.open();
        fileA = join(opened.root, "series_a.soft");
        fileB = join(opened.root, "samples.csv");
        await writeFile(fileA, "^SERIES = GSE1\n!Series_title = a\n");
        await writeFile(fileB, "id,tissue\n1,liver\n2,lung\n");
      });
      afterAll(async () => {
        await opened?.dispose();
      });

      it("adds files to raw with checksums, a run and a collection edge", async () => {
        const { lake } = opened;
        const { dataset, objects, run } = await lake.addFiles([fileA, fileB], {
          dataset: "gse1",
          source: "geo",
          externalId: "GSE1",
          tags: ["demo"],
        });
        expect(dataset).toMatchObject({
          name: "gse1",
          layer: "raw",
          source: "geo",
          externalId: "GSE1",
          objectCount: 2,
        });
        expect(dataset.metadata.source).toBe("geo");
        expect(dataset.metadata.version).toBeDefined();
        expect(dataset.metadata.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(objects.map((o) => o.key).sort()).toEqual(["raw/gse1/samples.csv", "raw/gse1/series_a.soft"]);
        expect(objects.find((o) => o.name === "series_a.soft")?.sha256).toBe(
          sha("^SERIES = GSE1\n!Series_title = a\n"),
        );
        expect(run.status).toBe("succeeded");
        expect(run.outputs).toHaveLength(2);
        expect(run.toolVersions["omicslake"]).toBeDefined();
        const head = await lake.store.head("raw/gse1/samples.csv");
        expect(head?.sha256).toBe(sha("id,tissue\n1,liver\n2,lung\n"));
        const read = await lake.readObject(objects.find((o) => o.name === "samples.csv")!);
        expect(await text(read)).toBe("id,tissue\n1,liver\n2,lung\n");
        const lineage = await lake.lineage("gse1");
        expect(lineage.edges).toHaveLength(1);
        expect(lineage.edges[0]).toMatchObject({ action: "collection", inputDatasetId: null, runId: run.id });
      });

      it("refuses to overwrite a raw object, through the lake and through the store", async () => {
        const { lake } = opened;
        await expect(lake.addObject("raw:gse1", { file: fileA })).rejects.toMatchObject({
          code: "raw_immutable",
        });
        await expect(lake.store.put("raw/gse1/series_a.soft", "other bytes")).rejects.toMatchObject({
          code: "raw_immutable",
        });
        await expect(lake.store.delete("raw/gse1/series_a.soft")).rejects.toMatchObject({
          code: "raw_immutable",
        });
        await expect(lake.deleteDataset("raw:gse1")).rejects.toBeInstanceOf(PolicyError);
        expect((await lake.dataset("raw:gse1")).objectCount).toBe(2);
      });

      it("refuses object names that climb out of the dataset", async () => {
        await expect(opened.lake.addObject("raw:gse1", { name: "../x", body: "x" })).rejects.toMatchObject({
          code: "invalid_input",
        });
        await expect(
          opened.lake.addObject("raw:gse1", { name: "a/../../x", body: "x" }),
        ).rejects.toMatchObject({ code: "invalid_input" });
      });

      it("leaves nothing behind when a put is interrupted", async () => {
        const { lake } = opened;
        const broken = new Readable({
          read() {
            this.push(Buffer.alloc(64 * 1024, 1));
            this.destroy(new Error("connection reset"));
          },
        });
        await expect(lake.addObject("raw:gse1", { name: "broken.bin", body: broken })).rejects.toThrow(
          /connection reset/,
        );
        expect(await lake.store.head("raw/gse1/broken.bin")).toBeUndefined();
        expect(await lake.catalog.findObjectByKey("raw/gse1/broken.bin")).toBeUndefined();
      });

      it("adopts an object whose catalog row was never written (a crash between store and catalog)", async () => {
        const { lake } = opened;
        const orphanFile = join(opened.root, "late.txt");
        await writeFile(orphanFile, "late bytes\n");
        await lake.store.putFile("raw/gse1/late.txt", orphanFile);
        const object = await lake.addObject("raw:gse1", { file: orphanFile });
        expect(object).toMatchObject({ key: "raw/gse1/late.txt", sha256: sha("late bytes\n"), size: 11 });
      });

      it("promotes one layer at a time by copy, with provenance", async () => {
        const { lake } = opened;
        await expect(lake.promote("raw:gse1", "curated")).rejects.toMatchObject({ code: "layer_skip" });
        const processed = await lake.promote("raw:gse1", "processed");
        expect(processed).toMatchObject({ layer: "processed", name: "gse1", objectCount: 3 });
        expect(processed.metadata.source).toBe("geo");
        await expect(lake.promote("raw:gse1", "processed")).rejects.toMatchObject({
          code: "already_promoted",
        });
        const curated = await lake.promote("processed:gse1", "curated");
        const lineage = await lake.lineage(curated.id);
        expect(lineage.edges.map((e) => e.action).sort()).toEqual(["collection", "promotion", "promotion"]);
        const graph = await lake.provenanceGraph("processed:gse1");
        expect(graph.nodes.map((n) => `${n.layer}:${n.name}`).sort()).toEqual([
          "curated:gse1",
          "processed:gse1",
          "raw:gse1",
        ]);
        // raw still has every byte
        expect((await lake.dataset("raw:gse1")).objectCount).toBe(3);
      });

      it("records a failed run with the error and rethrows", async () => {
        const { lake } = opened;
        await expect(
          lake.withRun("convert", { parameters: { input: "x" } }, async (run) => {
            run.log("starting");
            run.rows("obs", 10);
            throw new PolicyError("layer_skip", "conversion failed", { details: { line: 12 } });
          }),
        ).rejects.toThrow("conversion failed");
        const runs = await lake.catalog.listRuns({ step: "convert" });
        expect(runs.items[0]).toMatchObject({
          status: "failed",
          error: { code: "layer_skip", details: { line: 12 } },
          rowCounts: { obs: 10 },
        });
        expect(runs.items[0]?.log).toContain("starting");
      });

      it("versions schemas with a diff", async () => {
        const { lake } = opened;
        const v1 = await lake.recordSchema("processed:gse1", "samples", [
          { name: "id", type: "int64", nullable: false },
          { name: "tissue", type: "string", nullable: true },
        ]);
        const v2 = await lake.recordSchema("processed:gse1", "samples", [
          { name: "id", type: "string", nullable: false },
          { name: "age", type: "int32", nullable: true },
        ]);
        expect(v1.version).toBe(1);
        expect(v2.version).toBe(2);
        expect(v2.diff.added.map((f) => f.name)).toEqual(["age"]);
        expect(v2.diff.removed.map((f) => f.name)).toEqual(["tissue"]);
        expect(v2.diff.retyped).toEqual([
          expect.objectContaining({ name: "id", from: "int64", to: "string" }),
        ]);
      });

      it("fsck names a corrupted object and an orphan", async () => {
        const { lake } = opened;
        expect((await lake.fsck()).ok).toBe(true);
        // Change bytes behind the catalog's back (processed allows overwrite in the store) and drop a stray object.
        await lake.store.put("processed/gse1/samples.csv", "tampered\n");
        await lake.store.put("curated/stray/file.txt", "nobody knows me");
        const report = await lake.fsck();
        expect(report.ok).toBe(false);
        expect(report.problems).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              kind: "checksum_mismatch",
              key: "processed/gse1/samples.csv",
              actual: sha("tampered\n"),
            }),
            expect.objectContaining({ kind: "orphan", key: "curated/stray/file.txt" }),
          ]),
        );
        await lake.store.delete("curated/stray/file.txt");
      });

      it("deletes a non-raw dataset with its objects", async () => {
        const { lake } = opened;
        await lake.deleteDataset("curated:gse1");
        await expect(lake.dataset("curated:gse1")).rejects.toMatchObject({ code: "not_found" });
        expect(await lake.store.head("curated/gse1/samples.csv")).toBeUndefined();
      });

      it("searches and counts per layer and source", async () => {
        const { lake } = opened;
        const page = await lake.search({ source: "geo", layer: "raw" });
        expect(page.items.map((d) => d.name)).toEqual(["gse1"]);
        expect((await lake.search({ q: "GSE1" })).items.length).toBeGreaterThan(0);
        const stats = await lake.stats();
        const raw = stats.byLayer.find((l) => l.layer === "raw");
        expect(raw).toMatchObject({ datasets: 1, objects: 3 });
        expect(stats.bySource.find((s) => s.source === "geo")?.datasets).toBe(2);
      });
    },
  );
}
