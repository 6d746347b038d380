import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakeCombos, type ComboLake } from "@omicslake/core/testing";
import { FsObjectStore } from "../src/object-store/fs/fs-object-store.js";
import type { ObjectStore } from "../src/object-store/object-store.js";
import { openLake } from "../src/lake/open-lake.js";
import type { Lake } from "../src/lake/lake.js";
import { backupRepository, runBackup } from "../src/backup/run-backup.js";
import { restoreBackup } from "../src/backup/restore-backup.js";
import { MANIFEST_NAME, poolKey } from "../src/backup/backup-layout.js";
import { RESTORE_MARKER } from "../src/backup/restore-marker.js";
import { ConflictError, IntegrityError, NotFoundError } from "../src/errors/omicslake-error.js";
import { catalogClient } from "../src/catalog/catalog-client.js";

/** key → sha256 of every object the catalog lists. */
async function catalogObjects(lake: Lake): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await lake.search({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const dataset of page.items)
      for (const object of (await lake.listObjects(dataset.id, { limit: 500 })).items)
        found.set(object.key, object.sha256);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

function openRestored(dir: string): Promise<Lake> {
  return openLake(
    {
      root: dir,
      storage: { url: `file://${join(dir, "objects")}` },
      database: { pgliteDir: join(dir, "catalog") },
    },
    { onNotice: () => undefined },
  );
}

for (const combo of lakeCombos()) {
  describe.skipIf(combo.skip !== undefined)(
    `backup and restore on ${combo.name}${combo.skip ? ` — skipped: ${combo.skip}` : ""}`,
    () => {
      let opened: ComboLake;
      let lake: Lake;
      let scratch: string;
      // fs lakes back up to a second store; S3 lakes into their own store (archive/backups/).
      let destination: ObjectStore;

      beforeAll(async () => {
        opened = await combo.open();
        lake = opened.lake;
        scratch = await mkdtemp(join(tmpdir(), "omicslake-backup-test-"));
        destination = combo.store === "fs" ? new FsObjectStore(join(scratch, "backups")) : lake.store;
        const raw = await lake.createDataset({ name: "reads", layer: "raw", tags: ["t1"] });
        await lake.addObject(raw, { name: "a.txt", body: "alpha\n" });
        await lake.addObject(raw, { name: "b.txt", body: "bravo bravo\n" });
        await lake.promote("raw:reads", "processed");
        // Asset state is catalog data too: a restored lake must not re-run what was materialized.
        const { run } = await lake.withRun("asset", {}, () => Promise.resolve());
        const db = catalogClient(lake.catalog);
        await db.query(
          `INSERT INTO asset_materializations (asset_key, partition_key, status, run_id, data_version, inputs, attempt, origin, request_id, finished_at)
           VALUES ('geo/raw', '2024-05', 'succeeded', $1, 'v1', '[{"key": "x"}]', 1, 'cli', 'r1', now())`,
          [run.id],
        );
        await db.query(
          `INSERT INTO asset_cursors (asset_key, cursor) VALUES ('geo/raw', '{"evaluatedAt": "2024-05-01"}')`,
        );
      }, 60_000);
      afterAll(async () => {
        if (destination !== undefined && destination !== lake?.store) await destination.close();
        await opened?.dispose();
        if (scratch) await rm(scratch, { recursive: true, force: true });
      });

      it("backs up, copies only new objects the second time, and restores a lake fsck passes byte for byte", async () => {
        const first = await runBackup(lake, { destination });
        expect(first).toMatchObject({ status: "succeeded", kind: "manual", objects: 4 });
        // raw and processed hold the same bytes: the pool stores them once.
        expect(first.bytesCopied).toBe(first.bytes / 2);
        expect(await destination.head(`${first.folder}${MANIFEST_NAME}`)).toBeDefined();

        await lake.addObject("raw:reads", { name: "c.txt", body: "charlie!\n" });
        const second = await runBackup(lake, { destination });
        expect(second).toMatchObject({ status: "succeeded", objects: 5 });
        expect(second.bytesCopied).toBe("charlie!\n".length);
        expect((await lake.catalog.listRuns({ step: "backup" })).items.map((r) => r.status)).toEqual([
          "succeeded",
          "succeeded",
        ]);

        // A restore builds an on-disk PGlite lake, the slow part: the dump of each engine and the pool of
        // each store are restored once (fs with PGlite, S3 with PostgreSQL), the other pairs back up only.
        if ((combo.store === "fs") !== (combo.engine === "pglite")) return;
        const into = join(scratch, "restored");
        const restored = await restoreBackup({ store: destination, folder: second.folder, into });
        expect(restored.objects).toBe(5);
        const copy = await openRestored(into);
        try {
          const report = await copy.fsck();
          expect(report.problems).toEqual([]);
          expect(report.ok).toBe(true);
          expect(await catalogObjects(copy)).toEqual(await catalogObjects(lake));
          // The bytes themselves, not only the catalog's word for them.
          const c = (await copy.listObjects("raw:reads", { limit: 10 })).items.find(
            (o) => o.name === "c.txt",
          )!;
          const chunks: Buffer[] = [];
          for await (const chunk of (await copy.readObject(c)) as AsyncIterable<Buffer>) chunks.push(chunk);
          expect(Buffer.concat(chunks).toString()).toBe("charlie!\n");
          expect((await copy.dataset("raw:reads")).tags).toEqual(["t1"]);
          expect((await copy.lineage("processed:reads")).nodes.length).toBeGreaterThan(1);
          // Identity sequences continue after the restored ids.
          const maxId = Math.max(...(await copy.search({ limit: 100 })).items.map((d) => d.id));
          const fresh = await copy.createDataset({ name: "after-restore", layer: "raw" });
          expect(fresh.id).toBeGreaterThan(maxId);
          // The backup that was running when the catalog was dumped is complete in the copy.
          const job = await backupRepository(copy).get(second.id);
          expect(job.status).toBe("succeeded");
          expect((await copy.catalog.listRuns({ status: "running" })).items).toEqual([]);
          const assetRows = await catalogClient(copy.catalog).query(
            `SELECT m.asset_key, m.partition_key, m.data_version, m.inputs, r.step, c.cursor
               FROM asset_materializations m JOIN runs r ON r.id = m.run_id JOIN asset_cursors c ON c.asset_key = m.asset_key`,
          );
          expect(assetRows.rows).toEqual([
            {
              asset_key: "geo/raw",
              partition_key: "2024-05",
              data_version: "v1",
              inputs: [{ key: "x" }],
              step: "asset",
              cursor: { evaluatedAt: "2024-05-01" },
            },
          ]);
        } finally {
          await copy.close();
        }

        // Restoring over anything is refused, naming the path.
        await expect(restoreBackup({ store: destination, folder: second.folder, into })).rejects.toThrow(
          ConflictError,
        );
        await expect(restoreBackup({ store: destination, folder: second.folder, into })).rejects.toThrow(
          into,
        );
      }, 120_000);

      it("runs one backup at a time: a second one is refused while the first runs", async () => {
        const repo = backupRepository(lake);
        await lake.withRun("holding-a-backup", {}, async (run) => {
          const held = await repo.start({
            kind: "manual",
            destination: destination.url,
            folder: "archive/backups/manual/held/",
            runId: run.id,
            startedAt: new Date(),
          });
          const failedRuns = async () =>
            (await lake.catalog.listRuns({ step: "backup", status: "failed", limit: 500 })).items.length;
          const failedBefore = await failedRuns();
          const refused = await runBackup(lake, { destination }).catch((e: unknown) => e);
          expect(refused).toBeInstanceOf(ConflictError);
          expect((refused as ConflictError).message).toContain(`backup ${held.id} is still running`);
          // A refusal is not a failed backup: no run is left behind to count in the failed-runs gauge.
          expect(await failedRuns()).toBe(failedBefore);
          await repo.fail(
            held.id,
            { code: "test", message: "released" },
            { objects: 0, bytes: 0, bytesCopied: 0 },
          );
        });
      });

      it("reserves archive:backups, whose keys are the backup tree's", async () => {
        // Retention deleted such a dataset's objects as unreferenced pool objects.
        await expect(lake.createDataset({ name: "backups", layer: "archive" })).rejects.toThrow(
          /"backups" is reserved in the archive layer/,
        );
        await expect(lake.ensureDataset({ name: "backups", layer: "archive" })).rejects.toThrow(/reserved/);
        expect(() => lake.objectKey({ layer: "archive", name: "backups" }, "objects/sha256/00/00")).toThrow(
          /reserved/,
        );
        await lake.createDataset({ name: "backups", layer: "curated" });
        await expect(lake.promote("curated:backups", "archive")).rejects.toThrow(/reserved/);
        // A lake made before the name was reserved may hold one: backing up into its own store is refused.
        const db = catalogClient(lake.catalog);
        await db.query(
          `INSERT INTO datasets (name, layer, source, metadata) VALUES ('backups', 'archive', 'lab',
             '{"source": "lab", "date": "2026-01-01", "version": "1"}'::jsonb)`,
        );
        try {
          const error = await runBackup(lake).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ConflictError);
          expect((error as Error).message).toContain("archive:backups");
        } finally {
          await db.query(`DELETE FROM datasets WHERE name = 'backups' AND layer = 'archive'`);
        }
      });

      it("names an unknown backup id", async () => {
        await expect(backupRepository(lake).get(987654)).rejects.toThrow(NotFoundError);
        await expect(backupRepository(lake).get(987654)).rejects.toThrow("987654");
        // Past the bigint range: a 404 like any unknown id, not the catalog's out-of-range error.
        await expect(backupRepository(lake).get(Number("99999999999999999999"))).rejects.toThrow(
          NotFoundError,
        );
      });

      it.skipIf(combo.store !== "fs")(
        "fails a backup whose object no longer matches its sha256, naming it, and writes no manifest",
        async () => {
          const dataset = await lake.createDataset({ name: "rotting", layer: "processed" });
          const object = await lake.addObject(dataset, { name: "x.bin", body: "good bytes\n" });
          const file = join(new URL(opened.storage.url).pathname, ...object.key.split("/"));
          await writeFile(file, "evil bytes\n");
          const error = await runBackup(lake, { destination }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(IntegrityError);
          expect((error as IntegrityError).message).toContain(object.key);
          expect((error as IntegrityError).details).toMatchObject({
            key: object.key,
            expectedSha256: object.sha256,
          });
          const [failed] = await backupRepository(lake).list({ limit: 1 });
          expect(failed).toMatchObject({ status: "failed", manifest: null });
          expect(failed!.error?.message).toContain(object.key);
          expect(await destination.head(`${failed!.folder}${MANIFEST_NAME}`)).toBeUndefined();
          expect(await destination.head(poolKey(object.sha256))).toBeUndefined();
          await writeFile(file, "good bytes\n");
          await lake.deleteDataset(dataset);
        },
      );

      it("prunes scheduled backups beyond the retention counts and the pool objects only they held", async () => {
        const dest = new FsObjectStore(join(scratch, `retention-${Date.now()}`));
        try {
          const doomed = await lake.createDataset({ name: "doomed", layer: "processed" });
          const object = await lake.addObject(doomed, {
            name: "only-here.txt",
            body: "held by one backup\n",
          });
          const old = await runBackup(lake, { kind: "daily", destination: dest });
          await lake.deleteDataset(doomed);
          const retention = { keepDaily: 1, keepWeekly: 1 };
          const weekly = await runBackup(lake, { kind: "weekly", destination: dest, retention });
          const kept = await runBackup(lake, { kind: "daily", destination: dest, retention });
          expect((await backupRepository(lake).get(old.id)).status).toBe("pruned");
          expect((await backupRepository(lake).get(kept.id)).status).toBe("succeeded");
          expect((await backupRepository(lake).get(weekly.id)).status).toBe("succeeded");
          expect(await dest.head(`${old.folder}${MANIFEST_NAME}`)).toBeUndefined();
          expect(await dest.head(`${old.folder}catalog/objects.ndjson`)).toBeUndefined();
          expect(await dest.head(poolKey(object.sha256))).toBeUndefined();
          // What the kept backups hold is still there, and the lake's own objects were never touched.
          const manifest = JSON.parse(
            await readFile(
              join(scratch, dest.root.slice(scratch.length), ...`${kept.folder}${MANIFEST_NAME}`.split("/")),
              "utf8",
            ),
          ) as { objects: { sha256: string }[] };
          for (const entry of manifest.objects) expect(await dest.head(poolKey(entry.sha256))).toBeDefined();
          expect((await lake.fsck()).ok).toBe(true);
        } finally {
          await dest.close();
        }
      }, 60_000);

      it.skipIf(combo.name !== "fs + pglite")(
        "leaves an interrupted restore marked, and such a lake refuses to open",
        async () => {
          const into = join(scratch, "half");
          const [done] = await backupRepository(lake).list({ status: "succeeded", limit: 1 });
          // A pool object gone missing stops the restore after the catalog is written: the marker stays.
          const broken = new FsObjectStore(join(scratch, "empty-pool"));
          const manifestStore = done!.destination === destination.url ? destination : lake.store;
          const stub: ObjectStore = new Proxy(manifestStore, {
            get(target, prop) {
              if (prop === "get")
                return (key: string, options?: object) =>
                  key.startsWith("archive/backups/objects/") ? broken.get(key) : target.get(key, options);
              const value = Reflect.get(target, prop, target) as unknown;
              return typeof value === "function"
                ? (value as (...a: unknown[]) => unknown).bind(target)
                : value;
            },
          });
          await expect(restoreBackup({ store: stub, folder: done!.folder, into })).rejects.toThrow();
          await expect(readFile(join(into, RESTORE_MARKER), "utf8")).resolves.toContain("started");
          await expect(openRestored(into)).rejects.toMatchObject({ code: "restore_incomplete" });
        },
        60_000,
      );
    },
  );
}
