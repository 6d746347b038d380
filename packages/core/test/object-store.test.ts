import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  IntegrityError,
  NotFoundError,
  PolicyError,
  ValidationError,
} from "../src/errors/omicslake-error.js";
import type { ObjectStore } from "../src/object-store/object-store.js";
import { forEachStore, generatedBytes } from "@omicslake/core/testing";

const MIB = 1024 * 1024;

function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The test's own digest of a generated stream, computed independently of any store. */
async function digestOf(chunks: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const head of store.listAll(prefix)) keys.push(head.key);
  return keys;
}

/** A source that yields `before` bytes and then fails, as a dropped connection would. */
async function* failingAfter(before: number): AsyncGenerator<Buffer> {
  yield* generatedBytes(before, 7);
  throw new Error("upstream connection reset");
}

forEachStore((fixture) => {
  describe("put, head and get", () => {
    it("round-trips bytes with the sha256 and size computed on the way", async () => {
      const { store } = fixture();
      const text = "ID\tvalue\nGSE2034\t1\n";
      const result = await store.put("processed/geo/series.tsv", text, {
        mediaType: "text/tab-separated-values",
      });
      expect(result).toEqual({
        key: "processed/geo/series.tsv",
        size: Buffer.byteLength(text),
        sha256: sha256(text),
      });

      const head = await store.head("processed/geo/series.tsv");
      expect(head).toMatchObject({
        size: Buffer.byteLength(text),
        sha256: sha256(text),
        mediaType: "text/tab-separated-values",
      });
      expect(head?.lastModified).toBeInstanceOf(Date);
      expect((await readAll(await store.get("processed/geo/series.tsv"))).toString("utf8")).toBe(text);
    });

    it("streams a generated multi-megabyte body and reads it back verified", async () => {
      const { store } = fixture();
      const size = 12 * MIB + 3;
      const expected = await digestOf(generatedBytes(size, 42));
      const result = await store.put("raw/sra/SRR000001.fastq", Readable.from(generatedBytes(size, 42)));
      expect(result).toEqual({ key: "raw/sra/SRR000001.fastq", ...expected });
      const back = await digestOf(
        (await store.get("raw/sra/SRR000001.fastq", {
          verifySha256: expected.sha256,
        })) as AsyncIterable<Buffer>,
      );
      expect(back).toEqual(expected);
    });

    it("uploads in parts when the body is larger than the part size", async () => {
      const store = await fixture().reopen({ partSizeBytes: 5 * MIB, partConcurrency: 2 });
      const size = 17 * MIB + 11; // four parts, the last one short
      const expected = await digestOf(generatedBytes(size, 9));
      const progress: number[] = [];
      const result = await store.put("raw/big/object.bin", generatedBytes(size, 9), {
        expectedSha256: expected.sha256.toUpperCase(),
        expectedSize: size,
        onProgress: (bytes) => progress.push(bytes),
      });
      expect(result.sha256).toBe(expected.sha256);
      expect(progress.at(-1)).toBe(size);
      expect(await store.head("raw/big/object.bin")).toMatchObject({ size, sha256: expected.sha256 });
      expect(await digestOf((await store.get("raw/big/object.bin")) as AsyncIterable<Buffer>)).toEqual(
        expected,
      );
    });

    it("puts a local file", async () => {
      const { store } = fixture();
      const dir = await mkdtemp(join(tmpdir(), "omicslake-putfile-"));
      try {
        const bytes = Buffer.from("local file contents\n".repeat(1000));
        await writeFile(join(dir, "input.txt"), bytes);
        const result = await store.putFile("raw/local/input.txt", join(dir, "input.txt"));
        expect(result).toEqual({ key: "raw/local/input.txt", size: bytes.length, sha256: sha256(bytes) });
        await expect(store.putFile("raw/local/missing.txt", join(dir, "missing.txt"))).rejects.toBeInstanceOf(
          NotFoundError,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("reads byte ranges (end exclusive, clipped to the size)", async () => {
      const { store } = fixture();
      const bytes = Buffer.from("0123456789abcdefghij");
      await store.put("processed/range.txt", bytes);
      expect(
        (await readAll(await store.get("processed/range.txt", { range: { start: 5, end: 15 } }))).toString(),
      ).toBe("56789abcde");
      expect(
        (await readAll(await store.get("processed/range.txt", { range: { start: 17 } }))).toString(),
      ).toBe("hij");
      expect(
        (await readAll(await store.get("processed/range.txt", { range: { start: 18, end: 99 } }))).toString(),
      ).toBe("ij");
      expect(
        await readAll(await store.get("processed/range.txt", { range: { start: 3, end: 3 } })),
      ).toHaveLength(0);
      await expect(store.get("processed/range.txt", { range: { start: 30 } })).rejects.toBeInstanceOf(
        ValidationError,
      );
    });

    it("reports a missing object as absent on head and NotFoundError on get", async () => {
      const { store } = fixture();
      expect(await store.head("processed/nothing-here")).toBeUndefined();
      await expect(store.get("processed/nothing-here")).rejects.toMatchObject({ code: "not_found" });
    });
  });

  describe("integrity", () => {
    it("refuses a body whose checksum or size differs from the expected one, leaving nothing", async () => {
      const { store } = fixture();
      const wrong = sha256("something else");
      const error = await store
        .put("raw/x/data.bin", "actual bytes", { expectedSha256: wrong })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      expect(error).toMatchObject({
        details: { key: "raw/x/data.bin", expectedSha256: wrong, actualSha256: sha256("actual bytes") },
      });
      await expect(store.put("raw/x/sized.bin", "12345", { expectedSize: 4 })).rejects.toBeInstanceOf(
        IntegrityError,
      );
      await expect(store.put("raw/x/sized.bin", "123", { expectedSize: 4 })).rejects.toBeInstanceOf(
        IntegrityError,
      );
      expect(await store.head("raw/x/data.bin")).toBeUndefined();
      expect(await store.head("raw/x/sized.bin")).toBeUndefined();
      expect(await keysUnder(store, "raw/")).toEqual([]);
      expect(await fixture().leftovers()).toEqual([]);
    });

    it("refuses a multipart body with the wrong checksum without completing it", async () => {
      const store = await fixture().reopen({ partSizeBytes: 5 * MIB });
      const put = store.put("raw/x/multipart.bin", generatedBytes(11 * MIB, 3), {
        expectedSha256: sha256("no"),
      });
      await expect(put).rejects.toBeInstanceOf(IntegrityError);
      expect(await store.head("raw/x/multipart.bin")).toBeUndefined();
      expect(await keysUnder(store, "raw/")).toEqual([]);
    });

    it("catches an object corrupted behind the store's back when reading with verification", async () => {
      const { store } = fixture();
      const original = Buffer.from("ACGT".repeat(10_000));
      const { sha256: recorded } = await store.put("processed/reads/sample.txt", original);
      // Same length, one base changed: only the checksum can tell.
      const corrupted = Buffer.from(original);
      corrupted[1234] = "T".charCodeAt(0) === corrupted[1234] ? "A".charCodeAt(0) : "T".charCodeAt(0);
      await fixture().corrupt("processed/reads/sample.txt", corrupted);

      const failure = await readAll(
        await store.get("processed/reads/sample.txt", { verifySha256: recorded }),
      ).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(IntegrityError);
      expect(failure).toMatchObject({
        details: {
          key: "processed/reads/sample.txt",
          expectedSha256: recorded,
          actualSha256: sha256(corrupted),
        },
      });
      // Unverified reads still work, and verifying against the right checksum passes.
      expect(await readAll(await store.get("processed/reads/sample.txt"))).toEqual(corrupted);
      expect(
        await readAll(await store.get("processed/reads/sample.txt", { verifySha256: sha256(corrupted) })),
      ).toEqual(corrupted);
    });
  });

  describe("interrupted puts leave nothing visible", () => {
    it("when the source fails halfway", async () => {
      const { store } = fixture();
      await expect(store.put("raw/broken/a.bin", failingAfter(3 * MIB))).rejects.toThrow(
        "upstream connection reset",
      );
      expect(await store.head("raw/broken/a.bin")).toBeUndefined();
      expect(await keysUnder(store, "")).toEqual([]);
      expect(await fixture().leftovers()).toEqual([]);
      // Nothing was published, so the raw key is still free.
      await expect(store.put("raw/broken/a.bin", "complete")).resolves.toMatchObject({ size: 8 });
    });

    it("when the source fails after some parts were uploaded", async () => {
      const store = await fixture().reopen({ partSizeBytes: 5 * MIB });
      await expect(store.put("raw/broken/b.bin", failingAfter(12 * MIB))).rejects.toThrow(
        "upstream connection reset",
      );
      expect(await store.head("raw/broken/b.bin")).toBeUndefined();
      expect(await keysUnder(store, "")).toEqual([]);
      expect(await fixture().leftovers()).toEqual([]);
    });

    it("when the caller aborts halfway", async () => {
      const store = await fixture().reopen({ partSizeBytes: 5 * MIB });
      const controller = new AbortController();
      const put = store.put("raw/broken/c.bin", Readable.from(generatedBytes(20 * MIB, 5)), {
        signal: controller.signal,
        onProgress: (bytes) => {
          if (bytes >= 8 * MIB) controller.abort(new Error("user pressed ctrl-c"));
        },
      });
      await expect(put).rejects.toMatchObject({ name: "AbortError" });
      expect(await store.head("raw/broken/c.bin")).toBeUndefined();
      expect(await keysUnder(store, "")).toEqual([]);
      expect(await fixture().leftovers()).toEqual([]);
    });

    it("refuses to start with a signal that is already aborted", async () => {
      const { store } = fixture();
      await expect(
        store.put("processed/never.bin", "x", { signal: AbortSignal.abort() }),
      ).rejects.toMatchObject({
        name: "AbortError",
      });
      expect(await store.head("processed/never.bin")).toBeUndefined();
    });
  });

  describe("layer rules", () => {
    it("refuses to overwrite a raw object, whatever the content", async () => {
      const { store } = fixture();
      await store.put("raw/ncbi/GSE2034.soft", "first");
      for (const second of ["second", "first"]) {
        const error = await store.put("raw/ncbi/GSE2034.soft", second).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PolicyError);
        expect(error).toMatchObject({ code: "raw_immutable", details: { key: "raw/ncbi/GSE2034.soft" } });
      }
      expect((await readAll(await store.get("raw/ncbi/GSE2034.soft"))).toString()).toBe("first");
    });

    it("refuses to delete a raw object and keeps it", async () => {
      const { store } = fixture();
      await store.put("raw/ncbi/keep.txt", "keep me");
      await expect(store.delete("raw/ncbi/keep.txt")).rejects.toMatchObject({ code: "raw_immutable" });
      await expect(store.delete("raw/ncbi/not-even-there.txt")).rejects.toMatchObject({
        code: "raw_immutable",
      });
      expect(await store.head("raw/ncbi/keep.txt")).toMatchObject({ sha256: sha256("keep me") });
    });

    it("overwrites and deletes in the other layers", async () => {
      const { store } = fixture();
      for (const layer of ["processed", "curated", "archive"]) {
        const key = `${layer}/table.parquet`;
        await store.put(key, "version 1");
        await store.put(key, "version 2 is longer");
        expect(await store.head(key)).toMatchObject({ size: 19, sha256: sha256("version 2 is longer") });
        expect((await readAll(await store.get(key))).toString()).toBe("version 2 is longer");
        await store.delete(key);
        expect(await store.head(key)).toBeUndefined();
        await store.delete(key); // deleting what is not there is fine
      }
      expect(await keysUnder(store, "")).toEqual([]);
    });

    it("refuses path-traversal and malformed keys before touching anything", async () => {
      const { store } = fixture();
      for (const key of [
        "raw/../x",
        "../x",
        "raw/./x",
        "/raw/x",
        "raw//x",
        "raw\\x",
        "raw/x\u0000y",
        "raw/",
        "raw",
        "tmp/x",
        "",
      ]) {
        const error = await store.put(key, "evil").catch((e: unknown) => e);
        expect(error, key).toBeInstanceOf(ValidationError);
        expect(error, key).toMatchObject({ code: "invalid_input", details: { key } });
        await expect(store.get(key), key).rejects.toBeInstanceOf(ValidationError);
        await expect(store.head(key), key).rejects.toBeInstanceOf(ValidationError);
        await expect(store.delete(key), key).rejects.toBeInstanceOf(ValidationError);
        await expect(store.copy("processed/a", key), key).rejects.toBeInstanceOf(ValidationError);
      }
      await expect(store.list("../")).rejects.toBeInstanceOf(ValidationError);
      expect((await store.put("raw/..x/y..", "dots inside names are fine")).key).toBe("raw/..x/y..");
      expect(await keysUnder(store, "")).toEqual(["raw/..x/y.."]);
    });
  });

  describe("list", () => {
    // Keys that differ at "-" versus "/" ("a-c" before "a/…") are left to the filesystem store's own test:
    // s3rver walks its folders in the wrong order there and drops a key across a page boundary.
    it("pages through keys under a prefix in key order", async () => {
      const { store } = fixture();
      const keys = [
        "processed/geo/b.txt",
        "processed/geo/a/2.txt",
        "processed/geo/a/1.txt",
        "processed/geo/a/10.txt",
        "processed/geo/Z.txt",
        "processed/geo/é.txt",
        "processed/other/x.txt",
        "curated/geo/a.txt",
      ];
      for (const key of keys) await store.put(key, key);
      const expected = keys
        .filter((key) => key.startsWith("processed/geo/"))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

      const seen: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const page = await store.list("processed/geo/", { limit: 3, pageToken });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((item) => item.key));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken !== undefined);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 3));

      expect(await keysUnder(store, "processed/geo/")).toEqual(expected);
      expect(await keysUnder(store, "processed/geo/a/1")).toEqual([
        "processed/geo/a/1.txt",
        "processed/geo/a/10.txt",
      ]);
      expect(await keysUnder(store, "proc")).toHaveLength(7);
      expect(await keysUnder(store, "")).toHaveLength(keys.length);
      const [first] = (await store.list("processed/geo/", { limit: 1 })).items;
      expect(first).toMatchObject({ key: expected[0], size: Buffer.byteLength(expected[0] ?? "") });
    });

    it("returns an empty last page and no token for an empty prefix", async () => {
      const { store } = fixture();
      expect(await store.list("archive/none/")).toEqual({ items: [], nextPageToken: undefined });
    });
  });

  describe("copy", () => {
    it("copies an object with its checksum, obeying the destination's layer rules", async () => {
      const { store } = fixture();
      const body = "promote me\n".repeat(100);
      await store.put("raw/src/file.txt", body, { mediaType: "text/plain" });
      const result = await store.copy("raw/src/file.txt", "processed/dst/file.txt");
      expect(result).toEqual({ key: "processed/dst/file.txt", size: body.length, sha256: sha256(body) });
      expect(await store.head("processed/dst/file.txt")).toMatchObject({
        sha256: sha256(body),
        mediaType: "text/plain",
      });
      expect((await readAll(await store.get("processed/dst/file.txt"))).toString()).toBe(body);

      // The copy is independent of its source: deleting it leaves raw alone.
      await store.delete("processed/dst/file.txt");
      expect(await store.head("raw/src/file.txt")).toMatchObject({ sha256: sha256(body) });

      // Copying onto an existing raw object is an overwrite, and refused.
      await store.put("raw/src/other.txt", "other");
      await expect(store.copy("raw/src/file.txt", "raw/src/other.txt")).rejects.toMatchObject({
        code: "raw_immutable",
      });
      expect((await readAll(await store.get("raw/src/other.txt"))).toString()).toBe("other");
      // Into a fresh raw key it is allowed.
      await expect(store.copy("raw/src/file.txt", "raw/copies/file.txt")).resolves.toMatchObject({
        sha256: sha256(body),
      });
    });

    it("reports a missing source as NotFoundError", async () => {
      const { store } = fixture();
      await expect(store.copy("processed/missing", "processed/copy")).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.head("processed/copy")).toBeUndefined();
    });
  });

  describe("download links", () => {
    it("gives a presigned URL on S3 and a stream link on the filesystem", async () => {
      const { store, kind } = fixture();
      await store.put("curated/export/table.csv", "a,b\n1,2\n", { mediaType: "text/csv" });
      const link = await store.downloadLink("curated/export/table.csv", {
        filename: "table 2034.csv",
        expiresInSeconds: 600,
      });
      if (kind === "fs") {
        expect(link).toEqual({ kind: "stream" });
      } else {
        expect(link.kind).toBe("url");
        if (link.kind !== "url") return;
        expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now() + 500_000);
        const response = await fetch(link.url);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-disposition")).toContain('filename="table 2034.csv"');
        expect(await response.text()).toBe("a,b\n1,2\n");
      }
      await expect(store.downloadLink("curated/export/missing.csv")).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe("debris", () => {
    async function debrisOf(store: ObjectStore, olderThanMs: number) {
      const found = [];
      for await (const d of store.listDebris!({ olderThanMs, now: new Date(Date.now() + 60_000) })) {
        if (d.kind === "temp") found.push(d);
      }
      return found;
    }

    it("lists staged bytes no writer published as temp debris, sweeps them, and never lists or removes an object", async () => {
      const { store } = fixture();
      expect(typeof store.listDebris).toBe("function");
      await store.put("processed/debris/kept.txt", "kept");
      const staged = await store.stage("processed/debris/never.txt", "staged, then the writer died");
      // Younger than the age limit and from a writer that may be alive: reported, not removable.
      const young = await debrisOf(store, 3_600_000);
      expect(young.filter((d) => d.size === staged.size).every((d) => !d.removable)).toBe(true);
      // Older than the age limit (the clock is a minute ahead): removable.
      const old = await debrisOf(store, 1_000);
      expect(old).toHaveLength(1);
      expect(old[0]!.removable).toBe(true);
      await store.removeDebris!(old[0]!);
      expect(await debrisOf(store, 1_000)).toEqual([]);
      await expect(store.publish(staged)).rejects.toThrow();
      expect(await keysUnder(store, "processed/")).toEqual(["processed/debris/kept.txt"]);
      await expect(store.removeDebris!({ ...old[0]!, path: "processed/debris/kept.txt" })).rejects.toThrow(
        /not removable/,
      );
      expect((await store.head("processed/debris/kept.txt"))?.size).toBe(4);
    });
  });
});
