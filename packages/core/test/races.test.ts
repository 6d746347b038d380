import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OmicslakeError, PolicyError } from "../src/errors/omicslake-error.js";
import type { Lake } from "../src/lake/lake.js";
import { lakeCombos, runTsChild, type ComboLake } from "@omicslake/core/testing";

const here = dirname(fileURLToPath(import.meta.url));
const WRITERS = 8;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Distinct content per writer, large enough to stream in several chunks. */
function content(writer: number, name: string): string {
  return `writer ${writer} of ${name}\n`.repeat(4000);
}

async function readAll(lake: Lake, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await lake.store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The code of a typed error; an untyped one fails the test, since losers must get a clear error. */
function codeOf(reason: unknown): string {
  expect(reason).toBeInstanceOf(OmicslakeError);
  return (reason as OmicslakeError).code;
}

/**
 * Catalog and store agree: every row's bytes exist and hash to its sha256, no stored object lacks a
 * row, no promotion is left pending, and nothing staged was left behind.
 */
async function expectConsistent(opened: ComboLake): Promise<void> {
  const report = await opened.lake.fsck();
  expect(report.problems).toEqual([]);
  expect(await opened.lake.incompletePromotions()).toEqual([]);
  expect(await opened.stagedLeftovers()).toEqual([]);
}

async function runChild(
  location: ComboLake,
  dataset: string,
  mode: "add" | "put",
  tag: string,
  names: string[],
): Promise<{ name: string; ok: boolean; sha256?: string; code?: string }[]> {
  const { root, storage, database } = location;
  const { signal, stdout } = await runTsChild(
    join(here, "races-child.ts"),
    [JSON.stringify({ root, storage, database }), dataset, mode, tag, names.join(",")],
    "the writer child",
  );
  if (signal !== null) throw new Error(`the writer child was killed by ${signal}`);
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { name: string; ok: boolean; sha256?: string; code?: string });
}

