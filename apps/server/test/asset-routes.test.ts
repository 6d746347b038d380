import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";
import { FakeAssetService } from "@omicslake/assets/testing";

interface ErrorJson {
  error: { code: string; message: string };
}

for (const { engine, skip } of testEngines()) {
  describe.skipIf(skip !== null)(`/v1/assets (${engine})${skip ? ` — skipped: ${skip}` : ""}`, () => {
    let test: TestLake;
    let app: FastifyInstance;
    let service: FakeAssetService;
    let writer: Record<string, string>;
    let reader: Record<string, string>;

    beforeAll(async () => {
      test = await openTestLake(engine);
      service = new FakeAssetService(test.lake, { busy: ["metadata/curated"] });
      writer = { authorization: `Bearer ${(await test.lake.catalog.createApiKey("ops", ["write"])).secret}` };
      reader = {
        authorization: `Bearer ${(await test.lake.catalog.createApiKey("viewer", ["read"])).secret}`,
      };
      app = await buildServer({ lake: test.lake, rateLimit: 0, assets: service });
    });
    afterAll(async () => {
      await app?.close();
      await test?.close();
    });

    it("lists every asset with snake_case fields, as the CLI's --json does", async () => {
      const res = await app.inject({ url: "/v1/assets" });
      expect(res.statusCode).toBe(200);
      const { data } = res.json<{ data: Record<string, unknown>[] }>();
      expect(data.map((a) => a["key"])).toEqual(["data/geo/raw", "data/geo/processed", "metadata/curated"]);
      expect(data[1]).toMatchObject({
        deps: ["data/geo/raw"],
        partitions: { kind: "static", name: "data/geo", count: 3, materialized: 1, latest: "2024-03" },
        automation: "eager",
        last_materialization: {
          id: 7,
          partition: "2024-02",
          data_version: "3a9f0c1d2e3f4a5b6c7d",
          run_id: 41,
        },
        status: "partial",
        stale: true,
        stale_reasons: ["[2024-02] data/geo/raw has version 88d2bb, 77c1aa was read"],
      });
      expect(data[2]).toMatchObject({ partitions: null, last_materialization: null, status: "missing" });
    });

    it("shows one asset by its slash-separated key, with partitions and recent materializations", async () => {
      const res = await app.inject({ url: "/v1/assets/data/geo/processed" });
      expect(res.statusCode).toBe(200);
      const body = res.json<Record<string, unknown>>();
      expect(body).toMatchObject({
        key: "data/geo/processed",
        downstream: ["metadata/curated"],
        retry: { max_retries: 2, delay_ms: 5000, backoff: "exponential" },
      });
      expect(body["partition_statuses"]).toHaveLength(3);
      expect(body["recent"]).toEqual([
        expect.objectContaining({
          id: 7,
          partition: "2024-02",
          run_id: 41,
          request_id: "req-1",
          started_at: "2026-12-06T03:00:00.000Z",
          inputs: [{ key: "data/geo/raw", partition: null, data_version: "77c1aa", materialization_id: 3 }],
        }),
      ]);
    });

    it("answers 404 for an unknown key and 400 for what cannot be a key, never 500", async () => {
      const unknown = await app.inject({ url: "/v1/assets/data/nope/raw" });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json<ErrorJson>().error.code).toBe("not_found");
      for (const url of [
        "/v1/assets/data/../etc/passwd",
        "/v1/assets/..",
        "/v1/assets/Data/GEO",
        "/v1/assets/data//raw",
        "/v1/assets/data%00/raw",
        `/v1/assets/${"a".repeat(300)}`,
      ]) {
        const res = await app.inject({ url });
        expect([400, 404], url).toContain(res.statusCode);
        expect(res.json<ErrorJson>().error.code, url).toMatch(/^(invalid_input|validation_error|not_found)$/);
      }
      const huge = await app.inject({ url: `/v1/assets/${"a/".repeat(3000)}b` });
      expect(huge.statusCode).toBeLessThan(500);
    });

    it("materializes with the write scope: 202 with the planned requests, run in the background", async () => {
      const url = "/v1/assets/data/geo/processed/materialize";
      expect((await app.inject({ method: "POST", url, payload: {} })).statusCode).toBe(401);
      expect((await app.inject({ method: "POST", url, payload: {}, headers: reader })).statusCode).toBe(403);
      const before = service.submitted.length;
      const res = await app.inject({
        method: "POST",
        url,
        payload: { partitions: ["2024-03"], downstream: true },
        headers: writer,
      });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({
        data: {
          requests: [
            { key: "data/geo/processed", partition: "2024-03", reason: "selected by data/geo/processed" },
            { key: "metadata/curated", partition: null, reason: "selected by data/geo/processed" },
          ],
        },
      });
      expect(service.submitted.slice(before)).toEqual([
        { select: ["data/geo/processed"], origin: "api", partitions: ["2024-03"], downstream: true },
      ]);
      // Without a body: every partition of the asset.
      const all = await app.inject({
        method: "POST",
        url: "/v1/assets/data/geo/raw/materialize",
        headers: writer,
      });
      expect(all.statusCode, all.body).toBe(202);
      expect(all.json<{ data: { requests: unknown[] } }>().data.requests).toHaveLength(1);
      await app.auditSettled();
      const audit = await test.lake.catalog.auditLog.list({ actor: "ops" });
      expect(audit.items.map((e) => e.details)).toContainEqual(
        expect.objectContaining({ asset: "data/geo/processed", partitions: ["2024-03"], downstream: true }),
      );
    });

    it("refuses bad materialize requests with their codes: unknown partition, busy, bad body, no suffix", async () => {
      const post = (
        url: string,
        payload?: Record<string, unknown>,
      ): Promise<{ statusCode: number; json: <T>() => T }> =>
        app.inject({ method: "POST", url, headers: writer, ...(payload !== undefined ? { payload } : {}) });
      const partition = await post("/v1/assets/data/geo/processed/materialize", { partitions: ["1999-01"] });
      expect(partition.statusCode).toBe(400);
      expect(partition.json<ErrorJson>().error.message).toContain("1999-01");
      const busy = await post("/v1/assets/metadata/curated/materialize", {});
      expect(busy.statusCode).toBe(409);
      expect(busy.json<ErrorJson>().error.code).toBe("asset_busy");
      expect((await post("/v1/assets/data/geo/raw/materialize", { select: ["*"] })).statusCode).toBe(400);
      expect((await post("/v1/assets/data/geo/raw/materialize", { partitions: [""] })).statusCode).toBe(400);
      // An empty list is not "every partition".
      expect((await post("/v1/assets/data/geo/processed/materialize", { partitions: [] })).statusCode).toBe(
        400,
      );
      expect((await post("/v1/assets/data/geo/raw", {})).statusCode).toBe(404);
      expect((await post("/v1/assets/nope/materialize", {})).statusCode).toBe(404);
      expect([400, 404]).toContain((await post("/v1/assets/../materialize", {})).statusCode);
    });

    it("documents the routes and their scopes in the OpenAPI document", async () => {
      const spec = (await app.inject({ url: "/openapi.json" })).json<{
        paths: Record<string, Record<string, { "x-omicslake-scope"?: string }>>;
      }>();
      expect(spec.paths["/v1/assets"]?.["get"]?.["x-omicslake-scope"]).toBe("read");
      const wildcard = Object.keys(spec.paths).find((p) => p.startsWith("/v1/assets/"));
      expect(wildcard).toBeDefined();
      expect(spec.paths[wildcard!]?.["post"]?.["x-omicslake-scope"]).toBe("write");
    });
  });
}
