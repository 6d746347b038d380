import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe } from "vitest";
import type { ObjectStore } from "../object-store/object-store.js";
import { openObjectStore, type StoreTuning } from "../object-store/open-object-store.js";
import { S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver, type S3rverHandle } from "./s3rver-harness.js";

export type StoreKind = "fs" | "s3";

/** What a store test gets: the store, and ways to reach behind its back. */
export interface StoreFixture {
  readonly kind: StoreKind;
  readonly store: ObjectStore;
  /** Opens another store on the same place (for example with a smaller part size). */
  reopen(tuning: StoreTuning): Promise<ObjectStore>;
  /** Replaces an object's bytes without going through the store (its recorded sha256 stays). */
  corrupt(key: string, bytes: Uint8Array): Promise<void>;
  /** Leftovers of unfinished writes the store should have cleaned up (fs temp files; nothing to see on s3rver). */
  leftovers(): Promise<string[]>;
}

/**
 * Runs one test body against every store: the filesystem in a fresh temp dir per test, and S3 on a
 * local s3rver (one server per test file, a fresh prefix per test). `OMICSLAKE_TEST_STORES=fs` (or `s3`)
 * narrows the set.
 *
 * @example
 * forEachStore((fixture) => { it("round-trips", async () => { await fixture().store.put(...) }) });
 */
export function forEachStore(body: (fixture: () => StoreFixture) => void): void {
  const wanted = (process.env.OMICSLAKE_TEST_STORES ?? "fs,s3").split(",").map((kind) => kind.trim());
  for (const kind of ["fs", "s3"] as const) {
    if (!wanted.includes(kind)) continue;
    describe(`${kind} store`, () => {
      let current: StoreFixture | undefined;
      const opened: ObjectStore[] = [];
      const setup = kind === "fs" ? fsSetup(opened) : s3Setup(opened);
      beforeAll(() => setup.beforeAll());
      afterAll(() => setup.afterAll());
      beforeEach(async () => {
        current = await setup.create();
      });
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((store) => store.close()));
        await setup.destroy();
        current = undefined;
      });
      body(() => {
        if (current === undefined) throw new Error("store fixture used outside a test");
        return current;
      });
    });
  }
}

interface Setup {
  beforeAll(): Promise<void>;
  afterAll(): Promise<void>;
  create(): Promise<StoreFixture>;
  destroy(): Promise<void>;
}

function fsSetup(opened: ObjectStore[]): Setup {
  let root: string | undefined;
  return {
    beforeAll: () => Promise.resolve(),
    afterAll: () => Promise.resolve(),
    async create() {
      const dir = await mkdtemp(join(tmpdir(), "omicslake-fs-store-"));
      root = dir;
      const open = async (tuning: StoreTuning): Promise<ObjectStore> => {
        const store = await openObjectStore({ url: dir }, tuning);
        opened.push(store);
        return store;
      };
      return {
        kind: "fs",
        store: await open({}),
        reopen: open,
        async corrupt(key, bytes) {
          const path = join(dir, ...key.split("/"));
          await chmod(path, 0o644);
          await writeFile(path, bytes);
        },
        async leftovers() {
          const entries = await readdir(join(dir, ".tmp")).catch(() => []);
          return entries.map((name) => `.tmp/${name}`);
        },
      };
    },
    async destroy() {
      if (root !== undefined) await rm(root, { recursive: true, force: true });
      root = undefined;
    },
  };
}

let prefixCounter = 0;

function s3Setup(opened: ObjectStore[]): Setup {
  let server: S3rverHandle | undefined;
  let raw: S3Client | undefined;
  return {
    async beforeAll() {
      server = await startS3rver();
      raw = new S3Client({
        endpoint: server.endpoint,
        region: S3RVER_REGION,
        credentials: S3RVER_CREDENTIALS,
        forcePathStyle: true,
      });
    },
    async afterAll() {
      raw?.destroy();
      await server?.close();
    },
    async create() {
      if (server === undefined || raw === undefined) throw new Error("s3rver did not start");
      const { endpoint, bucket } = server;
      const client = raw;
      const prefix = `test-${process.pid}-${++prefixCounter}`;
      const open = async (tuning: StoreTuning): Promise<ObjectStore> => {
        const store = await openObjectStore(
          {
            url: `s3://${bucket}/${prefix}`,
            endpoint,
            region: S3RVER_REGION,
            ...S3RVER_CREDENTIALS,
            forcePathStyle: true,
          },
          tuning,
        );
        opened.push(store);
        return store;
      };
      return {
        kind: "s3" as const,
        store: await open({}),
        reopen: open,
        async corrupt(key, bytes) {
          const Key = `${prefix}/${key}`;
          const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key,
              Body: bytes,
              Metadata: head.Metadata,
              ContentType: head.ContentType,
            }),
          );
        },
        leftovers() {
          // s3rver implements no AbortMultipartUpload, so its upload folders stay whatever the store
          // does; the abort itself is checked against a scripted client in s3-object-store.test.ts.
          return Promise.resolve([]);
        },
      };
    },
    destroy: () => Promise.resolve(),
  };
}

/** A deterministic pseudo-random byte stream of `size` bytes, generated chunk by chunk (never held whole). */
export async function* generatedBytes(size: number, seed = 1, chunkSize = 64 * 1024): AsyncGenerator<Buffer> {
  let state = seed >>> 0 || 1;
  for (let offset = 0; offset < size; offset += chunkSize) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, size - offset));
    for (let i = 0; i + 4 <= chunk.length; i += 4) {
      // xorshift32: fast, seeded, and different for every 4 bytes, so a shifted or dropped chunk changes the hash.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk.writeUInt32LE(state >>> 0, i);
    }
    for (let i = chunk.length - (chunk.length % 4); i < chunk.length; i++) chunk[i] = i & 0xff;
    yield chunk;
  }
}
