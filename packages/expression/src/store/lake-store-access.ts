import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createHash } from "node:crypto";
import type { CatalogObject, Dataset, Lake } from "@omicslake/core";
import { OmicslakeError } from "@omicslake/core";
import type { StoreBuild } from "../engine/expression-engine.js";
import type { StoreAccess } from "./store-access.js";
import {
  storeDatasetName,
  type StoreFileEntry,
  type StoreFileRole,
  type StoreManifest,
} from "./store-layout.js";
import { parseStoreManifest, readStorePointer, type StorePointer } from "./store-manifest-reader.js";

/** The run step whose running run means "the first build is under way" (see buildExpressionStore). */
const BUILD_STEP = "expr-build";

export interface LakeStoreAccessOptions {
  /**
   * Where verified copies of build files are kept: `<cacheDir>/<dataset>/b<build>/<file>`. The CLI and
   * server pass `<lake root>/.cache/expression`.
   */
  readonly cacheDir: string;
}

/** The cache folder the CLI and server use: `<lake root>/.cache/expression`. */
export function defaultExpressionCacheDir(lakeRoot: string): string {
  return join(lakeRoot, ".cache", "expression");
}

/** A cached file that was hashed in this process, and the size and mtime it had then. */
interface VerifiedFile {
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * StoreAccess over the lake: `store.json` read through the lake's verifying reader, each build file copied
 * once into a local cache through the same reader (a temp name, renamed only once the stream ended without an
 * integrity error), so engines read local files whose bytes are the catalog's. Callers in one process share
 * one copy; two processes racing each write their own temp file and the renames agree.
 *
 * @example
 * const access = new LakeStoreAccess(lake, { cacheDir: join(root, ".cache", "expression") });
 * const build = await access.current("pbmc"); // build.files.genes is a local path
 */
export class LakeStoreAccess implements StoreAccess {
  readonly #lake: Lake;
  readonly #cacheDir: string;
  /** Copies in flight or done, by local path: concurrent callers wait on one fetch. */
  readonly #fetching = new Map<string, Promise<string>>();
  /** The last pointer read per dataset, by its sha256: an unchanged store.json is not read again. */
  readonly #pointers = new Map<string, { sha256: string; pointer: StorePointer }>();
  /** Files hashed in this process; a later call only checks that size and mtime did not change. */
  readonly #verified = new Map<string, VerifiedFile>();

  constructor(lake: Lake, options: LakeStoreAccessOptions) {
    this.#lake = lake;
    this.#cacheDir = options.cacheDir;
  }

  async current(dataset: string, signal?: AbortSignal): Promise<StoreBuild> {
    // A newer build may remove the files of the one read a moment ago (it keeps only the previous one):
    // read the pointer again once before giving up.
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const { store, manifest } = await this.#published(dataset);
      try {
        return { manifest, files: await this.#localFiles(store, manifest, signal) };
      } catch (error) {
        if (attempt > 0 || !(error instanceof StaleBuildError))
          throw error instanceof StaleBuildError ? error.toUserError() : error;
      }
    }
  }

