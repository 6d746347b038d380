import { expect, it } from "vitest";
import { forEachDatabase } from "../testing/for-each-database.js";
import { encodeCursor } from "./page-cursor.js";

forEachDatabase((ctx) => {
  it("lists promotion edges newest first with names and layers, by dataset, in keyset pages", async () => {
    const catalog = ctx().catalog;
    const raw = await catalog.createDataset({ name: "promo-a", layer: "raw" });
    const processed = await catalog.createDataset({ name: "promo-a", layer: "processed" });
    const curated = await catalog.createDataset({ name: "promo-a", layer: "curated" });
    const other = await catalog.createDataset({ name: "promo-b", layer: "processed" });
    const run = await catalog.startRun({ step: "promote" });
    const first = await catalog.addProvenance({
      inputDatasetId: raw.id,
      outputDatasetId: processed.id,
      action: "promotion",
      runId: run.id,
      parameters: { from: "raw", to: "processed" },
    });
    // Edges of other actions are not promotions.
    await catalog.addProvenance({ inputDatasetId: raw.id, outputDatasetId: other.id, action: "conversion" });
    const second = await catalog.addProvenance({
      inputDatasetId: processed.id,
      outputDatasetId: curated.id,
      action: "promotion",
    });

    const all = await catalog.listPromotions();
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((p) => p.id)).toEqual([second.id, first.id]);
    expect(all.items[1]).toEqual({
      id: first.id,
      datasetId: processed.id,
      datasetName: "promo-a",
      inputDatasetId: raw.id,
      fromLayer: "raw",
      toLayer: "processed",
      runId: run.id,
      createdAt: first.createdAt,
      parameters: { from: "raw", to: "processed" },
    });
    expect(all.items[0]).toMatchObject({ fromLayer: "processed", toLayer: "curated", runId: null });

    // Into or out of the dataset: the processed one has both.
    const ofProcessed = await catalog.listPromotions({ datasetId: processed.id });
    expect(ofProcessed.items.map((p) => p.id)).toEqual([second.id, first.id]);
    const ofCurated = await catalog.listPromotions({ datasetId: curated.id });
    expect(ofCurated.items.map((p) => p.id)).toEqual([second.id]);
    expect((await catalog.listPromotions({ datasetId: other.id })).items).toEqual([]);

    const page1 = await catalog.listPromotions({ limit: 1 });
    expect(page1.items.map((p) => p.id)).toEqual([second.id]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await catalog.listPromotions({ limit: 1, cursor: page1.nextCursor! });
    expect(page2.items.map((p) => p.id)).toEqual([first.id]);
    expect(page2.nextCursor).toBeNull();
  });

  it("refuses a cursor of another list and a bad dataset id", async () => {
    const catalog = ctx().catalog;
    await expect(catalog.listPromotions({ cursor: encodeCursor("runs", 5) })).rejects.toMatchObject({
      code: "invalid_cursor",
    });
    await expect(catalog.listPromotions({ datasetId: 0 })).rejects.toMatchObject({ code: "invalid_input" });
  });
});
