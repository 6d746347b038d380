import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { IntegrityError, PolicyError } from "../../errors/omicslake-error.js";
import { S3ObjectStore, type S3ObjectStoreOptions } from "./s3-object-store.js";

// s3rver has no object lock, no conditional writes, no AbortMultipartUpload and no UploadPartCopy, so
// these paths are checked against a scripted client: it records every command and answers (or fails)
// the way a real S3 would. Everything else runs against s3rver in test/object-store.test.ts.

interface Sent {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

type Responder = (sent: Sent) => unknown;

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

function scriptedStore(respond: Responder, options: Partial<S3ObjectStoreOptions> = {}) {
  const sent: Sent[] = [];
  const client = {
    send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const entry = { name: command.constructor.name.replace(/Command$/, ""), input: command.input };
      sent.push(entry);
      // An async wrapper turns a thrown S3-style error into the rejection the SDK would give.
      return (async () => respond(entry) ?? {})();
    },
    destroy() {},
  } as unknown as S3Client;
  const store = new S3ObjectStore({ client, bucket: "lake", prefix: "prod", ...options });
  return { store, sent, names: () => sent.map((entry) => entry.name) };
}

/** Answers like an empty bucket that accepts every write. */
function emptyBucket(sent: Sent): unknown {
  switch (sent.name) {
    case "HeadObject":
      throw s3Error("NotFound", 404);
    case "CreateMultipartUpload":
      return { UploadId: "upload-1" };
    case "UploadPart":
      return { ETag: `"etag-${String(sent.input.PartNumber)}"` };
    default:
      return {};
  }
}

const MIB = 1024 * 1024;
const DAY = 24 * 3600 * 1000;

