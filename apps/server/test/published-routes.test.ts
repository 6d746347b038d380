import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { catalogClient, lakeCombos, type ComboLake } from "@omicslake/core/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";

const sha = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

/** One sample of a metric with the given labels, or undefined when it is absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const escaped = `${name}{${labels}}`.replace(/[{}"]/g, (c) => `\\${c}`);
  const match = new RegExp(`^${escaped} (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : undefined;
}

// Serving and metrics read the catalog: both engines (PostgreSQL when DATABASE_URL is set), fs store.
describe.each(lakeCombos().filter((c) => c.store === "fs"))(
  "published tree and lake metrics ($name)",
  (combo) => {
    let opened: ComboLake;
    let app: FastifyInstance;
    let dir: string;
    const snapshot = randomBytes(200_000);
    const parquet = Buffer.from("PAR1 not really parquet PAR1");

    beforeEach((context) => {
      if (combo.skip) context.skip(combo.skip);
    });
    // One lake for the whole block (opening one costs seconds); the corruption test runs after the others.
    beforeAll(async () => {
      if (combo.skip) return;
      opened = await combo.open();
      dir = join(opened.root, "published");
      await mkdir(join(dir, "parquet"), { recursive: true });
      await writeFile(join(dir, "omicslake.duckdb"), snapshot);
      await writeFile(join(dir, "parquet", "sra_study.parquet"), parquet);
      await writeFile(join(dir, "unlisted.txt"), "not in the manifest");
      const files = [
        { path: "omicslake.duckdb", size: snapshot.length, sha256: sha(snapshot) },
        { path: "parquet/sra_study.parquet", size: parquet.length, sha256: sha(parquet) },
      ];
      await writeFile(
        join(dir, "manifest.json"),
        JSON.stringify({
          format: "omicslake-published",
          version: 1,
          published_at: "",
          omicslake_version: "",
          files,
          retired: [],
        }),
      );
      app = await buildServer({ lake: opened.lake, rateLimit: 0, publishedDir: dir });
    });
    afterAll(async () => {
      await app?.close();
      await opened?.dispose();
    });

    it("serves listed files with ETag, Range (206/416) and 304, and the manifest itself", async () => {
      const whole = await app.inject({ url: "/v1/published/omicslake.duckdb" });
      expect(whole.statusCode).toBe(200);
      expect(whole.rawPayload.equals(snapshot)).toBe(true);
      expect(whole.headers.etag).toBe(`"${sha(snapshot)}"`);
      expect(whole.headers["accept-ranges"]).toBe("bytes");

      const range = await app.inject({
        url: "/v1/published/omicslake.duckdb",
        headers: { range: "bytes=100-199" },
      });
      expect(range.statusCode).toBe(206);
      expect(range.headers["content-range"]).toBe(`bytes 100-199/${snapshot.length}`);
      expect(range.rawPayload.equals(snapshot.subarray(100, 200))).toBe(true);

      const tail = await app.inject({
        url: "/v1/published/parquet/sra_study.parquet",
        headers: { range: "bytes=-4" },
      });
      expect(tail.statusCode).toBe(206);
      expect(tail.body).toBe("PAR1");

      const beyond = await app.inject({
        url: "/v1/published/omicslake.duckdb",
        headers: { range: `bytes=${snapshot.length}-` },
      });
      expect(beyond.statusCode).toBe(416);
      expect(beyond.headers["content-range"]).toBe(`bytes */${snapshot.length}`);

      const cached = await app.inject({
        url: "/v1/published/omicslake.duckdb",
        headers: { "if-none-match": `"${sha(snapshot)}"` },
      });
      expect(cached.statusCode).toBe(304);

      const manifest = await app.inject({ url: "/v1/published/manifest.json" });
      expect(manifest.statusCode).toBe(200);
      expect(manifest.json<{ files: { path: string }[] }>().files.map((f) => f.path)).toEqual([
        "omicslake.duckdb",
        "parquet/sra_study.parquet",
      ]);
    });

    it("refuses traversal and unlisted paths, naming the path", async () => {
      for (const url of [
        "/v1/published/../manifest.json",
        "/v1/published/%2e%2e/%2e%2e/etc/passwd",
        "/v1/published/parquet/%2E%2E/unlisted.txt",
        "/v1/published//etc/passwd",
        "/v1/published/parquet\\..\\unlisted.txt",
      ]) {
        const response = await app.inject({ url });
        expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, url).toBeLessThan(500);
        expect(response.json<{ error: { code: string } }>().error.code, url).toMatch(
          /invalid_input|not_found/,
        );
      }
      const unlisted = await app.inject({ url: "/v1/published/unlisted.txt" });
      expect(unlisted.statusCode).toBe(404);
      expect(unlisted.json<{ error: { message: string } }>().error.message).toContain("unlisted.txt");
    });

    it("reports lake gauges equal to the catalog's own counts", async () => {
      const { lake } = opened;
      const raw = await lake.createDataset({ name: "reads", layer: "raw", source: "lab" });
      await lake.addObject(raw, { name: "a.fastq", body: "ACGT\n" });
      await lake.addObject(raw, { name: "b.fastq", body: "ACGTACGT\n" });
      await lake
        .withRun("ingest:geo", {}, () => Promise.reject(new Error("upstream down")))
        .catch(() => undefined);
      const loadedAt = new Date("2026-01-02T03:04:05Z");
      const db = catalogClient(lake.catalog);
      await db.query(
        "INSERT INTO serving_loads (entity, table_name, rows, loaded_at, source_sha256) VALUES ('sra_study', 'sra_study_a', 3, $1, 'x')",
        [loadedAt],
      );

      const stats = await lake.stats();
      const runs = await lake.catalog.listRuns({ limit: 500 });
      const before = Date.now();
      let text = (await app.inject({ url: "/metrics" })).body;
      const after = Date.now();
      for (const { layer, objects, bytes } of stats.byLayer) {
        expect(sample(text, "omicslake_lake_objects", `layer="${layer}"`)).toBe(objects);
        expect(sample(text, "omicslake_lake_bytes", `layer="${layer}"`)).toBe(bytes);
      }
      expect(sample(text, "omicslake_lake_objects", 'layer="raw"')).toBe(2);
      expect(sample(text, "omicslake_lake_bytes", 'layer="raw"')).toBe(5 + 9);
      for (const status of ["succeeded", "failed"]) {
        expect(sample(text, "omicslake_runs", `status="${status}"`)).toBe(
          runs.items.filter((r) => r.status === status).length,
        );
      }
      expect(sample(text, "omicslake_ingest_failed_runs", 'step="ingest:geo"')).toBe(1);
      const age = sample(text, "omicslake_serving_load_age_seconds", 'entity="sra_study"')!;
      expect(age).toBeGreaterThanOrEqual((before - loadedAt.getTime()) / 1000 - 1);
      expect(age).toBeLessThanOrEqual((after - loadedAt.getTime()) / 1000 + 1);
      // No backup yet: the sample is absent, not zero.
      expect(text).not.toMatch(/^omicslake_last_good_backup_age_seconds\{/m);

      // Only a succeeded backup counts: a later failed one leaves the age at the good one's.
      await db.query(
        `INSERT INTO backups (kind, status, destination, folder, started_at, finished_at, manifest_sha256)
         VALUES ('daily', 'succeeded', 'file:///b', 'archive/backups/daily/1/', $1, $1, repeat('a', 64)),
                ('daily', 'failed', 'file:///b', 'archive/backups/daily/2/', now(), now(), NULL)`,
        [loadedAt],
      );
      text = (await app.inject({ url: "/metrics" })).body;
      const backupAge = sample(text, "omicslake_last_good_backup_age_seconds", 'kind="any"')!;
      expect(backupAge).toBeCloseTo(age, -1);
    });
    it("never answers 200 or 206 for a file that no longer matches the manifest, and counts it", async () => {
      const file = join(dir, "omicslake.duckdb");
      const bytes = await readFile(file);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await writeFile(file, bytes);
      const whole = await app.inject({ url: "/v1/published/omicslake.duckdb" });
      expect(whole.statusCode).toBe(500);
      expect(whole.json<{ error: { code: string; hint?: string } }>().error.code).toBe("integrity_error");
      expect(whole.body).toContain("omicslake publish");
      const range = await app.inject({
        url: "/v1/published/omicslake.duckdb",
        headers: { range: "bytes=0-9" },
      });
      expect(range.statusCode).toBe(500);
      const metrics = (await app.inject({ url: "/metrics" })).body;
      expect(sample(metrics, "omicslake_integrity_failures_total", 'failure="sha256"')).toBe(2);
    });
  },
);
