import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsObjectStore, backupRepository, encodeCursor } from "@omicslake/core";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildServer } from "../src/app.js";
import { backupRoutes } from "../src/routes/backup-routes.js";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";

for (const { engine, skip } of testEngines()) {
  describe.skipIf(skip !== null)(`/v1/backups (${engine})${skip ? ` — skipped: ${skip}` : ""}`, () => {
    let test: TestLake;
    let app: FastifyInstance;
    let scratch: string;
    let destination: FsObjectStore;
    let admin: Record<string, string>;

    beforeAll(async () => {
      test = await openTestLake(engine);
      scratch = await mkdtemp(join(tmpdir(), "omicslake-backup-routes-"));
      destination = new FsObjectStore(join(scratch, "backups"));
      const dataset = await test.lake.createDataset({ name: "routes-backup", layer: "processed" });
      await test.lake.addObject(dataset, { name: "x.txt", body: "some bytes\n" });
      admin = { authorization: `Bearer ${(await test.lake.catalog.createApiKey("ops", ["admin"])).secret}` };
      app = await buildServer({
        lake: test.lake,
        rateLimit: 0,
        backup: { destination, retention: { keepDaily: 2, keepWeekly: 2 } },
      });
    });
    afterAll(async () => {
      await app?.close();
      await destination?.close();
      await test?.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it("starts a backup (202, running), then shows it succeeded with its sizes", async () => {
      const started = await app.inject({
        method: "POST",
        url: "/v1/backups",
        payload: { kind: "manual" },
        headers: admin,
      });
      expect(started.statusCode).toBe(202);
      const job = started.json<{ id: number; status: string; destination: string }>();
      expect(job.status).toBe("running");
      expect(job.destination).toBe(destination.url);
      // The backup goes on in the server; polling its record is how a client learns the outcome.
      let shown = { status: "running", objects: 0, manifest: null as unknown };
      await vi.waitFor(
        async () => {
          shown = (await app.inject({ url: `/v1/backups/${job.id}`, headers: admin })).json();
          expect(shown.status).not.toBe("running");
        },
        { timeout: 60_000, interval: 50 },
      );
      expect(shown.status).toBe("succeeded");
      expect(shown.manifest).not.toBeNull();
      expect(shown.objects).toBeGreaterThanOrEqual(1);
      const list = (await app.inject({ url: "/v1/backups?status=succeeded", headers: admin })).json<{
        data: { id: number }[];
      }>();
      expect(list.data.map((b) => b.id)).toContain(job.id);
    });

    it("pages the jobs newest first with a cursor, keeping the filters, and refuses a foreign cursor", async () => {
      const repository = backupRepository(test.lake);
      for (let i = 0; i < 3; i++) {
        const run = await test.lake.catalog.startRun({ step: "backup" });
        const job = await repository.start({
          kind: "manual",
          destination: destination.url,
          folder: `paged-${i}`,
          runId: run.id,
          startedAt: new Date(),
        });
        await repository.fail(
          job.id,
          { code: "paged", message: "made for paging" },
          {
            objects: 0,
            bytes: 0,
            bytesCopied: 0,
          },
        );
      }
      const all = (await app.inject({ url: "/v1/backups?limit=500", headers: admin }))
        .json<{
          data: { id: number }[];
        }>()
        .data.map((b) => b.id);
      const failed = (await app.inject({ url: "/v1/backups?status=failed", headers: admin }))
        .json<{
          data: { id: number }[];
        }>()
        .data.map((b) => b.id);
      expect(failed.length).toBeGreaterThanOrEqual(3);
      type Listing = {
        data: { id: number }[];
        meta: { count: number; next_cursor: string | null };
        links: { next: string | null };
      };
      const seen: number[] = [];
      let url: string | null = "/v1/backups?limit=1&status=failed";
      while (url !== null) {
        const page: Listing = (await app.inject({ url, headers: admin })).json<Listing>();
        expect(page.meta.count).toBe(page.data.length);
        seen.push(...page.data.map((b) => b.id));
        url = page.links.next;
        if (url !== null) expect(url).toContain("status=failed");
      }
      expect(seen).toEqual(failed);
      expect(all).toEqual([...all].sort((a, b) => b - a));
      const foreign = await app.inject({
        url: `/v1/backups?cursor=${encodeCursor("runs", 5)}`,
        headers: admin,
      });
      expect(foreign.statusCode).toBe(400);
      expect(foreign.json<{ error: { code: string } }>().error.code).toBe("invalid_cursor");
    });

    it("refuses a backup without an admin key (401 without a key, 403 with a write key)", async () => {
      const none = await app.inject({ method: "POST", url: "/v1/backups", payload: { kind: "manual" } });
      expect(none.statusCode).toBe(401);
      const writer = (await test.lake.catalog.createApiKey("writer", ["write"])).secret;
      const denied = await app.inject({
        method: "POST",
        url: "/v1/backups",
        payload: { kind: "manual" },
        headers: { authorization: `Bearer ${writer}` },
      });
      expect(denied.statusCode).toBe(403);
      expect((await app.inject({ url: "/v1/backups" })).statusCode).toBe(401);
    });

    it("answers 404 naming an unknown id, and 400 for a bad kind or a destination in the body", async () => {
      const missing = await app.inject({ url: "/v1/backups/99999", headers: admin });
      expect(missing.statusCode).toBe(404);
      expect(missing.json<{ error: { message: string } }>().error.message).toContain("99999");
      for (const payload of [{ kind: "hourly" }, { to: "file:///tmp/elsewhere" }]) {
        const bad = await app.inject({ method: "POST", url: "/v1/backups", payload, headers: admin });
        expect(bad.statusCode).toBe(400);
      }
    });

    it("declares the admin scope on every backup route but the latest status, a read", async () => {
      const probe = Fastify();
      probe.setValidatorCompiler(validatorCompiler);
      probe.setSerializerCompiler(serializerCompiler);
      const seen: string[] = [];
      probe.addHook("onRoute", (route) => {
        seen.push(`${String(route.method)} ${route.url} ${route.config?.scope ?? "none"}`);
      });
      await probe.register(backupRoutes(test.lake));
      await probe.ready();
      await probe.close();
      expect(seen.sort()).toEqual([
        "GET /v1/backups admin",
        "GET /v1/backups/:id admin",
        "GET /v1/backups/latest read",
        "HEAD /v1/backups admin",
        "HEAD /v1/backups/:id admin",
        "HEAD /v1/backups/latest read",
        "POST /v1/backups admin",
      ]);
    });
  });
}
