import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "../src/errors/omicslake-error.js";
import { forEachDatabase } from "@omicslake/core/testing";

const sha = (digit: string): string => digit.repeat(64);

forEachDatabase((ctx) => {
  describe("objects", () => {
    it("records objects and keeps the dataset's count and byte total current", async () => {
      const catalog = ctx().catalog;
      const dataset = await catalog.createDataset({ name: "obj-counters", layer: "raw", source: "sra" });
      const first = await catalog.addObject({
        datasetId: dataset.id,
        key: "raw/sra/obj-counters/reads_1.fastq.gz",
        name: "reads_1.fastq.gz",
        size: 1000,
        sha256: sha("b"),
        mediaType: "application/gzip",
      });
      expect(first).toMatchObject({
        datasetId: dataset.id,
        layer: "raw",
        key: "raw/sra/obj-counters/reads_1.fastq.gz",
        name: "reads_1.fastq.gz",
        size: 1000,
        sha256: sha("b"),
        mediaType: "application/gzip",
      });
      expect(first.createdAt).toBeInstanceOf(Date);
      // Upper-case digests are stored lower-case, like every other digest in the lake.
      const second = await catalog.addObject({
        datasetId: dataset.id,
        key: "raw/sra/obj-counters/reads_2.fastq.gz",
        name: "reads_2.fastq.gz",
        size: 2500,
        sha256: sha("C"),
      });
      expect(second.sha256).toBe(sha("c"));
      expect(second.mediaType).toBeNull();
      const updated = await catalog.getDataset(dataset.id);
      expect([updated.objectCount, updated.totalBytes]).toEqual([2, 3500]);
      expect(await catalog.getObject(dataset.id, "reads_2.fastq.gz")).toEqual(second);
      expect(await catalog.findObjectByKey("raw/sra/obj-counters/reads_1.fastq.gz")).toEqual(first);
      expect(await catalog.findObjectByKey("raw/sra/obj-counters/none")).toBeUndefined();
    });

    it("removes a processed object's row with its counters, and refuses raw", async () => {
      const catalog = ctx().catalog;
      const processed = await catalog.createDataset({ name: "obj-remove", layer: "processed" });
      await catalog.addObject({
        datasetId: processed.id,
        key: "processed/obj-remove/a.parquet",
        name: "a.parquet",
        size: 40,
        sha256: sha("e"),
      });
      await catalog.addObject({
        datasetId: processed.id,
        key: "processed/obj-remove/b.parquet",
        name: "b.parquet",
        size: 2,
        sha256: sha("f"),
      });
      const removed = await catalog.removeObject(processed.id, "a.parquet");
      expect(removed?.key).toBe("processed/obj-remove/a.parquet");
      expect(await catalog.findObjectByKey("processed/obj-remove/a.parquet")).toBeUndefined();
      const after = await catalog.getDataset(processed.id);
      expect([after.objectCount, after.totalBytes]).toEqual([1, 2]);
      expect(await catalog.removeObject(processed.id, "a.parquet")).toBeUndefined();

      const raw = await catalog.createDataset({ name: "obj-remove-raw", layer: "raw" });
      await catalog.addObject({
        datasetId: raw.id,
        key: "raw/obj-remove-raw/a.txt",
        name: "a.txt",
        size: 1,
        sha256: sha("a"),
      });
      await expect(catalog.removeObject(raw.id, "a.txt")).rejects.toMatchObject({ code: "raw_immutable" });
      expect((await catalog.getDataset(raw.id)).objectCount).toBe(1);
    });

    it("repoints a processed object at new bytes with its byte total, and refuses raw", async () => {
      const catalog = ctx().catalog;
      const processed = await catalog.createDataset({ name: "obj-replace", layer: "processed" });
      await catalog.addObject({
        datasetId: processed.id,
        key: "processed/obj-replace/t.parquet",
        name: "t.parquet",
        size: 100,
        sha256: sha("1"),
      });
      const replaced = await catalog.replaceObject(processed.id, "t.parquet", {
        size: 30,
        sha256: sha("2"),
        mediaType: "application/vnd.apache.parquet",
      });
      expect(replaced).toMatchObject({
        key: "processed/obj-replace/t.parquet",
        size: 30,
        sha256: sha("2"),
        mediaType: "application/vnd.apache.parquet",
      });
      const after = await catalog.getDataset(processed.id);
      expect([after.objectCount, after.totalBytes]).toEqual([1, 30]);
      await expect(
        catalog.replaceObject(processed.id, "absent", { size: 1, sha256: sha("3") }),
      ).rejects.toBeInstanceOf(NotFoundError);
      const raw = await catalog.createDataset({ name: "obj-replace-raw", layer: "raw" });
      await catalog.addObject({
        datasetId: raw.id,
        key: "raw/obj-replace-raw/a",
        name: "a",
        size: 1,
        sha256: sha("4"),
      });
      await expect(catalog.replaceObject(raw.id, "a", { size: 2, sha256: sha("5") })).rejects.toMatchObject({
        code: "raw_immutable",
      });
    });

    it("refuses a duplicate key or name and leaves the counters alone", async () => {
      const catalog = ctx().catalog;
      const a = await catalog.createDataset({ name: "obj-dup-a", layer: "processed" });
      const b = await catalog.createDataset({ name: "obj-dup-b", layer: "processed" });
      await catalog.addObject({
        datasetId: a.id,
        key: "processed/dup/x.parquet",
        name: "x.parquet",
        size: 10,
        sha256: sha("d"),
      });
      const sameKey = await catalog
        .addObject({
          datasetId: b.id,
          key: "processed/dup/x.parquet",
          name: "y.parquet",
          size: 10,
          sha256: sha("d"),
        })
        .catch((e: unknown) => e);
      expect(sameKey).toBeInstanceOf(ConflictError);
      expect((sameKey as ConflictError).details).toMatchObject({ key: "processed/dup/x.parquet" });
      const sameName = await catalog
        .addObject({
          datasetId: a.id,
          key: "processed/dup/other.parquet",
          name: "x.parquet",
          size: 10,
          sha256: sha("d"),
        })
        .catch((e: unknown) => e);
      expect(sameName).toBeInstanceOf(ConflictError);
      expect((sameName as Error).message).toContain('"x.parquet"');
      expect((await catalog.getDataset(a.id)).objectCount).toBe(1);
      expect((await catalog.getDataset(b.id)).totalBytes).toBe(0);
    });

    it("refuses bad input: unknown dataset, key in another layer, bad checksum or size", async () => {
      const catalog = ctx().catalog;
      const dataset = await catalog.createDataset({ name: "obj-bad", layer: "processed" });
      const base = { datasetId: dataset.id, key: "processed/bad/f", name: "f", size: 1, sha256: sha("e") };
      await expect(catalog.addObject({ ...base, datasetId: 987654 })).rejects.toThrow(NotFoundError);
      await expect(catalog.addObject({ ...base, key: "raw/bad/f" })).rejects.toThrow(
        /is in raw but dataset "obj-bad" is in processed/,
      );
      await expect(catalog.addObject({ ...base, key: "elsewhere/f" })).rejects.toThrow(
        /does not start with a layer/,
      );
      await expect(catalog.addObject({ ...base, sha256: "abc" })).rejects.toThrow(ValidationError);
      await expect(catalog.addObject({ ...base, size: -1 })).rejects.toThrow(ValidationError);
      await expect(catalog.addObject({ ...base, size: 1.5 })).rejects.toThrow(ValidationError);
      expect((await catalog.getDataset(dataset.id)).objectCount).toBe(0);
    });

    it("reports an unknown object or dataset", async () => {
      const catalog = ctx().catalog;
      const dataset = await catalog.createDataset({ name: "obj-missing", layer: "processed" });
      await expect(catalog.getObject(dataset.id, "nope")).rejects.toThrow(NotFoundError);
      await expect(catalog.listObjects(987654)).rejects.toThrow(NotFoundError);
    });

    it("lists a dataset's objects by name in keyset pages", async () => {
      const catalog = ctx().catalog;
      const dataset = await catalog.createDataset({ name: "obj-pages", layer: "curated" });
      const names = ["b.txt", "a/z.txt", "a/b.txt", "C.txt", "c.txt", "ä.txt", "a.txt"];
      for (const name of names) {
        await catalog.addObject({
          datasetId: dataset.id,
          key: `curated/pages/${name}`,
          name,
          size: 1,
          sha256: sha("f"),
        });
      }
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await catalog.listObjects(dataset.id, {
          limit: 3,
          ...(cursor === undefined ? {} : { cursor }),
        });
        seen.push(...page.items.map((o) => o.name));
        sizes.push(page.items.length);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(sizes).toEqual([3, 3, 1]);
      // Byte order (COLLATE "C"), the same on every server.
      expect(seen).toEqual(["C.txt", "a.txt", "a/b.txt", "a/z.txt", "b.txt", "c.txt", "ä.txt"]);
      await expect(catalog.listObjects(dataset.id, { cursor: "not-a-cursor" })).rejects.toMatchObject({
        code: "invalid_cursor",
      });
    });

    it("streams every object of the lake in key order, across internal pages", async () => {
      const catalog = ctx().catalog;
      const dataset = await catalog.createDataset({ name: "obj-all", layer: "archive" });
      const count = 1205;
      // One transaction for speed: addObject joins it instead of opening its own.
      await ctx().db.transaction(async () => {
        for (let i = 0; i < count; i++) {
          const name = `part-${String(i).padStart(5, "0")}`;
          await catalog.addObject({
            datasetId: dataset.id,
            key: `archive/all/${name}`,
            name,
            size: i,
            sha256: sha("1"),
          });
        }
      });
      const keys: string[] = [];
      for await (const object of catalog.allObjects()) keys.push(object.key);
      const ours = keys.filter((key) => key.startsWith("archive/all/"));
      expect(ours.length).toBe(count);
      expect(ours[0]).toBe("archive/all/part-00000");
      expect(ours[count - 1]).toBe("archive/all/part-01204");
      expect(new Set(keys).size).toBe(keys.length);
      const sorted = [...keys].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
      expect(keys).toEqual(sorted);
      const after = await catalog.getDataset(dataset.id);
      expect([after.objectCount, after.totalBytes]).toEqual([count, (count * (count - 1)) / 2]);
    });
  });
});
