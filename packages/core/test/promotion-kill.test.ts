import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lake } from "../src/lake/lake.js";
import { openLake } from "../src/lake/open-lake.js";
import { lakeCombos, runTsChild, type ComboLake } from "@omicslake/core/testing";

const here = dirname(fileURLToPath(import.meta.url));
const OBJECTS = 6;

/** Runs the promoting child to completion or to its self-inflicted SIGKILL; resolves with the signal, if any. */
async function runChild(location: ComboLake, ref: string, killAt: string): Promise<NodeJS.Signals | null> {
  const { root, storage, database } = location;
  const { signal } = await runTsChild(
    join(here, "promotion-kill-child.ts"),
    [JSON.stringify({ root, storage, database }), ref, "curated", killAt],
    "the promoting child",
  );
  return signal;
}

/** Name, size and sha256 of every object of a dataset, in name order. */
async function contents(lake: Lake, ref: string): Promise<[string, number, string][]> {
  return (await lake.listObjects(ref, { limit: 500 })).items.map((o) => [o.name, o.size, o.sha256]);
}

// A child must open the same lake, so PGlite lives on disk here; PostgreSQL and s3rver are shared anyway.
for (const combo of lakeCombos()) {
  describe.skipIf(combo.skip !== undefined)(
    `promotion killed mid-way on ${combo.name}${combo.skip ? ` — skipped: ${combo.skip}` : ""}`,
    () => {
      let opened: ComboLake;
      // The parent's lake is open only between children: an on-disk PGlite admits one process at a time.
      const withLake = async <T>(fn: (lake: Lake) => Promise<T>): Promise<T> => {
        const lake = await openLake(opened);
        try {
          return await fn(lake);
        } finally {
          await lake.close();
        }
      };

      beforeAll(async () => {
        opened = await combo.open({ pgliteOnDisk: true });
        for (const name of ["killed", "uninterrupted"]) {
          const dataset = await opened.lake.createDataset({ name, layer: "processed" });
          for (let i = 0; i < OBJECTS; i++) {
            await opened.lake.addObject(dataset, {
              name: `part-${i}.tsv`,
              body: `row ${i}\t${"x".repeat(1000 * (i + 1))}\n`,
            });
          }
        }
        await opened.lake.promote("processed:uninterrupted", "curated");
        await opened.lake.close();
      }, 120_000);
      afterAll(async () => {
        // dispose closes the lake it opened (already closed: harmless) and removes everything.
        await opened?.dispose();
      });

      it("shows nothing of a promotion killed at any step, and a rerun finishes it equal to an uninterrupted one", async () => {
        const killPoints = ["after-row-2", "after-publish-4", "before-publish"];
        for (const killAt of killPoints) {
          expect(await runChild(opened, "processed:killed", killAt)).toBe("SIGKILL");
          await withLake(async (lake) => {
            await expect(lake.dataset("curated:killed")).rejects.toMatchObject({ code: "not_found" });
            expect((await lake.search({ layer: "curated" })).items.map((d) => d.name)).toEqual([
              "uninterrupted",
            ]);
            expect((await lake.search({ q: "killed" })).items.map((d) => d.layer)).toEqual(["processed"]);
            expect((await lake.stats()).byLayer.find((l) => l.layer === "curated")).toMatchObject({
              datasets: 1,
              objects: OBJECTS,
            });
            const incomplete = await lake.incompletePromotions();
            expect(incomplete.map((p) => [p.dataset.name, p.dataset.layer, p.from])).toEqual([
              ["killed", "curated", "processed"],
            ]);
            expect(incomplete[0]!.copiedObjects).toBeGreaterThanOrEqual(2);
            expect(incomplete[0]!.copiedObjects).toBeLessThanOrEqual(OBJECTS);
            // The killed run was marked abandoned when the lake was opened, so fsck names the
            // unfinished promotion instead of taking it for one in progress.
            const partial = (await lake.fsck()).problems.filter((p) => p.kind === "partial_promotion");
            expect(partial.map((p) => p.key)).toEqual(["curated:killed"]);
          });
        }
        expect(await runChild(opened, "processed:killed", "never")).toBeNull();
        await withLake(async (lake) => {
          const target = await lake.dataset("curated:killed");
          expect(target.objectCount).toBe(OBJECTS);
          expect(await contents(lake, "curated:killed")).toEqual(
            await contents(lake, "curated:uninterrupted"),
          );
          expect(await contents(lake, "curated:killed")).toEqual(await contents(lake, "processed:killed"));
          const edges = (await lake.lineage(target)).edges.filter((e) => e.action === "promotion");
          expect(edges).toHaveLength(1);
          expect(await lake.incompletePromotions()).toEqual([]);
          expect((await lake.fsck()).problems).toEqual([]);
          await expect(lake.promote("processed:killed", "curated")).rejects.toMatchObject({
            code: "already_promoted",
          });
        });
      }, 300_000);
    },
  );
}