  async list(): Promise<StoreManifest[]> {
    const manifests: StoreManifest[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#lake.catalog.listDatasets({
        layer: "curated",
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      for (const store of page.items) {
        if (!store.name.endsWith(".expression")) continue;
        const pointer = await readStorePointer(this.#lake, store);
        if (pointer === undefined) continue;
        const name = store.name.slice(0, -".expression".length);
        try {
          manifests.push(parseStoreManifest(pointer, name));
        } catch {
          // A store of another layout is not listed as queryable; current() names the problem.
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return manifests.sort((a, b) => a.dataset.localeCompare(b.dataset));
  }

  async prune(): Promise<void> {
    let datasets: string[];
    try {
      datasets = await readdir(this.#cacheDir);
    } catch {
      return;
    }
    for (const dataset of datasets) {
      const store = await this.#lake.catalog.findDataset(storeDatasetName(dataset), "curated");
      const pointer = store ? await readStorePointer(this.#lake, store).catch(() => undefined) : undefined;
      // The build before the current one stays, as its objects stay in the lake: queries that started on it
      // may still be reading these files.
      const keep = pointer === undefined ? [] : [`b${pointer.build}`, `b${pointer.build - 1}`];
      const dir = join(this.#cacheDir, dataset);
      for (const entry of await readdir(dir).catch(() => [] as string[])) {
        if (keep.includes(entry)) continue;
        const path = join(dir, entry);
        if (this.#inFlight(path)) continue;
        await rm(path, { recursive: true, force: true });
        for (const key of [...this.#verified.keys()])
          if (key.startsWith(`${path}/`)) this.#verified.delete(key);
        for (const key of [...this.#fetching.keys()])
          if (key.startsWith(`${path}/`)) this.#fetching.delete(key);
      }
    }
  }

  #inFlight(dir: string): boolean {
    return [...this.#fetching.keys()].some((key) => key.startsWith(`${dir}/`) && !this.#verified.has(key));
  }

  /** The store dataset and its published manifest, or the error that says why there is none. */
  async #published(dataset: string): Promise<{ store: Dataset; manifest: StoreManifest }> {
    const store = await this.#lake.catalog.findDataset(storeDatasetName(dataset), "curated");
    const pointer =
      store === undefined
        ? undefined
        : await readStorePointer(this.#lake, store, this.#pointers.get(dataset));
    if (store !== undefined && pointer !== undefined) {
      this.#pointers.set(dataset, { sha256: pointer.sha256, pointer });
      return { store, manifest: parseStoreManifest(pointer, dataset) };
    }
    const building = await this.#runningBuild(dataset);
    if (building !== undefined) {
      throw new OmicslakeError(
        "expression_building",
        `the expression store of "${dataset}" is being built (run ${building.id})`,
        {
          details: {
            dataset,
            runId: building.id,
            ...(building.progress ? { progress: building.progress } : {}),
          },
          hint: `Try again when run ${building.id} has finished ("omicslake runs show ${building.id}")`,
        },
      );
    }
    const processed = await this.#lake.catalog.findDataset(dataset, "processed");
    if (processed === undefined && store === undefined) {
      throw new OmicslakeError("unknown_dataset", `there is no expression dataset "${dataset}"`, {
        details: { dataset },
        hint: 'List expression datasets with "omicslake expr ls", or convert and build one: omicslake expr build NAME',
      });
    }
    throw new OmicslakeError(
      "expression_not_built",
      `the expression store of "${dataset}" has not been built`,
      {
        details: { dataset },
        hint: `Build it: omicslake expr build ${dataset}`,
      },
    );
  }

  async #runningBuild(dataset: string): Promise<{ id: number; progress: unknown } | undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.#lake.catalog.listRuns({
        step: BUILD_STEP,
        status: "running",
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      const run = page.items.find((r) => r.parameters["dataset"] === dataset);
      if (run !== undefined) return { id: run.id, progress: run.progress };
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return undefined;
  }

  async #localFiles(
    store: Dataset,
    manifest: StoreManifest,
    signal?: AbortSignal,
  ): Promise<StoreBuild["files"]> {
    const files: { [K in StoreFileRole]?: string } = {};
    const dir = join(this.#cacheDir, manifest.dataset, `b${manifest.build}`);
    const entries = Object.entries(manifest.files) as [StoreFileRole, StoreFileEntry][];
    const paths = await Promise.all(entries.map(([, entry]) => this.#cached(store, dir, entry, signal)));
    entries.forEach(([role], i) => (files[role] = paths[i]!));
    return files;
  }

  /** The verified local copy of one file, fetched once however many callers ask at the same time. */
  #cached(store: Dataset, dir: string, entry: StoreFileEntry, signal?: AbortSignal): Promise<string> {
    const path = join(dir, entry.name.split("/").pop()!);
    const pending = this.#fetching.get(path);
    if (pending !== undefined)
      return pending.then(async (p) =>
        (await this.#stillVerified(p)) ? p : this.#refetch(store, path, entry, signal),
      );
    const started = this.#ensure(store, path, entry, signal);
    this.#fetching.set(path, started);
    started.catch(() => this.#fetching.delete(path));
    return started;
  }

  #refetch(store: Dataset, path: string, entry: StoreFileEntry, signal?: AbortSignal): Promise<string> {
    this.#fetching.delete(path);
    this.#verified.delete(path);
    return this.#cached(store, join(path, ".."), entry, signal);
  }

  async #stillVerified(path: string): Promise<boolean> {
    const known = this.#verified.get(path);
    if (known === undefined) return false;
    const now = await stat(path).catch(() => undefined);
    return now !== undefined && now.size === known.size && now.mtimeMs === known.mtimeMs;
  }

  async #ensure(store: Dataset, path: string, entry: StoreFileEntry, signal?: AbortSignal): Promise<string> {
    // A copy from an earlier process is used only once its bytes hash to the manifest's sha256.
    const existing = await stat(path).catch(() => undefined);
    if (existing !== undefined) {
      if (existing.size === entry.size && (await sha256Of(path)) === entry.sha256) {
        this.#verified.set(path, { size: existing.size, mtimeMs: existing.mtimeMs });
        return path;
      }
      await rm(path, { force: true });
    }
    const object = await this.#lake.catalog.findObjectByKey(this.#lake.objectKey(store, entry.name));
    if (object === undefined) throw new StaleBuildError(store, entry);
    if (object.sha256 !== entry.sha256 || object.size !== entry.size) {
      throw new OmicslakeError(
        "integrity_error",
        `${object.key} is recorded with sha256 ${object.sha256}, but store.json names ${entry.sha256}`,
        {
          details: { key: object.key, sha256: object.sha256, expected: entry.sha256 },
          hint: "Build the store again",
        },
      );
    }
    await mkdir(join(path, ".."), { recursive: true });
    const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
    try {
      await this.#copy(object, temp, signal);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const done = await stat(path);
    this.#verified.set(path, { size: done.size, mtimeMs: done.mtimeMs });
    return path;
  }

  async #copy(object: CatalogObject, temp: string, signal?: AbortSignal): Promise<void> {
    const hash = createHash("sha256");
    const source = await this.#lake.readObject(object);
    source.on("data", (chunk: Buffer) => hash.update(chunk));
    await pipeline(source, createWriteStream(temp, { flags: "wx" }), signal ? { signal } : {});
    // The store verifies too; this check also covers a store that cannot (and costs one pass over bytes in memory).
    const sha256 = hash.digest("hex");
    if (sha256 !== object.sha256) {
      throw new OmicslakeError(
        "integrity_error",
        `${object.key} read as sha256 ${sha256}, expected ${object.sha256}`,
        {
          details: { key: object.key, sha256, expected: object.sha256 },
          hint: 'Run "omicslake fsck" to find the damaged object, then build the store again',
        },
      );
    }
  }
}

/** A file named by the pointer that the lake no longer holds: a newer build removed it meanwhile. */
class StaleBuildError extends Error {
  constructor(
    readonly store: Dataset,
    readonly entry: StoreFileEntry,
  ) {
    super(`${store.name}/${entry.name} is gone`);
  }

  toUserError(): OmicslakeError {
    return new OmicslakeError(
      "integrity_error",
      `store.json of ${this.store.name} names ${this.entry.name}, which the lake does not hold`,
      {
        details: { dataset: this.store.name, object: this.entry.name },
        hint: "Build the store again",
      },
    );
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