for (const combo of lakeCombos()) {
  describe.skipIf(combo.skip !== undefined)(
    `races on ${combo.name}${combo.skip ? ` — skipped: ${combo.skip}` : ""}`,
    () => {
      let opened: ComboLake;
      beforeAll(async () => {
        opened = await combo.open();
      }, 120_000);
      afterAll(async () => {
        await opened?.dispose();
      });

      it("lets exactly one of many concurrent writers of a name win, in processed and in raw; the key holds the winner's bytes", async () => {
        const { lake } = opened;
        for (const layer of ["processed", "raw"] as const) {
          const dataset = await lake.createDataset({ name: `same-name-${layer}`, layer });
          for (let round = 0; round < 3; round++) {
            const name = `table-${round}.csv`;
            const outcomes = await Promise.allSettled(
              Array.from({ length: WRITERS }, (_, writer) =>
                lake.addObject(dataset, { name, body: content(writer, name) }),
              ),
            );
            const winners = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
            expect(winners).toHaveLength(1);
            for (const o of outcomes) {
              if (o.status === "rejected")
                expect(codeOf(o.reason)).toBe(layer === "raw" ? "raw_immutable" : "object_exists");
            }
            const winner = winners[0]!;
            const stored = await readAll(lake, winner.key);
            expect(sha256(stored)).toBe(winner.sha256);
            expect((await lake.catalog.getObject(dataset.id, name)).sha256).toBe(winner.sha256);
          }
        }
        await expectConsistent(opened);
      }, 180_000);

      it("orders concurrent overwrites of a processed name: the key holds the bytes of the row the catalog kept", async () => {
        const { lake } = opened;
        const dataset = await lake.createDataset({ name: "overwrites", layer: "processed" });
        for (let round = 0; round < 3; round++) {
          const name = "latest.parquet";
          const outcomes = await Promise.allSettled(
            Array.from({ length: WRITERS }, (_, writer) =>
              lake.putObject(dataset, { name, body: content(writer + round * WRITERS, name) }),
            ),
          );
          expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
          const row = await lake.catalog.getObject(dataset.id, name);
          expect(sha256(await readAll(lake, row.key))).toBe(row.sha256);
        }
        expect((await lake.dataset(dataset.id)).objectCount).toBe(1);
        await expectConsistent(opened);
      }, 180_000);

      it("adopts raw bytes a crash left without a row only when the new bytes are the same, and never replaces them", async () => {
        const { lake } = opened;
        const dataset = await lake.createDataset({ name: "crash-leftover", layer: "raw" });
        const key = lake.objectKey(dataset, "reads.fastq");
        const old = content(1, "reads.fastq");
        // What an add that died between publishing and recording leaves: bytes under the key, no row.
        await lake.store.put(key, old);
        const refused = await lake
          .addObject(dataset, { name: "reads.fastq", body: content(2, "reads.fastq") })
          .catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(PolicyError);
        expect((refused as PolicyError).code).toBe("raw_conflict");
        expect((refused as PolicyError).details).toMatchObject({ key, storedSha256: sha256(old) });
        expect(await readAll(lake, key)).toBe(old);
        expect(await lake.catalog.findObjectByKey(key)).toBeUndefined();
        const adopted = await lake.addObject(dataset, { name: "reads.fastq", body: old });
        expect(adopted.sha256).toBe(sha256(old));
        expect(await readAll(lake, key)).toBe(old);
        await expectConsistent(opened);
      }, 120_000);

      it("leaves no orphan when a dataset is deleted while writers add to it, and none when it is recreated meanwhile", async () => {
        const { lake } = opened;
        for (let round = 0; round < 4; round++) {
          const dataset = await lake.ensureDataset({ name: "deleted-under-writers", layer: "processed" });
          const writers = Array.from({ length: WRITERS }, (_, writer) =>
            lake.addObject(dataset, { name: `part-${writer}.csv`, body: content(writer, `part-${writer}`) }),
          );
          const deleter = (async () => {
            // Let some writers finish first in some rounds, none in others.
            for (let i = 0; i < round; i++) await new Promise((r) => setImmediate(r));
            await lake.deleteDataset(dataset.id);
            // Recreate the name at once and write into it: the deleter's byte removal must not take these.
            const again = await lake.ensureDataset({ name: "deleted-under-writers", layer: "processed" });
            await lake.addObject(again, { name: "part-0.csv", body: content(99, "again") });
          })();
          const outcomes = await Promise.allSettled([...writers, deleter]);
          for (const o of outcomes.slice(0, WRITERS)) {
            // Gone, or (same key) already taken by the recreated dataset's object.
            if (o.status === "rejected") expect(["not_found", "object_exists"]).toContain(codeOf(o.reason));
          }
          expect(outcomes[WRITERS]!.status).toBe("fulfilled");
          await expectConsistent(opened);
          await lake.deleteDataset("processed:deleted-under-writers");
        }
        await expectConsistent(opened);
      }, 240_000);

      it("publishes exactly one of concurrent promotions of a dataset, complete; the others get already_promoted", async () => {
        const { lake } = opened;
        const source = await lake.createDataset({ name: "promoted-by-many", layer: "processed" });
        for (let i = 0; i < 5; i++)
          await lake.addObject(source, { name: `o${i}.csv`, body: content(i, `o${i}`) });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 4 }, () => lake.promote(source, "curated")),
        );
        const winners = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
        expect(winners).toHaveLength(1);
        for (const o of outcomes)
          if (o.status === "rejected") expect(codeOf(o.reason)).toBe("already_promoted");
        const target = await lake.dataset("curated:promoted-by-many");
        expect(target.objectCount).toBe(5);
        const copied = (await lake.listObjects(target)).items.map((o) => [o.name, o.sha256]);
        const original = (await lake.listObjects(source)).items.map((o) => [o.name, o.sha256]);
        expect(copied).toEqual(original);
        expect((await lake.lineage(target)).edges.filter((e) => e.action === "promotion")).toHaveLength(1);
        await expectConsistent(opened);
      }, 180_000);

      it("leaves either a complete promotion or none when its source is deleted during it", async () => {
        const { lake } = opened;
        for (let round = 0; round < 3; round++) {
          const source = await lake.createDataset({
            name: `promoted-and-deleted-${round}`,
            layer: "processed",
          });
          for (let i = 0; i < 4; i++)
            await lake.addObject(source, { name: `o${i}.csv`, body: content(i, `o${i}`) });
          const [promoted, deleted] = await Promise.allSettled([
            (async () => {
              for (let i = 0; i < round; i++) await new Promise((r) => setImmediate(r));
              return lake.promote(source, "curated");
            })(),
            lake.deleteDataset(source.id),
          ]);
          expect(deleted.status).toBe("fulfilled");
          const target = await lake.catalog.findDatasetInAnyState(source.name, "curated");
          if (promoted.status === "fulfilled") {
            expect(target?.pending).toBe(false);
            expect(target?.dataset.objectCount).toBe(4);
          } else {
            expect(codeOf(promoted.reason)).toBe("not_found");
            expect(target).toBeUndefined();
          }
          await expectConsistent(opened);
        }
      }, 180_000);

      it.skipIf(combo.engine !== "postgres")(
        "keeps one winner per name when the writers are separate processes",
        async () => {
          const { lake } = opened;
          const names = Array.from({ length: 12 }, (_, i) => `shared-${i}.csv`);
          await lake.createDataset({ name: "two-processes", layer: "processed" });
          const [a, b] = await Promise.all([
            runChild(opened, "processed:two-processes", "add", "a", names),
            runChild(opened, "processed:two-processes", "add", "b", names),
          ]);
          for (const name of names) {
            const results = [a.find((r) => r.name === name)!, b.find((r) => r.name === name)!];
            expect(results.filter((r) => r.ok)).toHaveLength(1);
            expect(results.find((r) => !r.ok)?.code).toBe("object_exists");
            const row = await lake.catalog.getObject(
              (await lake.dataset("processed:two-processes")).id,
              name,
            );
            expect(row.sha256).toBe(results.find((r) => r.ok)?.sha256);
          }
          await lake.createDataset({ name: "two-processes-put", layer: "processed" });
          const puts = await Promise.all([
            runChild(opened, "processed:two-processes-put", "put", "a", names),
            runChild(opened, "processed:two-processes-put", "put", "b", names),
          ]);
          expect(puts.flat().filter((r) => !r.ok)).toEqual([]);
          await expectConsistent(opened);
        },
        240_000,
      );
    },
  );
}
