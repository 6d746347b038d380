import { describe, expect, it } from "vitest";
import type { Dataset } from "../src/catalog/catalog-types.js";
import { ConflictError, NotFoundError, PolicyError, ValidationError } from "../src/errors/omicslake-error.js";
import { forEachDatabase } from "@omicslake/core/testing";

const NOW = new Date("2024-03-31T23:30:00Z");
const SHA_A = "a".repeat(64);

forEachDatabase(
  (ctx) => {
    describe("datasets", () => {
      it("creates a dataset and fills in source, date and version", async () => {
        const dataset = await ctx().catalog.createDataset({ name: "defaults", layer: "raw" });
        expect(dataset).toMatchObject({
          name: "defaults",
          layer: "raw",
          source: "local",
          externalId: null,
          description: null,
          metadata: { source: "local", date: "2024-03-31", version: "1" },
          tags: [],
          objectCount: 0,
          totalBytes: 0,
        });
        expect(typeof dataset.id).toBe("number");
        expect(dataset.createdAt).toBeInstanceOf(Date);
        expect(await ctx().catalog.getDataset(dataset.id)).toEqual(dataset);
      });

      it("takes metadata's source from the dataset and keeps values that were given, but not the version", async () => {
        const catalog = ctx().catalog;
        const fromSource = await catalog.createDataset({
          name: "meta-1",
          layer: "raw",
          source: "geo",
          externalId: "GSE2034",
          metadata: { title: "Breast cancer relapse", version: 2 },
          tags: ["breast", "breast", "cancer"],
        });
        // The version is the catalog's count of republications: a new dataset is version 1.
        expect(fromSource.metadata).toEqual({
          source: "geo",
          date: "2024-03-31",
          version: "1",
          title: "Breast cancer relapse",
        });
        expect(fromSource.tags).toEqual(["breast", "cancer"]);
        expect(fromSource.externalId).toBe("GSE2034");

        const fromMetadata = await catalog.createDataset({
          name: "meta-2",
          layer: "raw",
          metadata: { source: "sra", date: "2019-12-01", version: "v7" },
        });
        expect(fromMetadata.source).toBe("sra");
        expect(fromMetadata.metadata).toEqual({ source: "sra", date: "2019-12-01", version: "1" });
      });

      it("refuses a malformed date, name or layer", async () => {
        const catalog = ctx().catalog;
        await expect(
          catalog.createDataset({ name: "bad-date", layer: "raw", metadata: { date: "2024-02-30" } }),
        ).rejects.toThrow(/YYYY-MM-DD/);
        await expect(catalog.createDataset({ name: "two\nlines", layer: "raw" })).rejects.toThrow(
          ValidationError,
        );
        await expect(catalog.createDataset({ name: "", layer: "raw" })).rejects.toThrow(ValidationError);
        await expect(catalog.createDataset({ name: "x", layer: "gold" as "raw" })).rejects.toThrow(
          /unknown layer "gold"/,
        );
      });

      it("refuses a second dataset of the same name in a layer, but not in another layer", async () => {
        const catalog = ctx().catalog;
        await catalog.createDataset({ name: "twice", layer: "raw" });
        const error = await catalog.createDataset({ name: "twice", layer: "raw" }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConflictError);
        expect((error as ConflictError).code).toBe("conflict");
        expect((error as ConflictError).details).toEqual({ name: "twice", layer: "raw" });
        const processed = await catalog.createDataset({ name: "twice", layer: "processed" });
        expect(processed.layer).toBe("processed");
      });

      it("finds a dataset by name in a layer, or in the lowest layer that has it", async () => {
        const catalog = ctx().catalog;
        const curated = await catalog.createDataset({ name: "findme", layer: "curated" });
        const processed = await catalog.createDataset({ name: "findme", layer: "processed" });
        expect((await catalog.findDataset("findme"))?.id).toBe(processed.id);
        expect((await catalog.findDataset("findme", "curated"))?.id).toBe(curated.id);
        expect(await catalog.findDataset("findme", "raw")).toBeUndefined();
        expect(await catalog.findDataset("nobody-has-this")).toBeUndefined();
      });

      it("reports unknown and malformed ids", async () => {
        const catalog = ctx().catalog;
        const missing = await catalog.getDataset(987654).catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(NotFoundError);
        expect((missing as NotFoundError).code).toBe("not_found");
        await expect(catalog.getDataset(0)).rejects.toThrow(ValidationError);
        await expect(catalog.getDataset(1.5)).rejects.toThrow(ValidationError);
      });

      it("updates description, tags and metadata, keeping the required metadata keys", async () => {
        const catalog = ctx().catalog;
        const created = await catalog.createDataset({
          name: "updatable",
          layer: "processed",
          source: "geo",
          description: "old",
          metadata: { date: "2020-01-02", stale: true },
        });
        const updated = await catalog.updateDataset(created.id, {
          description: "new",
          tags: ["t1"],
          metadata: { version: "3", fresh: 1 },
        });
        expect(updated.description).toBe("new");
        expect(updated.tags).toEqual(["t1"]);
        expect(updated.metadata).toEqual({ source: "geo", date: "2020-01-02", version: "1", fresh: 1 });
        expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
        const cleared = await catalog.updateDataset(created.id, { description: null });
        expect(cleared.description).toBeNull();
        expect(cleared.tags).toEqual(["t1"]);
        await expect(catalog.updateDataset(987654, { description: "x" })).rejects.toThrow(NotFoundError);
      });

      it("refuses to delete a raw dataset and deletes others with their objects", async () => {
        const catalog = ctx().catalog;
        const raw = await catalog.createDataset({ name: "keep-raw", layer: "raw" });
        const error = await catalog.deleteDataset(raw.id).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PolicyError);
        expect((error as PolicyError).code).toBe("raw_immutable");
        expect((await catalog.getDataset(raw.id)).name).toBe("keep-raw");

        const processed = await catalog.createDataset({ name: "drop-me", layer: "processed" });
        await catalog.addObject({
          datasetId: processed.id,
          key: "processed/drop-me/a.parquet",
          name: "a.parquet",
          size: 3,
          sha256: SHA_A,
        });
        await catalog.deleteDataset(processed.id);
        await expect(catalog.getDataset(processed.id)).rejects.toThrow(NotFoundError);
        expect(await catalog.findObjectByKey("processed/drop-me/a.parquet")).toBeUndefined();
        await expect(catalog.deleteDataset(processed.id)).rejects.toThrow(NotFoundError);
      });
    });

    describe("listing", () => {
      // 23 processed datasets of one source, plus noise in another layer and another source.
      const SOURCE = "pager-src";
      const descriptions = ["quokka survey", "wombat census", "platypus atlas"];
      const seed = async (): Promise<Dataset[]> => {
        const catalog = ctx().catalog;
        const made: Dataset[] = [];
        for (let i = 0; i < 23; i++) {
          made.push(
            await catalog.createDataset({
              name: `pager-${String(i).padStart(2, "0")}`,
              layer: "processed",
              source: SOURCE,
              externalId: `GSE99${String(i).padStart(2, "0")}`,
              description: descriptions[i % 3]!,
              metadata: { organism: i % 4 === 0 ? "Homo sapiens" : "Mus musculus" },
              tags: i % 2 === 0 ? ["pager", "even"] : ["pager", "odd"],
            }),
          );
        }
        await catalog.createDataset({
          name: "pager-raw-noise",
          layer: "raw",
          source: SOURCE,
          tags: ["pager", "even"],
        });
        await catalog.createDataset({
          name: "pager-other-noise",
          layer: "processed",
          source: "elsewhere",
          tags: ["pager", "even"],
        });
        return made;
      };
      let seeded: Promise<Dataset[]> | undefined;
      const datasets = (): Promise<Dataset[]> => (seeded ??= seed());

      const collect = async (query: Parameters<ReturnType<typeof ctx>["catalog"]["listDatasets"]>[0]) => {
        const pages: (readonly Dataset[])[] = [];
        let cursor: string | undefined;
        do {
          const page = await ctx().catalog.listDatasets({
            ...query,
            ...(cursor === undefined ? {} : { cursor }),
          });
          pages.push(page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined && pages.length < 100);
        return pages;
      };

      it("pages through a filtered list with keyset cursors, with no row twice or missing", async () => {
        const made = await datasets();
        const pages = await collect({ layer: "processed", source: SOURCE, limit: 5 });
        expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
        const ids = pages.flat().map((d) => d.id);
        expect(ids).toEqual(made.map((d) => d.id));
        expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      });

      it("filters by tags (all must match)", async () => {
        const made = await datasets();
        const pages = await collect({
          source: SOURCE,
          layer: "processed",
          tags: ["pager", "even"],
          limit: 4,
        });
        expect(pages.length).toBe(3);
        expect(pages.flat().map((d) => d.name)).toEqual(
          made.filter((_, i) => i % 2 === 0).map((d) => d.name),
        );
        const none = await ctx().catalog.listDatasets({ tags: ["even", "odd"] });
        expect(none.items).toEqual([]);
        expect(none.nextCursor).toBeNull();
      });

      it("searches words and word prefixes in description, external id and metadata", async () => {
        const made = await datasets();
        const names = async (q: string): Promise<string[]> =>
          (await collect({ source: SOURCE, q, limit: 3 })).flat().map((d) => d.name);
        const quokkas = made.filter((_, i) => i % 3 === 0).map((d) => d.name);
        expect(await names("quokka")).toEqual(quokkas);
        expect(await names("QUOK")).toEqual(quokkas);
        expect(await names("quokka survey")).toEqual(quokkas);
        expect(await names("quokka atlas")).toEqual([]);
        expect(await names("GSE9907")).toEqual(["pager-07"]);
        expect(await names("sapiens")).toEqual(made.filter((_, i) => i % 4 === 0).map((d) => d.name));
        // tsquery syntax typed by a user is text, not an operator.
        expect(await names("wombat & | ! :")).toEqual(made.filter((_, i) => i % 3 === 1).map((d) => d.name));
      });

      it("combines every filter", async () => {
        const made = await datasets();
        const page = await ctx().catalog.listDatasets({
          layer: "processed",
          source: SOURCE,
          tags: ["odd"],
          q: "platypus",
          externalId: "GSE9905",
        });
        expect(page.items.map((d) => d.id)).toEqual([made[5]!.id]);
      });

      it("refuses a cursor it did not produce", async () => {
        const catalog = ctx().catalog;
        const foreign = Buffer.from(JSON.stringify({ l: "runs", a: 3 })).toString("base64url");
        const negative = Buffer.from(JSON.stringify({ l: "datasets", a: -1 })).toString("base64url");
        for (const cursor of ["%%%", "bm90IGpzb24", foreign, negative, ""]) {
          const error = await catalog.listDatasets({ cursor }).catch((e: unknown) => e);
          expect(error, cursor).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).code, cursor).toBe("invalid_cursor");
        }
      });

      it("defaults the page size to 50 and refuses one outside 1…500", async () => {
        const catalog = ctx().catalog;
        await datasets();
        for (let i = 0; i < 30; i++) await catalog.createDataset({ name: `filler-${i}`, layer: "archive" });
        const first = await catalog.listDatasets();
        expect(first.items.length).toBe(50);
        expect(first.nextCursor).not.toBeNull();
        expect((await catalog.listDatasets({ limit: 500 })).items.length).toBeGreaterThan(25);
        for (const limit of [0, 501, 2.5, -1]) {
          const error = await catalog.listDatasets({ limit }).catch((e: unknown) => e);
          expect(error, String(limit)).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).code).toBe("invalid_input");
        }
      });
    });

    describe("stats", () => {
      it("counts datasets, objects and bytes per layer and per source", async () => {
        const catalog = ctx().catalog;
        const before = await catalog.stats();
        const raw = await catalog.createDataset({ name: "stats-raw", layer: "raw", source: "stats-src" });
        const curated = await catalog.createDataset({
          name: "stats-cur",
          layer: "curated",
          source: "stats-src",
        });
        await catalog.addObject({
          datasetId: raw.id,
          key: "raw/stats/a",
          name: "a",
          size: 100,
          sha256: SHA_A,
        });
        await catalog.addObject({
          datasetId: raw.id,
          key: "raw/stats/b",
          name: "b",
          size: 20,
          sha256: SHA_A,
        });
        await catalog.addObject({
          datasetId: curated.id,
          key: "curated/stats/c",
          name: "c",
          size: 3,
          sha256: SHA_A,
        });
        const after = await catalog.stats();

        expect(after.bySource.find((s) => s.source === "stats-src")).toEqual({
          source: "stats-src",
          datasets: 2,
          objects: 3,
          bytes: 123,
        });
        expect(after.byLayer.map((l) => l.layer)).toEqual(["raw", "processed", "curated", "archive"]);
        const delta = (layer: string, key: "datasets" | "objects" | "bytes"): number =>
          after.byLayer.find((l) => l.layer === layer)![key] -
          before.byLayer.find((l) => l.layer === layer)![key];
        expect([delta("raw", "datasets"), delta("raw", "objects"), delta("raw", "bytes")]).toEqual([
          1, 2, 120,
        ]);
        expect([
          delta("curated", "datasets"),
          delta("curated", "objects"),
          delta("curated", "bytes"),
        ]).toEqual([1, 1, 3]);
        expect([delta("processed", "bytes"), delta("archive", "datasets")]).toEqual([0, 0]);
        expect(after.datasets - before.datasets).toBe(2);
        expect(after.objects - before.objects).toBe(3);
        expect(after.bytes - before.bytes).toBe(123);
        const sources = after.bySource.map((s) => s.source);
        expect([...sources].sort()).toEqual(sources);
      });
    });
  },
  { now: () => NOW },
);
