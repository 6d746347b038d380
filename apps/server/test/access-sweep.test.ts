import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";
import { ROUTE_SCOPES, type RouteScope } from "../src/http/route-scope.js";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";

/**
 * The access sweep: every operation of the server's own OpenAPI document (so a route added later is
 * swept without touching this file) × {no key, read, write, admin, revoked, expired} × public_reads on
 * and off, checked against the scope the operation documents in `x-omicslake-scope`. Bodies are empty
 * or invalid and ids do not exist, so an allowed request is refused later (400/404) and changes nothing.
 */

interface Operation {
  "x-omicslake-scope"?: string;
  requestBody?: unknown;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

type Credential = "none" | "read" | "write" | "admin" | "revoked" | "expired";
const CREDENTIALS: readonly Credential[] = ["none", "read", "write", "admin", "revoked", "expired"];

// Public routes whose answer is about the presented key: a dead key gets its 401 there, as anywhere.
const KEY_AWARE_PUBLIC = new Set(["/v1/me"]);

/** What a credential must get on a route of `scope`: 401, 403 or anything else ("allowed"). */
function expected(
  scope: RouteScope,
  who: Credential,
  publicReads: boolean,
  template: string,
): 401 | 403 | "allowed" {
  if (scope === "public")
    return KEY_AWARE_PUBLIC.has(template) && (who === "revoked" || who === "expired") ? 401 : "allowed";
  if (who === "revoked" || who === "expired") return 401;
  if (who === "none") return scope === "read" && publicReads ? "allowed" : 401;
  const rank = { read: 1, write: 2, admin: 3 };
  return rank[who] >= rank[scope] ? "allowed" : 403;
}

// Path parameters that name nothing in the lake: an allowed request ends in 404 or 400, never a change.
const PARAM: Record<string, string> = { id: "999999", "*": "none.csv", accession: "SRR000001" };

for (const { engine, skip } of testEngines()) {
  describe.skipIf(skip !== null)(`access sweep (${engine})${skip ? ` — skipped: ${skip}` : ""}`, () => {
    let test: TestLake;
    const apps = new Map<boolean, FastifyInstance>();
    const secrets = new Map<Credential, string>();

    beforeAll(async () => {
      test = await openTestLake(engine);
      const { catalog } = test.lake;
      for (const scope of ["read", "write", "admin"] as const)
        secrets.set(scope, (await catalog.createApiKey(scope, [scope])).secret);
      const revoked = await catalog.createApiKey("revoked", ["admin"]);
      await catalog.revokeApiKey(revoked.key.id);
      secrets.set("revoked", revoked.secret);
      // Written straight through the repository: the CLI and the API refuse an expiry in the past.
      const expired = await catalog.createApiKey("expired", ["admin"], {
        expiresAt: new Date(Date.now() - 60_000),
      });
      secrets.set("expired", expired.secret);
      for (const publicReads of [true, false])
        apps.set(
          publicReads,
          // publishedDir need not exist: the route is registered (and swept), and answers 404 past the check.
          await buildServer({
            lake: test.lake,
            rateLimit: 0,
            publicReads,
            publishedDir: join(tmpdir(), "omicslake-sweep-never-published"),
          }),
        );
    });

    afterAll(async () => {
      for (const app of apps.values()) await app.close();
      await test?.close();
    });

    it("answers every documented operation with 401, 403 or access by its scope", async () => {
      const before = (await test.lake.stats()).datasets;
      const failures: string[] = [];
      let operations = 0;
      for (const [publicReads, app] of apps) {
        const spec = (await app.inject({ url: "/openapi.json" })).json<OpenApi>();
        // The routes of every governance part are in the document, so the sweep reaches them.
        for (const path of ["/v1/published/", "/v1/backups", "/v1/keys", "/v1/audit"])
          expect(Object.keys(spec.paths).some((p) => p.startsWith(path))).toBe(true);
        for (const [template, methods] of Object.entries(spec.paths)) {
          for (const [method, operation] of Object.entries(methods)) {
            operations++;
            const scope = operation["x-omicslake-scope"] as RouteScope;
            if (!ROUTE_SCOPES.includes(scope)) {
              failures.push(`${method} ${template}: documents no scope (${String(scope)})`);
              continue;
            }
            const url = template.replace(/\{([^}]+)\}/g, (_m, name: string) => PARAM[name] ?? "x");
            const verb = method.toUpperCase() as InjectOptions["method"];
            for (const who of CREDENTIALS) {
              const headers: Record<string, string> =
                who === "none" ? {} : { authorization: `Bearer ${secrets.get(who)!}` };
              const body: Pick<InjectOptions, "payload" | "headers"> =
                verb === "PUT"
                  ? { payload: "", headers: { ...headers, "content-type": "application/octet-stream" } }
                  : operation.requestBody
                    ? { payload: "{}", headers: { ...headers, "content-type": "application/json" } }
                    : { headers };
              const res = await app.inject({ method: verb, url, ...body });
              const want = expected(scope, who, publicReads, template);
              const where = `${verb} ${template} [${scope}] public_reads=${publicReads} ${who}`;
              const status = res.statusCode;
              if (want === "allowed") {
                if (status === 401 || status === 403) failures.push(`${where}: ${status}, expected access`);
                continue;
              }
              if (status !== want) {
                failures.push(`${where}: ${status}, expected ${want}`);
                continue;
              }
              const error = res.json<{ error: { code: string; message: string } }>().error;
              if (error.code !== (want === 401 ? "unauthorized" : "forbidden"))
                failures.push(`${where}: code ${error.code}`);
              if (who === "expired" && !/expired/.test(error.message))
                failures.push(`${where}: message does not say expired: ${error.message}`);
              if (who === "revoked" && !/revoked/.test(error.message))
                failures.push(`${where}: message does not say revoked: ${error.message}`);
              if (who !== "none" && res.body.includes(secrets.get(who)!))
                failures.push(`${where}: the answer echoes the key`);
            }
          }
        }
      }
      expect(failures.slice(0, 30), `${failures.length} failures`).toEqual([]);
      // Every scope is met somewhere, so the sweep checked each rule at least once.
      expect(operations).toBeGreaterThan(40);
      expect((await test.lake.stats()).datasets).toEqual(before);
    });

    it("keeps health, the OpenAPI document and the docs public when reads are private", async () => {
      const app = apps.get(false)!;
      for (const url of ["/health", "/openapi.json", "/docs/", "/docs/js/scalar.js"])
        expect((await app.inject({ url })).statusCode, url).toBe(200);
      // The docs plugin redirects /docs to /docs/.
      expect((await app.inject({ url: "/docs" })).statusCode).toBe(301);
      expect((await app.inject({ url: "/metrics" })).statusCode).toBe(401);
      // HEAD routes, which Fastify adds for every GET and the document does not list, keep the GET's scope.
      expect((await app.inject({ method: "HEAD", url: "/v1/catalog" })).statusCode).toBe(401);
      expect((await app.inject({ method: "HEAD", url: "/health" })).statusCode).toBe(200);
      const spec = (await app.inject({ url: "/openapi.json" })).json<OpenApi>();
      const scopes = new Set(
        Object.values(spec.paths).flatMap((ops) => Object.values(ops).map((op) => op["x-omicslake-scope"])),
      );
      expect([...scopes].sort()).toEqual(["admin", "public", "read", "write"]);
    });

    it("throttles requests without a key before checking them, and checks keys before upload headers", async () => {
      const app = await buildServer({ lake: test.lake, rateLimit: 2 });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++)
          statuses.push((await app.inject({ method: "POST", url: "/v1/catalog", payload: {} })).statusCode);
        expect(statuses).toEqual([401, 401, 429]);
      } finally {
        await app.close();
      }
      const upload = await apps.get(true)!.inject({
        method: "PUT",
        url: "/v1/catalog/raw:x/files/a.csv",
        headers: { "content-type": "application/json" },
        payload: "{}",
      });
      expect(upload.statusCode).toBe(401);
    });

    it("refuses to start when a route declares no scope, naming it", async () => {
      const app = await buildServer({ lake: test.lake, rateLimit: 0 });
      app.get("/v1/unscoped", async () => ({ ok: true }));
      await expect(app.ready()).rejects.toThrow(
        /routes without an access scope: GET,HEAD \/v1\/unscoped|GET \/v1\/unscoped/,
      );
      await app.close().catch(() => undefined);
    });
  });
}
