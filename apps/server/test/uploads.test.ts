import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake, type Lake } from "@omicslake/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";
import { rawRequest } from "./http-client.js";

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

const MAX_OBJECT_BYTES = 1024 * 1024;

/**
 * Streams `total` bytes from a generator as a PUT body (never holding more than one 64 KiB chunk), and
 * resolves with the status as soon as the response head arrives. The server may close the connection
 * once it has answered; a write error after the answer is expected, not a failure.
 */
function streamingPut(
  url: string,
  headers: Record<string, string>,
  total: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url, { method: "PUT", headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

describe("uploads", () => {
  let root: string;
  let lake: Lake;
  let app: FastifyInstance;
  let base: string;
  let writeKey: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-upload-"));
    lake = await openLake({
      root,
      storage: { url: `file://${join(root, "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    writeKey = (await lake.catalog.createApiKey("ci", ["write"])).secret;
    await lake.createDataset({ name: "up", layer: "raw" });
    app = await buildServer({
      lake,
      rateLimit: 0,
      maxObjectBytes: MAX_OBJECT_BYTES,
      jsonBodyLimit: 64 * 1024,
    });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });

  afterAll(async () => {
    await app?.close();
    await lake?.close();
    await rm(root, { recursive: true, force: true });
  });

  const auth = (): Record<string, string> => ({ authorization: `Bearer ${writeKey}` });
  const storedNames = async (): Promise<string[]> =>
    (await lake.listObjects("raw:up")).items.map((o) => o.name).sort();
  const filesOnDisk = async (): Promise<string[]> => {
    const dir = join(root, "objects", "raw", "up");
    return (await readdir(dir).catch(() => [])).sort();
  };

  it("answers a large unauthenticated PUT with 401 without buffering it, and keeps serving", async () => {
    const rss: number[] = [];
    const before = process.memoryUsage().rss;
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 20);
    try {
      const res = await streamingPut(
        `${base}/v1/catalog/raw:up/files/huge.txt`,
        { "content-type": "text/plain", "content-length": String(200 * 1024 * 1024) },
        200 * 1024 * 1024,
      );
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body) as ErrorBody).toMatchObject({ error: { code: "unauthorized" } });
      // Without a Content-Length too (chunked).
      const chunked = await streamingPut(
        `${base}/v1/catalog/raw:up/files/huge.txt`,
        { "content-type": "text/plain" },
        200 * 1024 * 1024,
      );
      expect(chunked.status).toBe(401);
    } finally {
      clearInterval(sampler);
    }
    rss.push(process.memoryUsage().rss);
    // The old code held the whole body as a string (RSS grew by over 1 GB at 400 MB); a bounded server grows little.
    expect(Math.max(...rss) - before).toBeLessThan(100 * 1024 * 1024);
    expect((await rawRequest(`${base}/health`)).status).toBe(200);
    expect(await storedNames()).toEqual([]);
  });

  it("refuses unsupported content types with 415 before reading the body", async () => {
    for (const type of [
      "text/plain",
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const res = await app.inject({
        method: "PUT",
        url: "/v1/catalog/raw:up/files/a.json",
        payload: '{"a":1}',
        headers: { ...auth(), "content-type": type },
      });
      expect(res.statusCode, type).toBe(415);
      expect(res.json<ErrorBody>().error.code, type).toBe("unsupported_media_type");
      expect(res.json<ErrorBody>().error.details["request_id"], type).toBeDefined();
    }
    expect(await storedNames()).toEqual([]);
  });

  it("answers a malformed X-Checksum-Sha256 with 400, not a dropped connection", async () => {
    const res = await rawRequest(`${base}/v1/catalog/raw:up/files/sum.txt`, {
      method: "PUT",
      body: "hello",
      headers: { ...auth(), "content-type": "application/octet-stream", "x-checksum-sha256": "zzzz" },
    });
    expect(res.status).toBe(400);
    expect((JSON.parse(res.body.toString("utf8")) as ErrorBody).error.code).toBe("invalid_input");
    expect(await storedNames()).toEqual([]);
  });

  it("refuses an object over the maximum size with 413 up front, and mid-stream when chunked, storing nothing", async () => {
    const announced = await streamingPut(
      `${base}/v1/catalog/raw:up/files/big.bin`,
      {
        ...auth(),
        "content-type": "application/octet-stream",
        "content-length": String(MAX_OBJECT_BYTES + 1),
      },
      MAX_OBJECT_BYTES + 1,
    );
    expect(announced.status).toBe(413);
    expect((JSON.parse(announced.body) as ErrorBody).error.code).toBe("payload_too_large");

    const chunked = await streamingPut(
      `${base}/v1/catalog/raw:up/files/big.bin`,
      { ...auth(), "content-type": "application/octet-stream" },
      3 * MAX_OBJECT_BYTES,
    );
    expect(chunked.status).toBe(413);
    expect(await storedNames()).toEqual([]);
    expect(await filesOnDisk()).toEqual([]);
    const temp = await readdir(join(root, "objects", ".tmp")).catch(() => []);
    expect(temp).toEqual([]);

    // Exactly the maximum is fine, and streams in without a Content-Length.
    const exact = await streamingPut(
      `${base}/v1/catalog/raw:up/files/exact.bin`,
      { ...auth() },
      MAX_OBJECT_BYTES,
    );
    expect(exact.status).toBe(201);
    expect((JSON.parse(exact.body) as { size: number }).size).toBe(MAX_OBJECT_BYTES);
  });

  it("stores a streamed upload whose checksum matches", async () => {
    const bytes = Buffer.from("a,b\n1,2\n");
    const res = await rawRequest(`${base}/v1/catalog/raw:up/files/t.csv`, {
      method: "PUT",
      body: bytes,
      headers: {
        ...auth(),
        "content-type": "application/octet-stream",
        "x-checksum-sha256": createHash("sha256").update(bytes).digest("hex").toUpperCase(),
      },
    });
    expect(res.status).toBe(201);
    expect(await storedNames()).toContain("t.csv");
  });

  it("limits JSON bodies", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/catalog",
      payload: { name: "too-big", description: "x".repeat(70 * 1024) },
      headers: auth(),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json<ErrorBody>().error.code).toBe("payload_too_large");
    expect((await app.inject({ url: "/v1/catalog/raw:too-big" })).statusCode).toBe(404);
  });
});
