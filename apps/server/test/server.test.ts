import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake, type Lake } from "@omicslake/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

describe("REST server", () => {
  let root: string;
  let lake: Lake;
  let app: FastifyInstance;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-server-"));
    lake = await openLake({
      root,
      storage: { url: `file://${join(root, "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    for (let i = 1; i <= 7; i++) {
      const file = join(root, `file${i}.txt`);
      await writeFile(file, `content ${i}\n`);
      await lake.addFiles([file], {
        dataset: `ds${i}`,
        source: i % 2 ? "geo" : "sra",
        tags: i <= 3 ? ["small"] : [],
        externalId: `GSE${i}`,
      });
    }
    await lake.promote("raw:ds1", "processed");
    app = await buildServer({ lake, rateLimit: 0 });
  });

  afterAll(async () => {
    await app?.close();
    await lake?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("reports health with the engines in use", async () => {
    const res = await app.inject({ url: "/health" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "ok", catalog: "pglite", storage: "fs" });
  });

  it("pages through the catalog with an opaque cursor and links", async () => {
    const seen: string[] = [];
    let url: string | null = "/v1/catalog?layer=raw&limit=3";
    let pages = 0;
    while (url) {
      const res: Awaited<ReturnType<FastifyInstance["inject"]>> = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      const body = res.json<{
        data: { name: string }[];
        meta: { count: number; next_cursor: string | null };
        links: { next: string | null };
      }>();
      expect(body.meta.count).toBe(body.data.length);
      seen.push(...body.data.map((d) => d.name));
      url = body.links.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(["ds1", "ds2", "ds3", "ds4", "ds5", "ds6", "ds7"]);
  });

  it("filters by source, tag and text", async () => {
    const bySource = (await app.inject({ url: "/v1/catalog?source=sra" })).json<{
      data: { name: string }[];
    }>();
    expect(bySource.data.map((d) => d.name).sort()).toEqual(["ds2", "ds4", "ds6"]);
    const byTag = (await app.inject({ url: "/v1/catalog?tag=small&layer=raw" })).json<{
      data: { name: string }[];
    }>();
    expect(byTag.data.map((d) => d.name).sort()).toEqual(["ds1", "ds2", "ds3"]);
    const byText = (await app.inject({ url: "/v1/catalog?q=GSE5" })).json<{ data: { name: string }[] }>();
    expect(byText.data.map((d) => d.name)).toEqual(["ds5"]);
  });

  it("rejects a bad cursor and a bad limit with the error shape", async () => {
    const badCursor = await app.inject({ url: "/v1/catalog?cursor=not-a-cursor" });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json<ErrorBody>().error.code).toBe("invalid_cursor");
    const badLimit = await app.inject({ url: "/v1/catalog?limit=501" });
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json<ErrorBody>().error.code).toBe("validation_error");
    const badLayer = await app.inject({ url: "/v1/catalog?layer=gold" });
    expect(badLayer.statusCode).toBe(400);
  });

  it("returns one dataset by id, by name and by layer:name, and 404 for an unknown one", async () => {
    const byName = (await app.inject({ url: "/v1/catalog/processed:ds1" })).json<{
      id: number;
      layer: string;
    }>();
    expect(byName.layer).toBe("processed");
    const byId = await app.inject({ url: `/v1/catalog/${byName.id}` });
    expect(byId.json<{ name: string }>().name).toBe("ds1");
    const missing = await app.inject({ url: "/v1/catalog/nope" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<ErrorBody>().error).toMatchObject({ code: "not_found" });
    expect(missing.json<ErrorBody>().error.details["request_id"]).toBeDefined();
  });

  it("lists files and streams an object's verified bytes", async () => {
    const files = (await app.inject({ url: "/v1/catalog/raw:ds3/files" })).json<{
      data: { name: string; sha256: string; download_url: string }[];
    }>();
    expect(files.data).toHaveLength(1);
    const file = files.data[0]!;
    expect(file.sha256).toBe(createHash("sha256").update("content 3\n").digest("hex"));
    const download = await app.inject({ url: file.download_url });
    expect(download.statusCode).toBe(200);
    expect(download.body).toBe("content 3\n");
    expect(download.headers["x-checksum-sha256"]).toBe(file.sha256);
    expect(download.headers["content-disposition"]).toContain("file3.txt");
    expect((await app.inject({ url: "/v1/catalog/raw:ds3/files/absent.txt" })).statusCode).toBe(404);
  });

  it("counts datasets per layer and source", async () => {
    const stats = (await app.inject({ url: "/v1/catalog/stats" })).json<{
      datasets: number;
      by_layer: { layer: string; datasets: number }[];
    }>();
    expect(stats.datasets).toBe(8);
    expect(stats.by_layer.find((l) => l.layer === "raw")?.datasets).toBe(7);
    expect(stats.by_layer.find((l) => l.layer === "processed")?.datasets).toBe(1);
  });

  it("serves lineage, the provenance graph and runs", async () => {
    const lineage = (await app.inject({ url: "/v1/provenance/processed:ds1" })).json<{
      edges: { action: string }[];
      nodes: unknown[];
    }>();
    expect(lineage.edges.map((e) => e.action).sort()).toEqual(["collection", "promotion"]);
    const graph = (await app.inject({ url: "/v1/provenance/raw:ds1/graph" })).json<{
      nodes: { layer: string }[];
    }>();
    expect(graph.nodes.map((n) => n.layer).sort()).toEqual(["processed", "raw"]);
    const runs = (await app.inject({ url: "/v1/runs?step=promote" })).json<{
      data: { id: number; status: string }[];
    }>();
    expect(runs.data).toHaveLength(1);
    expect(runs.data[0]?.status).toBe("succeeded");
    const run = await app.inject({ url: `/v1/runs/${runs.data[0]!.id}` });
    expect(run.json<{ step: string }>().step).toBe("promote");
  });

  it("publishes OpenAPI 3.1 with every route and serves the docs page", async () => {
    const spec = (await app.inject({ url: "/openapi.json" })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(spec.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/catalog",
      "/v1/catalog/stats",
      "/v1/catalog/{id}",
      "/v1/catalog/{id}/files",
      "/v1/provenance/{id}",
      "/v1/provenance/{id}/graph",
      "/health",
    ]) {
      expect(spec.paths).toHaveProperty([path]);
    }
    const redirect = await app.inject({ url: "/docs" });
    const docs =
      redirect.statusCode === 301 || redirect.statusCode === 302
        ? await app.inject({ url: String(redirect.headers.location) })
        : redirect;
    expect(docs.statusCode).toBe(200);
    expect(docs.headers["content-type"]).toContain("text/html");
    expect(docs.body).toContain("/openapi.json");
    // The docs page works offline: its script is served by this server, not a CDN.
    const script = /<script[^>]+src="([^"]+)"/.exec(docs.body)?.[1];
    expect(script).toBeDefined();
    expect(script).not.toMatch(/^https?:/);
    const js = await app.inject({ url: new URL(script!, "http://x/docs/").pathname });
    expect(js.statusCode).toBe(200);
  });

  it("echoes a caller's request id and exposes Prometheus metrics", async () => {
    const res = await app.inject({ url: "/v1/catalog/stats", headers: { "x-request-id": "abc-123" } });
    expect(res.headers["x-request-id"]).toBe("abc-123");
    const metrics = await app.inject({ url: "/metrics" });
    expect(metrics.body).toContain("omicslake_http_requests_total");
    expect(metrics.body).toMatch(/route="\/v1\/catalog\/stats"/);
  });

  it("answers unknown routes with the error shape", async () => {
    const res = await app.inject({ url: "/v1/nothing" });
    expect(res.statusCode).toBe(404);
    expect(res.json<ErrorBody>().error.code).toBe("not_found");
  });
});

describe("rate limiting", () => {
  it("answers 429 with the error shape once a client exceeds the limit", async () => {
    const root = await mkdtemp(join(tmpdir(), "omicslake-server-rl-"));
    const lake = await openLake({
      root,
      storage: { url: `file://${join(root, "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    const app = await buildServer({ lake, rateLimit: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await app.inject({ url: "/v1/catalog/stats" })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const limited = await app.inject({ url: "/v1/catalog/stats" });
      expect(limited.json<ErrorBody>().error.code).toBe("rate_limited");
      expect((await app.inject({ url: "/health" })).statusCode).toBe(200);
    } finally {
      await app.close();
      await lake.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("writes with API keys", () => {
  let root: string;
  let lake: Lake;
  let app: FastifyInstance;
  let writeKey: string;
  let readKey: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-server-w-"));
    lake = await openLake({
      root,
      storage: { url: `file://${join(root, "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    writeKey = (await lake.catalog.createApiKey("ci", ["write"])).secret;
    readKey = (await lake.catalog.createApiKey("reader", ["read"])).secret;
    app = await buildServer({ lake, rateLimit: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await lake?.close();
    await rm(root, { recursive: true, force: true });
  });

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  it("refuses writes without a key, with an unknown key, and without the write scope", async () => {
    const body = { name: "x1", source: "lab" };
    const none = await app.inject({ method: "POST", url: "/v1/catalog", payload: body });
    expect(none.statusCode).toBe(401);
    expect(none.json<ErrorBody>().error.code).toBe("unauthorized");
    const unknown = await app.inject({
      method: "POST",
      url: "/v1/catalog",
      payload: body,
      headers: auth(`olk_000000000000_${"a".repeat(43)}`),
    });
    expect(unknown.statusCode).toBe(401);
    const readOnly = await app.inject({
      method: "POST",
      url: "/v1/catalog",
      payload: body,
      headers: { "x-api-key": readKey },
    });
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json<ErrorBody>().error.code).toBe("forbidden");
  });

  it("creates a dataset, uploads an object with a checksum, promotes and deletes", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/catalog",
      payload: { name: "uploads", source: "lab", tags: ["api"] },
      headers: auth(writeKey),
    });
    expect(created.statusCode).toBe(201);
    const bytes = "gene,value\nCD3E,4\n";
    const digest = createHash("sha256").update(bytes).digest("hex");
    const upload = await app.inject({
      method: "PUT",
      url: "/v1/catalog/raw:uploads/files/tables/values.csv",
      payload: bytes,
      headers: { ...auth(writeKey), "content-type": "application/octet-stream", "x-checksum-sha256": digest },
    });
    expect(upload.statusCode).toBe(201);
    expect(upload.json<{ sha256: string; key: string }>()).toMatchObject({
      sha256: digest,
      key: "raw/uploads/tables/values.csv",
    });

    const again = await app.inject({
      method: "PUT",
      url: "/v1/catalog/raw:uploads/files/tables/values.csv",
      payload: "changed",
      headers: { ...auth(writeKey), "content-type": "application/octet-stream" },
    });
    expect(again.statusCode).toBe(403);
    expect(again.json<ErrorBody>().error.code).toBe("raw_immutable");

    const badSum = await app.inject({
      method: "PUT",
      url: "/v1/catalog/raw:uploads/files/other.csv",
      payload: bytes,
      headers: {
        ...auth(writeKey),
        "content-type": "application/octet-stream",
        "x-checksum-sha256": "0".repeat(64),
      },
    });
    expect(badSum.statusCode).toBe(422);
    expect(badSum.json<ErrorBody>().error.code).toBe("checksum_mismatch");
    expect((await app.inject({ url: "/v1/catalog/raw:uploads/files/other.csv" })).statusCode).toBe(404);

    const skip = await app.inject({
      method: "POST",
      url: "/v1/layers/promote",
      payload: { dataset: "uploads", to: "curated" },
      headers: auth(writeKey),
    });
    expect(skip.statusCode).toBe(422);
    expect(skip.json<ErrorBody>().error.code).toBe("layer_skip");
    const promoted = await app.inject({
      method: "POST",
      url: "/v1/layers/promote",
      payload: { dataset: "uploads", to: "processed" },
      headers: auth(writeKey),
    });
    expect(promoted.statusCode).toBe(201);
    expect(promoted.json<{ layer: string; object_count: number }>()).toMatchObject({
      layer: "processed",
      object_count: 1,
    });

    const patched = await app.inject({
      method: "PATCH",
      url: "/v1/catalog/processed:uploads",
      payload: { tags: ["api", "checked"] },
      headers: auth(writeKey),
    });
    expect(patched.json<{ tags: string[] }>().tags).toEqual(["api", "checked"]);

    const deleteRaw = await app.inject({
      method: "DELETE",
      url: "/v1/catalog/raw:uploads",
      headers: auth(writeKey),
    });
    expect(deleteRaw.statusCode).toBe(403);
    expect(deleteRaw.json<ErrorBody>().error.code).toBe("raw_immutable");
    const deleted = await app.inject({
      method: "DELETE",
      url: "/v1/catalog/processed:uploads",
      headers: auth(writeKey),
    });
    expect(deleted.statusCode).toBe(204);
    expect((await app.inject({ url: "/v1/catalog/processed:uploads" })).statusCode).toBe(404);
  });

  it("stops accepting a revoked key", async () => {
    const { key, secret } = await lake.catalog.createApiKey("temp", ["write"]);
    await lake.catalog.revokeApiKey(key.id);
    const res = await app.inject({
      method: "POST",
      url: "/v1/catalog",
      payload: { name: "x2" },
      headers: auth(secret),
    });
    expect(res.statusCode).toBe(401);
  });
});
