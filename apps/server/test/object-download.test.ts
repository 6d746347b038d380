import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { openLake, type Lake } from "@omicslake/core";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";
import { ObjectDownloader } from "../src/http/object-download.js";
import { rawRequest } from "./http-client.js";

const sha = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

describe("object downloads on the filesystem store", () => {
  let root: string;
  let lake: Lake;
  let app: FastifyInstance;
  let base: string;
  let writeKey: string;
  const log: string[] = [];
  // Three and a half read chunks, so the held-back tail is one of several.
  const big = randomBytes(3.5 * 1024 * 1024);
  const small = Buffer.from("gene,value\nCD3E,4\nIFNG,7\n");

  const objectPath = (dataset: string, name: string): string => join(root, "objects", "raw", dataset, name);
  /** Changes bytes of a stored object behind the lake's back, keeping its size. */
  const corrupt = async (path: string, at: number): Promise<void> => {
    await chmod(path, 0o644);
    const bytes = await readFile(path);
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(path, bytes);
  };
  const metric = async (): Promise<number> => {
    const text = (await app.inject({ url: "/metrics" })).body;
    return [...text.matchAll(/^omicslake_integrity_failures_total\{[^}]*\} (\d+)$/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  };
  const upload = async (dataset: string, name: string, bytes: Buffer): Promise<number> =>
    (
      await app.inject({
        method: "PUT",
        url: `/v1/catalog/raw:${dataset}/files/${name.split("/").map(encodeURIComponent).join("/")}`,
        payload: bytes,
        headers: { authorization: `Bearer ${writeKey}`, "content-type": "application/octet-stream" },
      })
    ).statusCode;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-download-"));
    lake = await openLake({
      root,
      storage: { url: `file://${join(root, "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    writeKey = (await lake.catalog.createApiKey("ci", ["write"])).secret;
    const logStream = new PassThrough();
    logStream.on("data", (chunk: Buffer) => log.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
    app = await buildServer({ lake, rateLimit: 0, logger: true, logStream });
    for (const dataset of ["good", "bad", "short", "ranges", "names"]) {
      await lake.createDataset({ name: dataset, layer: "raw" });
    }
    expect(await upload("good", "big.bin", big)).toBe(201);
    expect(await upload("bad", "big.bin", big)).toBe(201);
    expect(await upload("bad", "small.csv", small)).toBe(201);
    expect(await upload("short", "big.bin", big)).toBe(201);
    expect(await upload("ranges", "big.bin", big)).toBe(201);
    expect(await upload("ranges", "small.csv", small)).toBe(201);
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });

  afterAll(async () => {
    await app?.close();
    await lake?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("streams a good object whole, with its length, sha256 ETag and Accept-Ranges", async () => {
    const res = await rawRequest(`${base}/v1/catalog/raw:good/files/big.bin`);
    expect(res.status).toBe(200);
    expect(res.complete).toBe(true);
    expect(res.headers["content-length"]).toBe(String(big.length));
    expect(res.headers.etag).toBe(`"${sha(big)}"`);
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(sha(res.body)).toBe(sha(big));
  });

  it("cuts a corrupted object's response short, logs the key at error level and counts it", async () => {
    const before = await metric();
    await corrupt(objectPath("bad", "big.bin"), big.length - 1);
    const res = await rawRequest(`${base}/v1/catalog/raw:bad/files/big.bin`);
    // Headers were sent before the mismatch could be known; the body never completes.
    expect(res.status).toBe(200);
    expect(res.complete).toBe(false);
    expect(res.body.length).toBeLessThan(big.length);

    await corrupt(objectPath("bad", "small.csv"), 0);
    const one = await rawRequest(`${base}/v1/catalog/raw:bad/files/small.csv`);
    expect(one.complete).toBe(false);
    expect(one.body.length).toBeLessThan(small.length);

    expect(await metric()).toBe(before + 2);
    const errors = log
      .map((line) => JSON.parse(line) as { level: number; key?: string })
      .filter((e) => e.level >= 50);
    expect(errors.map((e) => e.key)).toEqual(
      expect.arrayContaining(["raw/bad/big.bin", "raw/bad/small.csv"]),
    );
    // The server is fine afterwards.
    expect((await rawRequest(`${base}/health`)).status).toBe(200);
  });

  it("refuses an object whose size differs from the catalog before sending a byte of it", async () => {
    const before = await metric();
    const path = objectPath("short", "big.bin");
    await chmod(path, 0o644);
    await truncate(path, big.length - 10);
    const res = await rawRequest(`${base}/v1/catalog/raw:short/files/big.bin`);
    expect(res.status).toBe(500);
    expect(res.complete).toBe(true);
    const body = JSON.parse(res.body.toString("utf8")) as {
      error: { code: string; details: Record<string, unknown> };
    };
    expect(body.error.code).toBe("integrity_error");
    expect(body.error.details["request_id"]).toBeDefined();
    expect(Number(res.headers["content-length"])).toBe(res.body.length);
    expect(await metric()).toBe(before + 1);
  });

  it("serves single ranges as 206 with Content-Range, and 416 for unsatisfiable ones", async () => {
    const url = `${base}/v1/catalog/raw:ranges/files/big.bin`;
    const size = big.length;
    const cases: [string, number, number][] = [
      ["bytes=0-99", 0, 99],
      ["bytes=1000-", 1000, size - 1],
      ["bytes=-8", size - 8, size - 1],
      ["bytes=10-99999999999", 10, size - 1],
      ["bytes=-99999999999", 0, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await rawRequest(url, { headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers["content-range"], range).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers["content-length"], range).toBe(String(end - start + 1));
      expect(res.body.equals(big.subarray(start, end + 1)), range).toBe(true);
    }
    for (const range of [`bytes=${size}-`, "bytes=-0", `bytes=${size + 5}-${size + 10}`]) {
      const res = await rawRequest(url, { headers: { range } });
      expect(res.status, range).toBe(416);
      expect(res.headers["content-range"], range).toBe(`bytes */${size}`);
      expect((JSON.parse(res.body.toString("utf8")) as { error: { code: string } }).error.code).toBe(
        "range_not_satisfiable",
      );
    }
    // Several ranges, another unit or a malformed header: the whole object, as RFC 9110 allows.
    for (const range of ["bytes=0-1,5-6", "items=0-1", "bytes=9-3", "bytes=abc"]) {
      const res = await rawRequest(url, { headers: { range } });
      expect(res.status, range).toBe(200);
      expect(res.body.length, range).toBe(size);
    }
  });

  it("answers If-None-Match with 304 and honours If-Range", async () => {
    const url = `${base}/v1/catalog/raw:ranges/files/small.csv`;
    const etag = `"${sha(small)}"`;
    const notModified = await rawRequest(url, { headers: { "if-none-match": etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toBe(etag);
    expect((await rawRequest(url, { headers: { "if-none-match": `W/${etag}, "other"` } })).status).toBe(304);
    expect((await rawRequest(url, { headers: { "if-none-match": '"other"' } })).status).toBe(200);

    const current = await rawRequest(url, { headers: { range: "bytes=0-3", "if-range": etag } });
    expect(current.status).toBe(206);
    expect(current.body.toString()).toBe("gene");
    const stale = await rawRequest(url, {
      headers: { range: "bytes=0-3", "if-range": '"an-older-version"' },
    });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(small)).toBe(true);
  });

  it("serves a range only from a file verified whole, and notices a file changed after it was verified", async () => {
    const url = `${base}/v1/catalog/raw:ranges/files/big.bin`;
    expect((await rawRequest(url, { headers: { range: "bytes=-16" } })).status).toBe(206);
    const before = await metric();
    // Corrupt the first byte: a footer read never touches it, yet it must not be served.
    await corrupt(objectPath("ranges", "big.bin"), 0);
    const res = await rawRequest(url, { headers: { range: "bytes=-16" } });
    expect(res.status).toBe(500);
    expect((JSON.parse(res.body.toString("utf8")) as { error: { code: string } }).error.code).toBe(
      "integrity_error",
    );
    expect(await metric()).toBe(before + 1);
  });

  it("answers HEAD with the headers and no body", async () => {
    const res = await rawRequest(`${base}/v1/catalog/raw:good/files/big.bin`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(big.length));
    expect(res.headers.etag).toBe(`"${sha(big)}"`);
    expect(res.body.length).toBe(0);
  });

  it("downloads non-Latin-1 names with an RFC 6266 Content-Disposition and the right length", async () => {
    const names = ["IFN-γ.csv", "cells 🧬.tsv", 'say "hi".txt', "100% it's (done)*.txt", "dir/naïve.csv"];
    for (const name of names) {
      const bytes = Buffer.from(`bytes of ${name}\n`);
      expect(await upload("names", name, bytes), name).toBe(201);
      const url = `${base}/v1/catalog/raw:names/files/${name.split("/").map(encodeURIComponent).join("/")}`;
      const res = await rawRequest(url);
      expect(res.status, name).toBe(200);
      expect(res.complete, name).toBe(true);
      expect(res.headers["content-length"], name).toBe(String(bytes.length));
      expect(res.body.equals(bytes), name).toBe(true);
      const disposition = String(res.headers["content-disposition"]);
      expect(disposition, name).toMatch(
        /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+.^_`|~%-]+$/,
      );
      const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)![1]!;
      expect(decodeURIComponent(encoded), name).toBe(name.split("/").pop());
      const fallback = /filename="([^"]*)"/.exec(disposition)![1]!;
      expect(fallback, name).not.toMatch(/["\\]/);
    }
    // Backslashes and control characters cannot be part of a name: refused at upload, in the error shape.
    for (const name of ["back\\slash.txt", "line\r\nbreak.txt", "tab\tname.txt"]) {
      const res = await app.inject({
        method: "PUT",
        url: `/v1/catalog/raw:names/files/${encodeURIComponent(name)}`,
        payload: "x",
        headers: { authorization: `Bearer ${writeKey}`, "content-type": "application/octet-stream" },
      });
      expect(res.statusCode, name).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code, name).toBe("invalid_input");
    }
  });
});

