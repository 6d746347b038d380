import { connect } from "node:net";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";

interface AuditJson {
  actor_kind: string;
  actor: string;
  key_id: number | null;
  origin: string;
  action: string;
  dataset: string | null;
  objects: string[];
  request_id: string;
  outcome: string;
  error_code: string | null;
  http_status: number | null;
  details: Record<string, unknown>;
}
interface AuditPage {
  data: AuditJson[];
  meta: { next_cursor: string | null };
}

for (const { engine, skip } of testEngines()) {
  describe.skipIf(skip !== null)(
    `keys and audit over HTTP (${engine})${skip ? ` — skipped: ${skip}` : ""}`,
    () => {
      let test: TestLake;
      let app: FastifyInstance;
      let admin: string;
      let now = Date.now();
      const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });

      beforeAll(async () => {
        test = await openTestLake(engine);
        admin = (await test.lake.catalog.createApiKey("steward", ["admin"])).secret;
        // No cache, and a clock the test moves, so expiry and revocation show at once.
        app = await buildServer({ lake: test.lake, rateLimit: 0, apiKeys: { cacheMs: 0, now: () => now } });
      });
      afterAll(async () => {
        await app?.close();
        await test?.close();
      });

      // Entries are written after each response, concurrently on a pool: settling after each request keeps
      // their order (by id) the order of the requests.
      const injectSettled = async (options: InjectOptions): Promise<LightMyRequestResponse> => {
        const res = await app.inject(options);
        await app.auditSettled();
        return res;
      };

      const audit = async (query: string): Promise<AuditPage> => {
        await app.auditSettled();
        const res = await app.inject({ url: `/v1/audit?${query}`, headers: bearer(admin) });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<AuditPage>();
      };

      it("lets an admin create, list and revoke keys, and refuses the same to a write key", async () => {
        const created = await app.inject({
          method: "POST",
          url: "/v1/keys",
          headers: bearer(admin),
          payload: {
            name: "pipeline",
            scopes: ["write"],
            expires_at: new Date(now + 3_600_000).toISOString(),
          },
        });
        expect(created.statusCode, created.body).toBe(201);
        const key = created.json<{ id: number; secret: string; expires_at: string; scopes: string[] }>();
        expect(key.secret).toMatch(/^olk_/);
        expect(key.scopes).toEqual(["write"]);
        expect(Date.parse(key.expires_at)).toBe(now + 3_600_000);

        const listed = await app.inject({ url: "/v1/keys", headers: bearer(admin) });
        expect(listed.statusCode).toBe(200);
        expect(listed.body).not.toContain(key.secret);
        expect(listed.json<{ data: { id: number }[] }>().data.map((k) => k.id)).toContain(key.id);

        for (const [method, url] of [
          ["GET", "/v1/keys"],
          ["POST", "/v1/keys"],
          ["DELETE", `/v1/keys/${key.id}`],
          ["GET", "/v1/audit"],
        ] as const) {
          const res = await app.inject({
            method,
            url,
            headers: bearer(key.secret),
            payload: method === "POST" ? {} : undefined,
          });
          expect(res.statusCode, `${method} ${url}`).toBe(403);
        }
        // The write key works for a write, and its use shows in last_used_at.
        const write = await app.inject({
          method: "POST",
          url: "/v1/catalog",
          headers: bearer(key.secret),
          payload: { name: "by-pipeline", layer: "processed" },
        });
        expect(write.statusCode).toBe(201);
        const used = (await test.lake.catalog.listApiKeys()).find((k) => k.id === key.id)!;
        expect(used.lastUsedAt).not.toBeNull();

        const revoked = await app.inject({
          method: "DELETE",
          url: `/v1/keys/${key.id}`,
          headers: bearer(admin),
        });
        expect(revoked.statusCode).toBe(200);
        expect(revoked.json<{ revoked_at: string | null }>().revoked_at).not.toBeNull();
        const after = await app.inject({
          method: "POST",
          url: "/v1/catalog",
          headers: bearer(key.secret),
          payload: { name: "after-revoke", layer: "processed" },
        });
        expect(after.statusCode).toBe(401);
        expect(after.json<{ error: { message: string } }>().error.message).toMatch(/revoked/);
        expect(
          (await app.inject({ method: "DELETE", url: "/v1/keys/999999", headers: bearer(admin) })).statusCode,
        ).toBe(404);
      });

      it("refuses an expiry in the past and a key once it expires, saying so", async () => {
        const past = await app.inject({
          method: "POST",
          url: "/v1/keys",
          headers: bearer(admin),
          payload: { name: "late", scopes: ["read"], expires_at: "2001-01-01" },
        });
        expect(past.statusCode).toBe(400);
        expect(past.json<{ error: { message: string } }>().error.message).toMatch(
          /"2001-01-01" is not in the future/,
        );

        const { secret } = await test.lake.catalog.createApiKey("short-lived", ["write"], {
          expiresAt: new Date(now + 1000),
        });
        const write = (name: string) =>
          app.inject({
            method: "POST",
            url: "/v1/catalog",
            headers: bearer(secret),
            payload: { name, layer: "processed" },
          });
        expect((await write("before-expiry")).statusCode).toBe(201);
        now += 1000;
        const res = await write("after-expiry");
        expect(res.statusCode).toBe(401);
        const error = res.json<{ error: { message: string; details: { reason: string } } }>().error;
        expect(error.message).toMatch(/"short-lived" expired at /);
        expect(error.details.reason).toBe("expired");
        expect(res.body).not.toContain(secret);
      });

      it("records every write, refused ones included, with who, what, request id and outcome", async () => {
        const writer = await test.lake.catalog.createApiKey("writer", ["write"]);
        const reader = await test.lake.catalog.createApiKey("reader", ["read"]);
        const ok = await injectSettled({
          method: "POST",
          url: "/v1/catalog",
          headers: { ...bearer(writer.secret), "x-request-id": "req-audit-1" },
          payload: { name: "audited", layer: "processed" },
        });
        expect(ok.statusCode).toBe(201);
        const upload = await injectSettled({
          method: "PUT",
          url: "/v1/catalog/processed:audited/files/a.csv",
          headers: { ...bearer(writer.secret), "content-type": "application/octet-stream" },
          payload: "gene,value\n",
        });
        expect(upload.statusCode).toBe(201);
        expect(
          (await injectSettled({ method: "DELETE", url: "/v1/catalog/processed:audited" })).statusCode,
        ).toBe(401);
        expect(
          (
            await injectSettled({
              method: "DELETE",
              url: "/v1/catalog/processed:audited",
              headers: bearer(reader.secret),
            })
          ).statusCode,
        ).toBe(403);
        // Reads are not audited.
        expect(
          (await injectSettled({ url: "/v1/catalog/processed:audited", headers: bearer(writer.secret) }))
            .statusCode,
        ).toBe(200);

        const entries = (await audit("dataset=processed:audited")).data;
        expect(entries.map((e) => [e.action, e.actor, e.outcome, e.http_status, e.error_code])).toEqual([
          ["DELETE /v1/catalog/:id", "reader", "failed", 403, "forbidden"],
          ["DELETE /v1/catalog/:id", "anonymous", "failed", 401, "unauthorized"],
          ["PUT /v1/catalog/:id/files/*", "writer", "succeeded", 201, null],
          ["POST /v1/catalog", "writer", "succeeded", 201, null],
        ]);
        const created = entries[3]!;
        expect(created).toMatchObject({
          origin: "api",
          actor_kind: "api_key",
          key_id: writer.key.id,
          request_id: "req-audit-1",
        });
        expect(entries[2]!.objects).toEqual(["a.csv"]);
        expect(entries[0]!.key_id).toBe(reader.key.id);

        // Filters and keyset pages.
        expect((await audit("outcome=failed&actor=anonymous&dataset=processed:audited")).data).toHaveLength(
          1,
        );
        expect((await audit("action=POST%20/v1/catalog&actor=writer")).data).toHaveLength(1);
        expect((await audit("until=2001-01-01")).data).toHaveLength(0);
        const first = await audit("dataset=processed:audited&limit=3");
        expect(first.data).toHaveLength(3);
        const rest = await audit(`dataset=processed:audited&limit=3&cursor=${first.meta.next_cursor!}`);
        expect(rest.data.map((e) => e.action)).toEqual(["POST /v1/catalog"]);
        expect(
          (await app.inject({ url: "/v1/audit?since=yesterday", headers: bearer(admin) })).statusCode,
        ).toBe(400);
        // An impossible day is refused, not rolled over to March 2.
        const impossible = await app.inject({ url: "/v1/audit?since=2026-02-30", headers: bearer(admin) });
        expect(impossible.statusCode).toBe(400);
        expect(impossible.body).toContain("not a real date");
      });

      it("names the dataset as layer:name whether the client sent its id or its name", async () => {
        const writer = await test.lake.catalog.createApiKey("by-id", ["write"]);
        const dataset = await test.lake.createDataset({ name: "by-id", layer: "processed" });
        const headers = bearer(writer.secret);
        const upload = await injectSettled({
          method: "PUT",
          url: `/v1/catalog/${dataset.id}/files/a.csv`,
          headers: { ...headers, "content-type": "application/octet-stream" },
          payload: "gene,value\n",
        });
        expect(upload.statusCode, upload.body).toBe(201);
        const promote = await injectSettled({
          method: "POST",
          url: "/v1/layers/promote",
          headers,
          payload: { dataset: dataset.id, to: "curated" },
        });
        expect(promote.statusCode, promote.body).toBe(201);
        const step = await injectSettled({
          method: "POST",
          url: "/v1/provenance",
          headers,
          payload: {
            tool: { name: "qc", version: "1" },
            inputs: [],
            outputs: [dataset.id],
            started_at: "2026-01-02T10:00:00Z",
            finished_at: "2026-01-02T10:05:00Z",
            status: "succeeded",
          },
        });
        expect(step.statusCode, step.body).toBe(201);
        const entries = (await audit("dataset=processed:by-id")).data;
        expect(entries.map((e) => e.action)).toEqual([
          "POST /v1/provenance",
          "POST /v1/layers/promote",
          "PUT /v1/catalog/:id/files/*",
        ]);
      });

      it("refuses an unknown field when creating a key rather than dropping it", async () => {
        // "expires" (the CLI's option name) dropped silently would make a key that never expires.
        const res = await app.inject({
          method: "POST",
          url: "/v1/keys",
          headers: bearer(admin),
          payload: { name: "misspelt", scopes: ["read"], expires: "2099-01-01" },
        });
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain("expires");
        const keys = await test.lake.catalog.listApiKeys();
        expect(keys.map((k) => k.name)).not.toContain("misspelt");
      });

      it("records key management without the secret", async () => {
        const res = await app.inject({
          method: "POST",
          url: "/v1/keys",
          headers: bearer(admin),
          payload: { name: "ci", scopes: ["read"] },
        });
        const { id, secret } = res.json<{ id: number; secret: string }>();
        const page = await audit("action=POST%20/v1/keys&outcome=succeeded");
        const entry = page.data.find((e) => e.details["key_id"] === id);
        expect(entry).toMatchObject({ actor: "steward", details: { key_name: "ci", scopes: ["read"] } });
        expect(JSON.stringify(page)).not.toContain(secret);
      });

      it("records an upload the client cut short", async () => {
        const writer = await test.lake.catalog.createApiKey("cutter", ["write"]);
        await test.lake.createDataset({ name: "cut", layer: "processed" });
        const server = await buildServer({ lake: test.lake, rateLimit: 0 });
        let reached!: () => void;
        const handlerReached = new Promise<void>((resolve) => (reached = resolve));
        server.addHook("preHandler", async () => reached());
        const base = new URL(await server.listen({ port: 0, host: "127.0.0.1" }));
        try {
          const socket = connect(Number(base.port), base.hostname);
          socket.write(
            [
              "PUT /v1/catalog/processed:cut/files/big.bin HTTP/1.1",
              `Host: ${base.host}`,
              `Authorization: Bearer ${writer.secret}`,
              "Content-Type: application/octet-stream",
              "Content-Length: 10000000",
              "X-Request-Id: req-cut",
              "",
              "partial",
            ].join("\r\n"),
          );
          await handlerReached;
          socket.destroy();
          // The entry is written once the server notices the hang-up; wait for it, without a time limit of our own.
          let entries: AuditJson[] = [];
          while (entries.length === 0) {
            await server.auditSettled();
            entries = (await test.lake.catalog.auditLog.list({ actor: "cutter" })).items.map((e) => ({
              outcome: e.outcome,
              request_id: e.requestId,
            })) as AuditJson[];
            if (entries.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
          }
          expect(entries).toHaveLength(1);
          expect(entries[0]!.request_id).toBe("req-cut");
          // Cancelled when the hang-up is seen first (the usual case), failed when the broken stream is.
          expect(["cancelled", "failed"]).toContain(entries[0]!.outcome);
        } finally {
          await server.close();
        }
        expect((await test.lake.listObjects("processed:cut")).items).toEqual([]);
      });

      it("answers a write whose audit entry cannot be written, and counts the failure", async () => {
        const auditLog = test.lake.catalog.auditLog;
        const record = auditLog.record.bind(auditLog);
        auditLog.record = () => Promise.reject(new Error("catalog gone"));
        try {
          const res = await app.inject({
            method: "POST",
            url: "/v1/catalog",
            headers: bearer(admin),
            payload: { name: "unaudited", layer: "processed" },
          });
          expect(res.statusCode).toBe(201);
          await app.auditSettled();
        } finally {
          auditLog.record = record;
        }
        const metrics = await app.inject({ url: "/metrics" });
        expect(metrics.body).toMatch(/omicslake_audit_failures_total 1/);
      });
    },
  );
}
