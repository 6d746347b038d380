import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/omicslake-error.js";
import { FsObjectStore } from "./fs/fs-object-store.js";
import { openObjectStore } from "./open-object-store.js";
import { S3ObjectStore } from "./s3/s3-object-store.js";

describe("openObjectStore", () => {
  it("opens the filesystem store from a file URL or a plain path", async () => {
    const dir = join(process.cwd(), "some-lake", "objects");
    const fromUrl = await openObjectStore({ url: pathToFileURL(dir).href });
    expect(fromUrl).toBeInstanceOf(FsObjectStore);
    expect(fromUrl.url).toBe(pathToFileURL(dir).href);
    const fromPath = await openObjectStore({ url: "some-lake/objects" });
    expect((fromPath as FsObjectStore).root).toBe(dir);
    await fromUrl.close();
  });

  it("opens the S3 store with bucket and prefix from the URL", async () => {
    const store = await openObjectStore({
      url: "s3://omics-bucket/lake/prod/",
      endpoint: "http://127.0.0.1:9",
      accessKeyId: "a",
      secretAccessKey: "b",
      forcePathStyle: true,
    });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect((store as S3ObjectStore).bucket).toBe("omics-bucket");
    expect((store as S3ObjectStore).prefix).toBe("lake/prod/");
    expect(store.url).toBe("s3://omics-bucket/lake/prod/");
    await store.close();
  });

  it("names the URL and the allowed schemes for an unknown scheme", async () => {
    const error = await openObjectStore({ url: "gs://bucket/x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual({ url: "gs://bucket/x" });
    expect((error as ValidationError).message).toMatch(/"gs:".*file.*s3/s);
  });

  it("refuses an S3 URL without a bucket, with a traversal prefix, or with half the credentials", async () => {
    await expect(openObjectStore({ url: "s3:///prefix" })).rejects.toThrow(ValidationError);
    // URL parsing resolves "..": a/../b is b
    const resolved = await openObjectStore({ url: "s3://bucket/a/../b" });
    await resolved.close();
    await expect(openObjectStore({ url: "s3://bucket/x", accessKeyId: "only-one" })).rejects.toThrow(
      /secretAccessKey/,
    );
    await expect(
      openObjectStore({ url: "s3://bucket/x", objectLock: { mode: "COMPLIANCE", retainDays: 0 } }),
    ).rejects.toThrow(ValidationError);
  });
});