describe("an object replaced between its catalog read and the file open", () => {
  it("is served in its current version, not reported as corrupt", async () => {
    const root = await mkdtemp(join(tmpdir(), "omicslake-download-race-"));
    const lake = await openLake({
      root,
      storage: { url: `file://${join(root, "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    const failures: string[] = [];
    const downloader = new ObjectDownloader(lake, { onIntegrityFailure: (f) => failures.push(f) });
    const app = Fastify();
    try {
      const dataset = await lake.createDataset({ name: "tables", layer: "processed" });
      await lake.putObject(dataset, { name: "t.csv", body: "version one\n" });
      const stale = await lake.catalog.getObject(dataset.id, "t.csv");
      await lake.putObject(dataset, { name: "t.csv", body: "version two, longer\n" });
      app.get("/stale", (request, reply) => downloader.send(request, reply, stale));
      const full = await app.inject({ url: "/stale" });
      expect(full.statusCode).toBe(200);
      expect(full.body).toBe("version two, longer\n");
      expect(full.headers.etag).toBe(`"${sha("version two, longer\n")}"`);
      const range = await app.inject({ url: "/stale", headers: { range: "bytes=0-6" } });
      expect(range.statusCode).toBe(206);
      expect(range.body).toBe("version");
      expect(failures).toEqual([]);
    } finally {
      await app.close();
      await lake.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
