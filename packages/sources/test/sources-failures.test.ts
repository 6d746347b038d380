import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DataConfig, SourceConfig } from "@omicslake/core";
import { ingestDataset, type IngestOptions } from "../src/fetch/ingest-dataset.js";
import type { RetryEvent } from "../src/fetch/http-client.js";
import { FakeUpstream } from "@omicslake/core/testing";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";
import { bytesOf, pseudoRandomBytes, sha } from "./helpers/test-bytes.js";

const data: DataConfig = { source: "bioproject", role: "metadata" };
const FAST_RETRY = { attempts: 4, baseDelayMs: 10, maxDelayMs: 40 } as const;

// Failure handling is engine-independent (it happens before anything reaches the store or catalog),
// so these run on the embedded default only; sources-ingest.test.ts covers both engines.
const engine = lakeEngines()[0]!;

describe(`downloads that fail on ${engine.name}`, () => {
  let opened: OpenedLake;
  let fake: FakeUpstream;

  beforeAll(async () => {
    opened = await engine.open();
    fake = await FakeUpstream.start();
  });
  afterAll(async () => {
    await fake?.close();
    await opened?.dispose();
  });

  /** One dataset per test: a bioproject source whose single file is `path` on the fake upstream. */
  function ingest(dataset: string, path: string, options: IngestOptions = {}) {
    const source: SourceConfig = {
      kind: "bioproject",
      url: fake.url(path.slice(0, path.lastIndexOf("/") + 1)),
      options: { file: path.slice(path.lastIndexOf("/") + 1) },
    };
    return ingestDataset(
      opened.lake,
      { name: dataset, data, source, root: opened.root },
      { retry: FAST_RETRY, ...options },
    );
  }

  async function rawKeys(dataset: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const head of opened.lake.store.listAll(`raw/${dataset}/`)) keys.push(head.key);
    return keys;
  }

  it("retries 500s with backoff and then stores the file", async () => {
    const body = fake.setFile("f500/bioproject.xml", pseudoRandomBytes(20_000, "500"));
    fake.fault("f500/bioproject.xml", { kind: "status", status: 500 }, { kind: "status", status: 503 });
    const retries: RetryEvent[] = [];
    const result = await ingest("f500", "f500/bioproject.xml", { onRetry: (e) => retries.push(e) });
    expect(result.fetched).toHaveLength(1);
    expect(result.fetched[0]!.object.sha256).toBe(sha(body));
    expect(fake.requestsTo("f500/bioproject.xml").map((r) => r.status)).toEqual([500, 503, 200]);
    expect(retries.map((e) => e.attempt)).toEqual([1, 2]);
    // Backoff doubles: the second wait's nominal is twice the first's (jitter keeps each within [n/2, n]).
    expect(retries.every((e) => e.delayMs >= 5 && e.delayMs <= 40)).toBe(true);
  });

  it("honours Retry-After on a 429", async () => {
    fake.setFile("f429/bioproject.xml", "<PackageSet/>\n");
    fake.fault("f429/bioproject.xml", { kind: "status", status: 429, retryAfter: "1" });
    const result = await ingest("f429", "f429/bioproject.xml");
    expect(result.fetched).toHaveLength(1);
    const [first, second] = fake.requestsTo("f429/bioproject.xml");
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(200);
    // Loose: the retry waited about the second the server asked for, far more than the 10 ms backoff.
    expect(second!.at - first!.at).toBeGreaterThan(800);
  });

  it("times out a server that does not answer or stops sending, and recovers", async () => {
    const body = fake.setFile("slow/bioproject.xml", pseudoRandomBytes(100_000, "slow"));
    fake.fault(
      "slow/bioproject.xml",
      { kind: "stall", ms: 60_000 },
      { kind: "stall-body", afterBytes: 30_000, ms: 60_000 },
    );
    // The stalls outlast the client's timeout thirty times over, so a slow machine cannot turn a
    // healthy answer into a timeout or a stall into an answer.
    const result = await ingest("slow", "slow/bioproject.xml", { timeoutMs: 2_000 });
    expect(result.fetched).toHaveLength(1);
    expect(result.fetched[0]!.object.sha256).toBe(sha(body));
    const requests = fake.requestsTo("slow/bioproject.xml");
    expect(requests).toHaveLength(3);
    // The stalled body left bytes behind; the third attempt asked only for the rest.
    expect(requests[2]!.headers["range"]).toMatch(/^bytes=\d+-$/);
  });

  it("resumes a truncated body with a Range request and stores a byte-identical object", async () => {
    const body = fake.setFile("trunc/bioproject.xml", pseudoRandomBytes(300_000, "trunc"));
    fake.fault("trunc/bioproject.xml", { kind: "truncate", afterBytes: 120_000 });
    const result = await ingest("trunc", "trunc/bioproject.xml");
    const [first, second] = fake.requestsTo("trunc/bioproject.xml");
    expect(first!.headers["range"]).toBeUndefined();
    const range = /^bytes=(\d+)-$/.exec(String(second!.headers["range"]));
    expect(range).not.toBeNull();
    const resumedAt = Number(range![1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(120_000);
    expect(second!.headers["if-range"]).toBe(fake.files.get("trunc/bioproject.xml")!.etag);
    expect(second!.status).toBe(206);
    const fetched = result.fetched[0]!;
    expect(fetched).toMatchObject({ resumedBytes: resumedAt, rangeRequests: 1 });
    expect(await bytesOf(await opened.lake.readObject(fetched.object))).toEqual(body);
    // The partial download is gone once the object is in raw.
    expect(await readdir(join(opened.root, "downloads", "partial", "trunc"))).toEqual([]);
  });

  it("leaves nothing in raw and a failed run when retries run out, and the next ingest resumes", async () => {
    const body = fake.setFile("giveup/bioproject.xml", pseudoRandomBytes(200_000, "giveup"));
    fake.fault(
      "giveup/bioproject.xml",
      { kind: "truncate", afterBytes: 50_000 },
      { kind: "status", status: 502 },
    );
    const failed = ingest("giveup", "giveup/bioproject.xml", { retry: { ...FAST_RETRY, attempts: 2 } });
    await expect(failed).rejects.toMatchObject({
      code: "upstream_failed",
      details: { url: fake.url("giveup/bioproject.xml"), attempts: 2, status: 502 },
    });

    expect(await rawKeys("giveup")).toEqual([]);
    const dataset = await opened.lake.dataset("raw:giveup");
    expect(dataset.objectCount).toBe(0);
    const runs = await opened.lake.catalog.listRuns({ step: "ingest:bioproject", status: "failed" });
    const run = runs.items.find((r) => r.parameters["dataset"] === "giveup");
    expect(run?.error?.code).toBe("upstream_failed");
    expect(run?.outputs).toEqual([]);
    const partials = await readdir(join(opened.root, "downloads", "partial", "giveup"));
    expect(partials.some((name) => name.endsWith("-bioproject.xml"))).toBe(true);

    const before = fake.requestsTo("giveup/bioproject.xml").length;
    const result = await ingest("giveup", "giveup/bioproject.xml");
    const resumed = fake.requestsTo("giveup/bioproject.xml").slice(before);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.headers["range"]).toMatch(/^bytes=[1-9]\d*-$/);
    expect(result.fetched[0]!.resumedBytes).toBeGreaterThan(0);
    expect(await bytesOf(await opened.lake.readObject(result.fetched[0]!.object))).toEqual(body);
    expect(result.run.status).toBe("succeeded");
  });

  it("starts over instead of splicing when the file changed under a partial download", async () => {
    fake.setFile("splice/bioproject.xml", pseudoRandomBytes(200_000, "splice-v1"));
    fake.fault("splice/bioproject.xml", { kind: "truncate", afterBytes: 80_000 });
    await expect(
      ingest("splice", "splice/bioproject.xml", { retry: { ...FAST_RETRY, attempts: 1 } }),
    ).rejects.toMatchObject({ code: "upstream_failed" });
    const v2 = fake.setFile("splice/bioproject.xml", pseudoRandomBytes(210_000, "splice-v2"), {
      lastModified: new Date("2025-02-01T00:00:00Z"),
    });
    const result = await ingest("splice", "splice/bioproject.xml");
    const last = fake.requestsTo("splice/bioproject.xml").at(-1)!;
    expect(last.headers["range"]).toBeDefined();
    expect(last.status).toBe(200);
    expect(result.fetched[0]).toMatchObject({ resumedBytes: 0 });
    expect(result.fetched[0]!.object.sha256).toBe(sha(v2));
  });

  it("fails with a failed run naming the URL when a 500 persists", async () => {
    fake.setFile("dead/bioproject.xml", "<PackageSet/>\n");
    fake.fault(
      "dead/bioproject.xml",
      ...Array.from({ length: 4 }, () => ({ kind: "status", status: 500 }) as const),
    );
    const error: unknown = await ingest("dead", "dead/bioproject.xml").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "upstream_failed" });
    expect((error as Error).message).toContain(fake.url("dead/bioproject.xml"));
    expect(fake.requestsTo("dead/bioproject.xml")).toHaveLength(4);
    expect(await rawKeys("dead")).toEqual([]);
    const runs = await opened.lake.catalog.listRuns({ step: "ingest:bioproject", status: "failed" });
    expect(
      runs.items.some(
        (r) =>
          r.parameters["dataset"] === "dead" && r.error?.details?.["url"] === fake.url("dead/bioproject.xml"),
      ),
    ).toBe(true);
  });

  it("asks with If-Modified-Since when upstream sends no ETag, and skips on 304", async () => {
    fake.setFile("lm/bioproject.xml", "<PackageSet/>\n", {
      etag: null,
      lastModified: new Date("2025-03-01T12:00:00Z"),
    });
    const first = await ingest("lm", "lm/bioproject.xml");
    expect(first.fetched).toHaveLength(1);
    const second = await ingest("lm", "lm/bioproject.xml");
    expect(second.fetched).toEqual([]);
    expect(second.skipped).toEqual([
      {
        url: fake.url("lm/bioproject.xml"),
        name: "bioproject.xml",
        reason: "not-modified",
        objectKey: "raw/lm/bioproject.xml",
      },
    ]);
    const last = fake.requestsTo("lm/bioproject.xml").at(-1)!;
    expect(last.headers["if-modified-since"]).toBe("Sat, 01 Mar 2025 12:00:00 GMT");
    expect(last.status).toBe(304);
  });

  it("records new validators without a new object when a file's date changed but its bytes did not", async () => {
    const body = fake.setFile("touch/bioproject.xml", "<PackageSet/>\n", {
      etag: null,
      lastModified: new Date("2025-03-01T12:00:00Z"),
    });
    await ingest("touch", "touch/bioproject.xml");
    fake.setFile("touch/bioproject.xml", body, {
      etag: null,
      lastModified: new Date("2025-03-02T12:00:00Z"),
    });
    const second = await ingest("touch", "touch/bioproject.xml");
    expect(second.fetched).toEqual([]);
    expect(second.skipped.map((s) => s.reason)).toEqual(["same-content"]);
    expect(await rawKeys("touch")).toEqual(["raw/touch/bioproject.xml"]);
    const third = await ingest("touch", "touch/bioproject.xml");
    expect(third.skipped.map((s) => s.reason)).toEqual(["not-modified"]);
  });

  it("refuses an SRA Mirroring listing without a Full batch, naming the URL, and stores nothing", async () => {
    fake.setFile("nofull/Mirroring/NCBI_SRA_Mirroring_20250110/meta_run_set.xml.gz", "x");
    const source: SourceConfig = { kind: "sra", url: fake.url("nofull/") };
    const error: unknown = await ingestDataset(opened.lake, {
      name: "nofull",
      data: { source: "sra", role: "metadata" },
      source,
      root: opened.root,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "upstream_listing_invalid",
      details: { url: fake.url("nofull/Mirroring/") },
    });
    expect(await rawKeys("nofull")).toEqual([]);
  });

  describe("an ingest killed part-way is finished by the next one, without duplicates or partial objects", () => {
    /** Makes `method` throw once, as if the process died there, then behave again. */
    function dieOnce(target: object, method: string): void {
      vi.spyOn(target as Record<string, () => Promise<unknown>>, method).mockImplementationOnce(() =>
        Promise.reject(new Error(`killed in ${method}`)),
      );
    }

    async function check(dataset: string, body: Buffer, before: number) {
      const result = await ingest(dataset, `${dataset}/bioproject.xml`);
      expect(await rawKeys(dataset)).toEqual([`raw/${dataset}/bioproject.xml`]);
      const object = await opened.lake.catalog.findObjectByKey(`raw/${dataset}/bioproject.xml`);
      expect(object?.sha256).toBe(sha(body));
      expect(await bytesOf(await opened.lake.readObject(object!))).toEqual(body);
      const records = await opened.lake.catalog.upstreamFiles.history(result.dataset.id);
      expect(records.map((r) => r.objectKey)).toEqual([`raw/${dataset}/bioproject.xml`]);
      expect((await opened.lake.dataset(`raw:${dataset}`)).objectCount).toBe(1);
      // The download had finished: the rerun asks only for what is past the end and gets 416, no body.
      const rerun = fake.requestsTo(`${dataset}/bioproject.xml`).slice(before);
      expect(rerun.map((r) => r.status)).toEqual([416]);
      return result;
    }

    /** Lets `method` do its work once and then throw, as if the process died right after it. */
    function dieOnceAfter(target: object, method: string): void {
      const record = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const original = record[method]!.bind(target);
      vi.spyOn(record, method).mockImplementationOnce(async (...args: unknown[]) => {
        await original(...args);
        throw new Error(`killed after ${method}`);
      });
    }

    afterAll(() => vi.restoreAllMocks());

    it("after the download, before the object reaches the store", async () => {
      const body = fake.setFile("kill1/bioproject.xml", pseudoRandomBytes(50_000, "kill1"));
      // Writes stage their bytes first; dying there leaves nothing under any key.
      dieOnce(opened.lake.store, "stage");
      await expect(ingest("kill1", "kill1/bioproject.xml")).rejects.toThrow(/killed in stage/);
      expect(await rawKeys("kill1")).toEqual([]);
      await check("kill1", body, fake.requestsTo("kill1/bioproject.xml").length);
    });

    it("after the store write, before the catalog row", async () => {
      const body = fake.setFile("kill2/bioproject.xml", pseudoRandomBytes(50_000, "kill2"));
      // The staged bytes are published under their key, then the process dies before the catalog row
      // commits: the rerun finds identical raw bytes without a row and adopts them.
      dieOnceAfter(opened.lake.store, "publish");
      await expect(ingest("kill2", "kill2/bioproject.xml")).rejects.toThrow(/killed after publish/);
      expect(await rawKeys("kill2")).toEqual(["raw/kill2/bioproject.xml"]);
      expect(await opened.lake.catalog.findObjectByKey("raw/kill2/bioproject.xml")).toBeUndefined();
      await check("kill2", body, fake.requestsTo("kill2/bioproject.xml").length);
    });

    it("after the catalog row, before the upstream file is recorded", async () => {
      const body = fake.setFile("kill3/bioproject.xml", pseudoRandomBytes(50_000, "kill3"));
      dieOnce(opened.lake.catalog.upstreamFiles, "add");
      await expect(ingest("kill3", "kill3/bioproject.xml")).rejects.toThrow(/killed in add/);
      expect(await rawKeys("kill3")).toEqual(["raw/kill3/bioproject.xml"]);
      await check("kill3", body, fake.requestsTo("kill3/bioproject.xml").length);
    });
  });
});