describe("S3ObjectStore request parameters", () => {
  it("puts a small raw object once, conditional, with its sha256, checksum and object-lock retention", async () => {
    const { store, sent, names } = scriptedStore(emptyBucket, {
      objectLock: { mode: "COMPLIANCE", retainDays: 30 },
    });
    const before = Date.now();
    const result = await store.put("raw/ncbi/a.txt", "hello", { mediaType: "text/plain" });
    const sha256 = createHash("sha256").update("hello").digest();
    expect(result.sha256).toBe(sha256.toString("hex"));
    expect(names()).toEqual(["HeadObject", "PutObject"]);
    const put = sent[1]?.input ?? {};
    expect(put).toMatchObject({
      Bucket: "lake",
      Key: "prod/raw/ncbi/a.txt",
      IfNoneMatch: "*",
      ContentType: "text/plain",
      ContentLength: 5,
      Metadata: { sha256: sha256.toString("hex") },
      ChecksumSHA256: sha256.toString("base64"),
      ObjectLockMode: "COMPLIANCE",
    });
    const retainUntil = (put.ObjectLockRetainUntilDate as Date).getTime();
    expect(retainUntil).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(retainUntil).toBeLessThanOrEqual(Date.now() + 30 * DAY);
  });

  it("applies neither retention nor the condition outside raw", async () => {
    const { store, sent, names } = scriptedStore(emptyBucket, {
      objectLock: { mode: "GOVERNANCE", retainDays: 1 },
    });
    await store.put("processed/a.txt", "hello");
    expect(names()).toEqual(["PutObject"]);
    expect(sent[0]?.input).not.toHaveProperty("ObjectLockMode", expect.anything());
    expect(sent[0]?.input.IfNoneMatch).toBeUndefined();
  });

  it("locks and conditions a raw multipart upload, completing it only after the whole stream", async () => {
    const { store, sent, names } = scriptedStore(emptyBucket, {
      objectLock: { mode: "GOVERNANCE", retainDays: 7 },
      partSizeBytes: 5 * MIB,
    });
    const body = Buffer.alloc(11 * MIB, 7);
    const result = await store.put("raw/big.bin", body);
    expect(names()).toEqual([
      "HeadObject",
      "CreateMultipartUpload",
      "UploadPart",
      "UploadPart",
      "UploadPart",
      "CompleteMultipartUpload",
      "PutObjectTagging",
    ]);
    expect(sent[1]?.input).toMatchObject({ ObjectLockMode: "GOVERNANCE", ChecksumAlgorithm: "SHA256" });
    const parts = sent.filter((entry) => entry.name === "UploadPart");
    expect(parts.map((part) => (part.input.Body as Buffer).length)).toEqual([5 * MIB, 5 * MIB, 1 * MIB]);
    for (const part of parts) {
      const expected = createHash("sha256")
        .update(part.input.Body as Buffer)
        .digest("base64");
      expect(part.input.ChecksumSHA256).toBe(expected);
    }
    const complete = sent.find((entry) => entry.name === "CompleteMultipartUpload")?.input ?? {};
    expect(complete).toMatchObject({ IfNoneMatch: "*", UploadId: "upload-1" });
    expect(
      (complete.MultipartUpload as { Parts: { PartNumber: number }[] }).Parts.map((p) => p.PartNumber),
    ).toEqual([1, 2, 3]);
    expect(sent.at(-1)?.input).toMatchObject({
      Tagging: { TagSet: [{ Key: "sha256", Value: result.sha256 }] },
    });
  });

  it("aborts the multipart upload when a part fails, and never completes it", async () => {
    const { store, names } = scriptedStore(
      (sent) => {
        if (sent.name === "UploadPart" && sent.input.PartNumber === 2) throw s3Error("InternalError", 500);
        return emptyBucket(sent);
      },
      { partSizeBytes: 5 * MIB, partConcurrency: 1 },
    );
    await expect(store.put("processed/big.bin", Buffer.alloc(16 * MIB))).rejects.toMatchObject({
      name: "InternalError",
    });
    expect(names()).toContain("AbortMultipartUpload");
    expect(names()).not.toContain("CompleteMultipartUpload");
  });

  it("aborts the multipart upload when the checksum is not the expected one", async () => {
    const { store, names } = scriptedStore(emptyBucket, { partSizeBytes: 5 * MIB });
    const put = store.put("processed/big.bin", Buffer.alloc(12 * MIB), { expectedSha256: "0".repeat(64) });
    await expect(put).rejects.toBeInstanceOf(IntegrityError);
    expect(names().at(-1)).toBe("AbortMultipartUpload");
    expect(names()).not.toContain("CompleteMultipartUpload");
  });

  it("turns the server's refusal of a conditional raw write into raw_immutable", async () => {
    // The key appeared between the HeadObject check and the write: only If-None-Match catches this.
    const { store } = scriptedStore((sent) => {
      if (sent.name === "PutObject") throw s3Error("PreconditionFailed", 412);
      return emptyBucket(sent);
    });
    const error = await store.put("raw/race.txt", "late writer").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ code: "raw_immutable", details: { key: "raw/race.txt" } });
  });

  it("falls back to unconditional writes on a server without them, and remembers", async () => {
    const { store, sent } = scriptedStore((entry) => {
      if (entry.name === "PutObject" && entry.input.IfNoneMatch === "*") throw s3Error("NotImplemented", 501);
      return emptyBucket(entry);
    });
    await store.put("raw/one.txt", "1");
    await store.put("raw/two.txt", "2");
    const puts = sent.filter((entry) => entry.name === "PutObject").map((entry) => entry.input.IfNoneMatch);
    expect(puts).toEqual(["*", undefined, undefined]);
  });

  it("refuses a raw key that exists without uploading anything", async () => {
    const { store, names } = scriptedStore((sent) =>
      sent.name === "HeadObject" ? { ContentLength: 1, Metadata: {} } : emptyBucket(sent),
    );
    await expect(store.put("raw/exists.txt", "x")).rejects.toMatchObject({ code: "raw_immutable" });
    await expect(store.delete("raw/exists.txt")).rejects.toMatchObject({ code: "raw_immutable" });
    expect(names()).toEqual(["HeadObject"]);
  });

  it("copies in parts above the multipart threshold, pinned to the source's ETag", async () => {
    const sha256 = "a".repeat(64);
    const { store, sent, names } = scriptedStore(
      (entry) => {
        if (entry.name === "HeadObject") {
          if (entry.input.Key === "prod/raw/huge.bin") {
            return { ContentLength: 25 * MIB, ETag: '"src"', ContentType: "x/y", Metadata: { sha256 } };
          }
          throw s3Error("NotFound", 404);
        }
        if (entry.name === "UploadPartCopy")
          return { CopyPartResult: { ETag: `"p${String(entry.input.PartNumber)}"` } };
        return emptyBucket(entry);
      },
      {
        multipartCopyThresholdBytes: 10 * MIB,
        copyPartSizeBytes: 10 * MIB,
        objectLock: { mode: "COMPLIANCE", retainDays: 1 },
      },
    );
    const result = await store.copy("raw/huge.bin", "raw/copy/huge.bin");
    expect(result).toEqual({ key: "raw/copy/huge.bin", size: 25 * MIB, sha256 });
    expect(names().filter((name) => name !== "HeadObject")).toEqual([
      "CreateMultipartUpload",
      "UploadPartCopy",
      "UploadPartCopy",
      "UploadPartCopy",
      "CompleteMultipartUpload",
    ]);
    expect(sent.find((entry) => entry.name === "CreateMultipartUpload")?.input).toMatchObject({
      Key: "prod/raw/copy/huge.bin",
      Metadata: { sha256 },
      ContentType: "x/y",
      ObjectLockMode: "COMPLIANCE",
    });
    const ranges = sent
      .filter((entry) => entry.name === "UploadPartCopy")
      .map((entry) => [entry.input.CopySourceRange, entry.input.CopySourceIfMatch, entry.input.CopySource]);
    expect(ranges).toEqual([
      [`bytes=0-${10 * MIB - 1}`, '"src"', "lake/prod/raw/huge.bin"],
      [`bytes=${10 * MIB}-${20 * MIB - 1}`, '"src"', "lake/prod/raw/huge.bin"],
      [`bytes=${20 * MIB}-${25 * MIB - 1}`, '"src"', "lake/prod/raw/huge.bin"],
    ]);
    expect(sent.find((entry) => entry.name === "CompleteMultipartUpload")?.input).toMatchObject({
      IfNoneMatch: "*",
    });
  });

  it("copies below the threshold with one CopyObject that records the sha256", async () => {
    const sha256 = "b".repeat(64);
    const { store, sent } = scriptedStore((entry) => {
      if (entry.name === "HeadObject" && entry.input.Key === "prod/raw/small.bin") {
        return { ContentLength: 10, ETag: '"e"', Metadata: { sha256 } };
      }
      return emptyBucket(entry);
    });
    await store.copy("raw/small.bin", "processed/small bin+x.bin");
    expect(sent.find((entry) => entry.name === "CopyObject")?.input).toMatchObject({
      Key: "prod/processed/small bin+x.bin",
      CopySource: "lake/prod/raw/small.bin",
      CopySourceIfMatch: '"e"',
      MetadataDirective: "REPLACE",
      Metadata: { sha256 },
      IfNoneMatch: undefined,
    });
  });
});
