import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConflictError } from "../../errors/omicslake-error.js";
import { FsObjectStore } from "./fs-object-store.js";

// Behaviour shared with S3 is tested once for both stores in test/object-store.test.ts; this file covers
// what only the filesystem layout has: file modes, sidecars, the walk order and folder conflicts.

let root: string;
let store: FsObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "omicslake-fs-only-"));
  store = new FsObjectStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function allKeys(prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for await (const head of store.listAll(prefix)) keys.push(head.key);
  return keys;
}

describe("FsObjectStore on disk", () => {
  it("lays objects out as plain files and makes raw read-only", async () => {
    await store.put("raw/ncbi/a.txt", "raw bytes");
    await store.put("processed/ncbi/a.txt", "processed bytes");
    expect(await readFile(join(root, "raw", "ncbi", "a.txt"), "utf8")).toBe("raw bytes");
    expect((await stat(join(root, "raw", "ncbi", "a.txt"))).mode & 0o777).toBe(0o400);
    expect((await stat(join(root, "processed", "ncbi", "a.txt"))).mode & 0o222).not.toBe(0);
    // A copy out of raw is writable again and is not the same file.
    await store.copy("raw/ncbi/a.txt", "curated/a.txt");
    const [rawStat, copyStat] = await Promise.all([
      stat(join(root, "raw/ncbi/a.txt")),
      stat(join(root, "curated/a.txt")),
    ]);
    expect(copyStat.ino).not.toBe(rawStat.ino);
    expect(copyStat.mode & 0o200).not.toBe(0);
  });

  it("keeps sidecars and temp files out of listings, and ignores other folders in the root", async () => {
    await store.put("raw/a.txt", "a");
    await mkdir(join(root, "catalog"), { recursive: true });
    await writeFile(join(root, "catalog", "db"), "not an object");
    await writeFile(join(root, "omicslake.toml"), "");
    expect(await allKeys()).toEqual(["raw/a.txt"]);
    expect(await readdir(join(root, ".tmp"))).toEqual([]);
  });

  it("orders a name with '-' before the folder of the same stem, across pages", async () => {
    for (const key of ["processed/a/b", "processed/a-c", "processed/a/a", "processed/a0", "processed/a.d"]) {
      await store.put(key, key);
    }
    const expected = ["processed/a-c", "processed/a.d", "processed/a/a", "processed/a/b", "processed/a0"];
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await store.list("processed/", { limit: 2, pageToken });
      seen.push(...page.items.map((item) => item.key));
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    expect(seen).toEqual(expected);
  });

  it("ignores a sidecar that no longer describes its file", async () => {
    await store.put("processed/x.bin", "original");
    // Replaced behind the store's back: the recorded checksum would be a lie, so head reports none.
    await writeFile(join(root, "processed", "x.bin"), "replaced!");
    const head = await store.head("processed/x.bin");
    expect(head?.size).toBe(9);
    expect(head?.sha256).toBeUndefined();
    // Copying it then hashes the real bytes instead of trusting the stale sidecar.
    const copied = await store.copy("processed/x.bin", "curated/x.bin");
    expect(copied.sha256).toBe(createHash("sha256").update("replaced!").digest("hex"));
  });

  it("refuses a key that needs a file to be a folder, or a folder to be a file", async () => {
    await store.put("processed/a", "file");
    await expect(store.put("processed/a/b", "below a file")).rejects.toBeInstanceOf(ConflictError);
    await store.put("processed/d/e", "inside a folder");
    await expect(store.put("processed/d", "over a folder")).rejects.toBeInstanceOf(ConflictError);
    await store.put("raw/d/e", "inside a folder");
    await expect(store.put("raw/d", "over a folder")).rejects.toBeInstanceOf(ConflictError);
    expect(await allKeys()).toEqual(["processed/a", "processed/d/e", "raw/d/e"]);
    expect(await readdir(join(root, ".tmp"))).toEqual([]);
  });

  it("removes folders emptied by a delete, but not the layer folder", async () => {
    await store.put("processed/deep/er/x", "x");
    await store.delete("processed/deep/er/x");
    expect(await readdir(join(root, "processed"))).toEqual([]);
    expect(await readdir(join(root, ".meta", "processed"))).toEqual([]);
  });

  it("lets exactly one of two racing raw writers win", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => store.put("raw/race.txt", `writer ${i}`)),
    );
    const won = results.filter((result) => result.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "raw_immutable" });
    }
    const winner = (won[0] as PromiseFulfilledResult<{ sha256: string }>).value;
    expect((await store.head("raw/race.txt"))?.sha256).toBe(winner.sha256);
  });
});
