import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";
import { API_KEY_CACHE_MS } from "../src/http/api-key-auth.js";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";

for (const { engine, skip } of testEngines()) {
  describe.skipIf(skip !== null)(`API key revocation (${engine})${skip ? ` — skipped: ${skip}` : ""}`, () => {
    let test: TestLake;
    let app: FastifyInstance;
    let now = 1_000_000;

    beforeAll(async () => {
      test = await openTestLake(engine);
      // A longer cache is asked for; the server caps it at a second.
      app = await buildServer({
        lake: test.lake,
        rateLimit: 0,
        apiKeys: { cacheMs: 30_000, now: () => now },
      });
    });
    afterAll(async () => {
      await app?.close();
      await test?.close();
    });

    const create = async (secret: string, name: string): Promise<number> =>
      (
        await app.inject({
          method: "POST",
          url: "/v1/catalog",
          payload: { name, layer: "processed" },
          headers: { authorization: `Bearer ${secret}` },
        })
      ).statusCode;

    it("stops accepting a revoked key within a second", async () => {
      const { key, secret } = await test.lake.catalog.createApiKey("temp", ["write"]);
      expect(await create(secret, "before-revoke")).toBe(201);
      await test.lake.catalog.revokeApiKey(key.id);
      now += API_KEY_CACHE_MS;
      expect(API_KEY_CACHE_MS).toBeLessThanOrEqual(1000);
      expect(await create(secret, "after-revoke")).toBe(401);
      expect((await app.inject({ url: "/v1/catalog/processed:after-revoke" })).statusCode).toBe(404);
    });

    it("refuses a key revoked before its first use at once", async () => {
      const { key, secret } = await test.lake.catalog.createApiKey("never-used", ["write"]);
      await test.lake.catalog.revokeApiKey(key.id);
      expect(await create(secret, "never")).toBe(401);
    });
  });
}
