import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake, type Lake } from "@omicslake/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";
import { DASHBOARD_HEADERS } from "../src/routes/dashboard-routes.js";

const INDEX =
  '<!doctype html><html><head><script type="module" src="/static/app-3f2a.js"></script></head></html>';
const SCRIPT = "console.log('dashboard');\n";
const SECRET = "secret outside the dashboard folder";
const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

describe("the web dashboard", () => {
  let root: string;
  let lake: Lake;
  let app: FastifyInstance;
  let unbuilt: FastifyInstance;
  let empty: FastifyInstance;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-dashboard-"));
    const web = join(root, "web");
    await mkdir(join(web, "static", "fonts"), { recursive: true });
    await mkdir(join(root, "empty"));
    await writeFile(join(web, "index.html"), INDEX);
    await writeFile(join(web, "static", "app-3f2a.js"), SCRIPT);
    await writeFile(join(web, "static", "style-9c1d.css"), "body{margin:0}");
    await writeFile(join(web, "static", "fonts", "inter-1a2b.woff2"), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
    await writeFile(join(web, "static", ".env"), SECRET);
    await writeFile(join(root, "secret.txt"), SECRET);
    await symlink(join(root, "secret.txt"), join(web, "static", "link.js"));
    lake = await openLake({
      root: join(root, "lake"),
      storage: { url: `file://${join(root, "lake", "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    app = await buildServer({ lake, rateLimit: 0, web: { root: web } });
    unbuilt = await buildServer({ lake, rateLimit: 0 });
    empty = await buildServer({ lake, rateLimit: 0, web: { root: join(root, "empty") } });
  });

  afterAll(async () => {
    await app?.close();
    await unbuilt?.close();
    await empty?.close();
    await lake?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("serves index.html at / with no-cache and the security headers", async () => {
    const res = await app.inject({ url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-cache");
    for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) expect(res.headers[name]).toBe(value);
    expect(res.headers["content-security-policy"]).toContain("script-src 'self';");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it("answers a browser's deep link with index.html, and an API client's with the JSON 404", async () => {
    for (const url of ["/datasets/4?tab=files", "/assets/data/geo/processed", "/runs"]) {
      const res = await app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers["cache-control"], url).toBe("no-cache");
    }
    const head = await app.inject({ method: "HEAD", url: "/datasets/4", headers: HTML });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe("");
    const json = await app.inject({ url: "/datasets/4", headers: { accept: "application/json" } });
    expect(json.statusCode).toBe(404);
    expect(json.json<ErrorBody>().error.code).toBe("not_found");
    // A path with a bad percent-escape is still the dashboard's to answer (its router shows not-found) for
    // a browser, and the request's fault (400) for everyone else and under the API's paths.
    for (const url of ["/assets/%", "/datasets/%E0%A4%A?tab=files"]) {
      const page = await app.inject({ url, headers: HTML });
      expect(page.statusCode, url).toBe(200);
      expect(page.body, url).toBe(INDEX);
      for (const [name, value] of Object.entries(DASHBOARD_HEADERS))
        expect(page.headers[name], url).toBe(value);
      const api = await app.inject({ url, headers: { accept: "application/json" } });
      expect(api.statusCode, url).toBe(400);
      expect(api.json<ErrorBody>().error.code, url).toBe("bad_request");
    }
    for (const url of ["/v1/catalog/%", "/static/%E0%A4%A"]) {
      const res = await app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(400);
      expect(res.json<ErrorBody>().error.code, url).toBe("bad_request");
    }
    const badHead = await app.inject({ method: "HEAD", url: "/assets/%", headers: HTML });
    expect(badHead.statusCode).toBe(200);
    expect(badHead.headers["x-request-id"]).toEqual(expect.any(String));
    expect((await app.inject({ method: "POST", url: "/assets/%", headers: HTML })).statusCode).toBe(400);
    expect((await unbuilt.inject({ url: "/assets/%", headers: HTML })).statusCode).toBe(400);
    // A dashboard folder without a build says so, as it does for any deep link.
    const notBuilt = await empty.inject({ url: "/assets/%", headers: HTML });
    expect(notBuilt.statusCode).toBe(404);
    expect(notBuilt.json<ErrorBody>().error.message).toContain("dashboard is not built");
  });

  it("keeps the API's own paths: unknown /v1 routes are the JSON 404 even for a browser", async () => {
    for (const url of ["/v1/unknown", "/v1/catalog/1/nope/deeper", "/docs/nothing-here", "/static/"]) {
      const res = await app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"], url).toContain("application/json");
      expect(res.json<ErrorBody>().error.code, url).toBe("not_found");
    }
    // The router's own answers for API paths stand: an over-long parameter is still a 414.
    const long = await app.inject({ url: `/v1/catalog/${"x".repeat(5000)}`, headers: HTML });
    expect(long.statusCode).toBe(414);
    const catalog = await app.inject({ url: "/v1/catalog", headers: HTML });
    expect(catalog.statusCode).toBe(200);
    expect(catalog.json<{ data: unknown[] }>().data).toEqual([]);
    expect((await app.inject({ url: "/health", headers: HTML })).json()).toMatchObject({ status: "ok" });
  });

  it("serves the build's hashed files for good, with their media types; a missing one is 404", async () => {
    const script = await app.inject({ url: "/static/app-3f2a.js" });
    expect(script.statusCode).toBe(200);
    expect(script.body).toBe(SCRIPT);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.headers["content-length"]).toBe(String(Buffer.byteLength(SCRIPT)));
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(script.headers["x-content-type-options"]).toBe("nosniff");
    const head = await app.inject({ method: "HEAD", url: "/static/app-3f2a.js" });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(SCRIPT)));
    expect((await app.inject({ url: "/static/style-9c1d.css" })).headers["content-type"]).toBe(
      "text/css; charset=utf-8",
    );
    const font = await app.inject({ url: "/static/fonts/inter-1a2b.woff2" });
    expect(font.headers["content-type"]).toBe("font/woff2");
    expect(font.rawPayload).toEqual(Buffer.from([0x77, 0x4f, 0x46, 0x32]));
    const missing = await app.inject({ url: "/static/app-0000.js", headers: HTML });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<ErrorBody>().error.code).toBe("not_found");
    expect(missing.headers["cache-control"]).toBeUndefined();
  });

  it("never leaves the dashboard folder and never fails with a 500 on hostile paths", async () => {
    const hostile: { method?: "GET" | "HEAD" | "DELETE" | "PUT" | "OPTIONS" | "PATCH"; url: string }[] = [
      { url: "/..%2f..%2fetc/passwd" },
      { url: "/static/..%2f..%2fsecret.txt" },
      { url: "/static/..%2f..%2fpackage.json" },
      { url: "/static/%2e%2e/%2e%2e/secret.txt" },
      { url: "/static/../../secret.txt" },
      { url: "/static/..\\..\\secret.txt" },
      { url: "/static/fonts/..%2f..%2f..%2fsecret.txt" },
      { url: "/static//etc/passwd" },
      { url: "/static/%2Fetc%2Fpasswd" },
      { url: "/static/link.js" },
      { url: "/static/.env" },
      { url: "/static/fonts" },
      { url: "/static/app-3f2a.js/x" },
      { url: "/static/a%00b.js" },
      { url: "/a%00b" },
      { url: "/static/%E0%A4%A" },
      { url: `/static/${"a".repeat(10_000)}.js` },
      { url: `/${"a/".repeat(5_000)}` },
      { method: "DELETE", url: "/static/app-3f2a.js" },
      { method: "PUT", url: "/" },
      { method: "PATCH", url: "/datasets/4" },
      { method: "OPTIONS", url: "/" },
    ];
    for (const { method = "GET", url } of hostile) {
      const res = await app.inject({ method, url, headers: HTML });
      const label = `${method} ${url.slice(0, 60)}`;
      expect(res.statusCode, label).toBeLessThan(500);
      expect(res.body, label).not.toContain(SECRET);
      expect(res.body, label).not.toContain("root:");
      // Whatever is not a served file is the dashboard's page or an error in the API's shape.
      if (res.statusCode !== 200) expect(res.json<ErrorBody>().error.code, label).toMatch(/^[a-z_]+$/);
      else expect(res.body, label).toBe(INDEX);
    }
    // The NUL and the bad percent-escape are refused as the request's fault.
    expect((await app.inject({ url: "/static/a%00b.js" })).statusCode).toBe(400);
    expect((await app.inject({ url: "/static/%E0%A4%A" })).statusCode).toBe(400);
  });

  it("without a built dashboard, / says how to build it and the API is unaffected", async () => {
    for (const server of [unbuilt, empty]) {
      const res = await server.inject({ url: "/" });
      expect(res.statusCode).toBe(404);
      const body = res.json<ErrorBody>();
      expect(body.error.code).toBe("not_found");
      expect(body.error.message).toContain("dashboard is not built");
      expect(body.error.message).toContain("npm run build");
      expect(body.error.details["request_id"]).toEqual(expect.any(String));
      expect((await server.inject({ url: "/datasets/4", headers: HTML })).statusCode).toBe(404);
      expect((await server.inject({ url: "/static/app-3f2a.js" })).statusCode).toBe(404);
      expect((await server.inject({ url: "/v1/catalog" })).statusCode).toBe(200);
    }
    // The dashboard's routes are not API routes: the OpenAPI document does not list them.
    const paths = Object.keys((await app.inject({ url: "/openapi.json" })).json<{ paths: object }>().paths);
    expect(paths.filter((p) => !p.startsWith("/v1") && p !== "/health" && p !== "/metrics")).toEqual([]);
  });
});
