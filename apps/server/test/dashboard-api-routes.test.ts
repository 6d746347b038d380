import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { backupRepository } from "@omicslake/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

// The routes the dashboard reads besides the catalog's: schema versions, promotions, backup status, who am I.
for (const { engine, skip } of testEngines()) {
  describe.skipIf(skip !== null)(
    `dashboard API routes (${engine})${skip ? ` — skipped: ${skip}` : ""}`,
    () => {
      let test: TestLake;
      let app: FastifyInstance;
      let privateApp: FastifyInstance;
      let datasetId: number;
      let processedId: number;
      let curatedId: number;
      let admin: { id: number; secret: string };
      let revoked: string;

      beforeAll(async () => {
        test = await openTestLake(engine);
        const { lake } = test;
        const file = join(test.root, "table.csv");
        await writeFile(file, "a,b\n1,2\n");
        const raw = await lake.addFiles([file], { dataset: "dash-a" });
        datasetId = raw.dataset.id;
        processedId = (await lake.promote(datasetId, "processed")).id;
        curatedId = (await lake.promote(processedId, "curated")).id;
        await lake.addFiles([file], { dataset: "dash-b" });
        await lake.promote("raw:dash-b", "processed");
        const run = await lake.catalog.startRun({ step: "convert" });
        await lake.catalog.recordSchema(processedId, "series", [
          { name: "a", type: "INTEGER", nullable: false },
        ]);
        await lake.catalog.recordSchema(
          processedId,
          "series",
          [
            { name: "a", type: "BIGINT", nullable: true },
            { name: "c", type: "VARCHAR", nullable: true },
          ],
          run.id,
        );
        await lake.catalog.recordSchema(processedId, "samples", [
          { name: "id", type: "VARCHAR", nullable: false },
        ]);

        const backups = backupRepository(lake);
        const backupRun = (step: string) => lake.catalog.startRun({ step }).then((r) => r.id);
        const base = { destination: "file:///srv/secret-backups", folder: "archive/backups/manual/x/" };
        const ok = await backups.start({
          kind: "daily",
          ...base,
          runId: await backupRun("backup"),
          startedAt: new Date(),
        });
        await backups.succeed(ok.id, {
          objects: 3,
          bytes: 120,
          bytesCopied: 120,
          manifestSha256: "a".repeat(64),
        });
        const bad = await backups.start({
          kind: "manual",
          ...base,
          runId: await backupRun("backup"),
          startedAt: new Date(),
        });
        await backups.fail(
          bad.id,
          { code: "fetch_failed", message: "bucket s3://secret unreachable" },
          {
            objects: 1,
            bytes: 10,
            bytesCopied: 10,
          },
        );
        await backups.start({
          kind: "weekly",
          ...base,
          runId: await backupRun("backup"),
          startedAt: new Date(),
        });

        const created = await lake.catalog.createApiKey("steward", ["admin"], {
          expiresAt: new Date("2099-01-01T00:00:00Z"),
        });
        admin = { id: created.key.id, secret: created.secret };
        const gone = await lake.catalog.createApiKey("gone", ["read"]);
        await lake.catalog.revokeApiKey(gone.key.id);
        revoked = gone.secret;
        app = await buildServer({ lake, rateLimit: 0 });
        privateApp = await buildServer({ lake, rateLimit: 0, publicReads: false });
      });

      afterAll(async () => {
        await app?.close();
        await privateApp?.close();
        await test?.close();
      });

      it("GET /v1/catalog/{id}/schemas lists each table's versions with their diffs, by table", async () => {
        const res = await app.inject({ url: `/v1/catalog/processed:dash-a/schemas` });
        expect(res.statusCode).toBe(200);
        const { data } = res.json<{ data: { table: string; version: number; dataset_id: number }[] }>();
        expect(data.map((v) => `${v.table}@${v.version}`)).toEqual(["samples@1", "series@1", "series@2"]);
        expect(data.every((v) => v.dataset_id === processedId)).toBe(true);
        const series = await app.inject({ url: `/v1/catalog/${processedId}/schemas?table=series` });
        const [first, second] = series.json<{ data: Record<string, unknown>[] }>().data;
        expect(first).toMatchObject({
          version: 1,
          fields: [{ name: "a", type: "INTEGER", nullable: false }],
          diff: { added: [], removed: [], retyped: [] },
          run_id: null,
        });
        expect(second).toMatchObject({
          version: 2,
          run_id: expect.any(Number) as unknown,
          diff: {
            added: [{ name: "c", type: "VARCHAR", nullable: true }],
            removed: [],
            retyped: [{ name: "a", from: "INTEGER", to: "BIGINT", nullable_from: false, nullable_to: true }],
          },
        });
        expect(Date.parse(String(second!["created_at"]))).not.toBeNaN();
        const none = await app.inject({ url: `/v1/catalog/${processedId}/schemas?table=nope` });
        expect(none.json()).toEqual({ data: [] });
      });

      it("GET /v1/catalog/{id}/schemas: an unknown dataset is 404, hostile input 400", async () => {
        const unknown = await app.inject({ url: "/v1/catalog/no-such-dataset/schemas" });
        expect(unknown.statusCode).toBe(404);
        expect(unknown.json<ErrorBody>().error.code).toBe("not_found");
        expect((await app.inject({ url: "/v1/catalog/999999999/schemas" })).statusCode).toBe(404);
        for (const url of [
          `/v1/catalog/${processedId}/schemas?table=a%00b`,
          `/v1/catalog/${processedId}/schemas?table=`,
          `/v1/catalog/${processedId}/schemas?table=${"x".repeat(600)}`,
          "/v1/catalog/99999999999999999999999/schemas",
        ]) {
          const res = await app.inject({ url });
          expect(res.statusCode, url).toBe(400);
        }
      });

      it("GET /v1/layers/promotions pages the promotions newest first, all or of one dataset", async () => {
        const res = await app.inject({ url: "/v1/layers/promotions" });
        expect(res.statusCode).toBe(200);
        const all = res.json<{
          data: { dataset_name: string; from_layer: string | null; to_layer: string }[];
          meta: { count: number };
        }>();
        expect(all.meta.count).toBe(3);
        expect(all.data.map((p) => `${p.dataset_name}:${p.from_layer}->${p.to_layer}`)).toEqual([
          "dash-b:raw->processed",
          "dash-a:processed->curated",
          "dash-a:raw->processed",
        ]);
        expect(all.data[1]).toMatchObject({
          dataset_id: curatedId,
          input_dataset_id: processedId,
          run_id: expect.any(Number) as unknown,
          parameters: { from: "processed", to: "curated" },
        });

        const first = await app.inject({ url: "/v1/layers/promotions?dataset=processed:dash-a&limit=1" });
        const page1 = first.json<{
          data: { dataset_id: number }[];
          meta: { next_cursor: string | null };
          links: { next: string | null };
        }>();
        expect(page1.data.map((p) => p.dataset_id)).toEqual([curatedId]);
        expect(page1.links.next).toContain("dataset=processed");
        const second = await app.inject({ url: page1.links.next! });
        const page2 = second.json<{ data: { dataset_id: number }[]; meta: { next_cursor: string | null } }>();
        expect(page2.data.map((p) => p.dataset_id)).toEqual([processedId]);
        expect(page2.meta.next_cursor).toBeNull();
      });

      it("GET /v1/layers/promotions: an unknown dataset is 404, a bad cursor or limit 400", async () => {
        expect((await app.inject({ url: "/v1/layers/promotions?dataset=nope" })).statusCode).toBe(404);
        for (const query of [
          "cursor=garbage!",
          "cursor=eyJsIjoicnVucyIsImEiOjV9",
          "limit=0",
          "limit=501",
          "dataset=a%00",
        ]) {
          const res = await app.inject({ url: `/v1/layers/promotions?${query}` });
          expect(res.statusCode, query).toBe(400);
        }
      });

      it("GET /v1/backups/latest shows the newest of each outcome to a reader, without destinations", async () => {
        const res = await app.inject({ url: "/v1/backups/latest" });
        expect(res.statusCode).toBe(200);
        const status = res.json<Record<string, Record<string, unknown> | null>>();
        expect(status["last_succeeded"]).toMatchObject({
          kind: "daily",
          status: "succeeded",
          objects: 3,
          bytes: 120,
        });
        expect(status["last_failed"]).toMatchObject({ kind: "manual", status: "failed", objects: 1 });
        expect(status["running"]).toMatchObject({ kind: "weekly", status: "running", finished_at: null });
        expect(res.body).not.toContain("secret");
        expect(Object.keys(status["last_succeeded"]!).sort()).toEqual(
          ["bytes", "finished_at", "id", "kind", "objects", "started_at", "status"].sort(),
        );
        // The static segment wins over /v1/backups/{id}, which stays admin only.
        expect((await app.inject({ url: "/v1/backups/1" })).statusCode).toBe(401);
        expect((await privateApp.inject({ url: "/v1/backups/latest" })).statusCode).toBe(401);
      });

      it("GET /v1/me says who the key is, and whether reads need one; a dead key is 401", async () => {
        const anonymous = await app.inject({ url: "/v1/me" });
        expect(anonymous.json()).toEqual({ authenticated: false, key: null, public_reads: true });
        const closed = await privateApp.inject({ url: "/v1/me" });
        expect(closed.statusCode).toBe(200);
        expect(closed.json()).toEqual({ authenticated: false, key: null, public_reads: false });
        const me = await privateApp.inject({
          url: "/v1/me",
          headers: { authorization: `Bearer ${admin.secret}` },
        });
        expect(me.json()).toEqual({
          authenticated: true,
          key: {
            id: admin.id,
            name: "steward",
            prefix: expect.any(String) as unknown,
            scopes: ["admin"],
            expires_at: "2099-01-01T00:00:00.000Z",
          },
          public_reads: false,
        });
        expect(me.body).not.toContain(admin.secret);
        const dead = await app.inject({ url: "/v1/me", headers: { "x-api-key": revoked } });
        expect(dead.statusCode).toBe(401);
        expect(dead.json<ErrorBody>().error.details["reason"]).toBe("revoked");
        const unknown = await app.inject({ url: "/v1/me", headers: { authorization: "Bearer olk_nope" } });
        expect(unknown.statusCode).toBe(401);
      });

      it("documents the four routes with their schemas and scopes", async () => {
        const doc = (await app.inject({ url: "/openapi.json" })).json<{
          paths: Record<
            string,
            { get?: { summary?: string; description?: string; "x-omicslake-scope"?: string } }
          >;
          components: { schemas: Record<string, unknown> };
        }>();
        const scopes = Object.fromEntries(
          ["/v1/catalog/{id}/schemas", "/v1/layers/promotions", "/v1/backups/latest", "/v1/me"].map((p) => [
            p,
            doc.paths[p]?.get?.["x-omicslake-scope"],
          ]),
        );
        expect(scopes).toEqual({
          "/v1/catalog/{id}/schemas": "read",
          "/v1/layers/promotions": "read",
          "/v1/backups/latest": "read",
          "/v1/me": "public",
        });
        for (const name of [
          "SchemaField",
          "SchemaVersion",
          "Promotion",
          "BackupSummary",
          "BackupStatus",
          "Me",
        ])
          expect(doc.components.schemas, name).toHaveProperty(name);
      });
    },
  );
}
