import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { LAKE_VERSION, type CatalogObject, type Lake, type Run, type StepOptions } from "@omicslake/core";
import { defaultDuckLakeTarget } from "../consolidation/consolidate-metadata.js";
import { DEFAULT_CURATED_DATASET, SNAPSHOT_OBJECT_NAME } from "../entities/index.js";
import { MetadataFlowError } from "../metadata-flow-error.js";
import {
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  parseManifest,
  type PublishedFile,
  type PublishManifest,
} from "./publish-manifest.js";
import { openPublishTarget, type PublishTarget, type S3Connection } from "./publish-target.js";
import { copyDuckLakeRelative, PUBLISHED_DUCKLAKE_CATALOG } from "./published-ducklake.js";

/** The lake's own published tree, the one `GET /v1/published/…` serves: `<root>/published/`. */
export function defaultPublishDir(lakeRoot: string): string {
  return join(lakeRoot, "published");
}

export interface PublishOptions extends StepOptions {
  /** The lake's local root (its DuckLake catalog lives in `<root>/ducklake/`). */
  readonly lakeRoot: string;
  /** `file:///dir`, a plain path or `s3://bucket/prefix`; default the lake's own `<root>/published/`. */
  readonly to?: string;
  /** How to reach an S3 destination. */
  readonly s3?: S3Connection;
  /** The curated dataset to publish (default `metadata`). */
  readonly curatedName?: string;
  readonly now?: Date;
}

export interface PublishResult {
  readonly destination: string;
  /** Files the new manifest lists. */
  readonly files: number;
  readonly uploaded: number;
  /** Files unchanged since the previous manifest, not sent again. */
  readonly skipped: number;
  readonly bytes_uploaded: number;
  /** Files the previous manifest listed and this one does not, deleted after the new manifest landed. */
  readonly removed: number;
  readonly manifest: PublishManifest;
  readonly run: Run;
}

/** A file to publish: where it goes, what its bytes must be, and how to read them. */
interface PlannedFile extends PublishedFile {
  readonly open: () => Promise<Readable>;
}

/**
 * Publishes the lake's analytical outputs to a destination a static HTTP server (or S3) can serve:
 * `omicslake.duckdb` (the snapshot), `parquet/<entity>.parquet` (the curated files), `ducklake/metadata.duckdb`
 * with its `ducklake/data/…` files (a DuckLake catalog whose data path is relative) and `manifest.json`
 * listing every file with its size and sha256.
 *
 * The order makes it safe to kill at any point: changed files are uploaded first (each verified while it
 * streams), then the manifest replaces the old one atomically, then files only the old manifest listed
 * are deleted. Files the previous manifest lists with the same sha256 are not sent again.
 *
 * @example const result = await publishLake(lake, { lakeRoot: config.root, to: "s3://bucket/omicslake" });
 */
export async function publishLake(lake: Lake, options: PublishOptions): Promise<PublishResult> {
  const destinationUrl = options.to ?? pathToFileURL(defaultPublishDir(options.lakeRoot)).href;
  const target = await openPublishTarget(destinationUrl, options.s3);
  let work: string | undefined;
  try {
    await target.acquire?.();
    work = await mkdtemp(join(tmpdir(), "omicslake-publish-"));
    const workDir = work;
    const { result, run } = await lake.withRun(
      "publish",
      {
        parameters: { destination: target.url, curated: options.curatedName ?? DEFAULT_CURATED_DATASET },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      async (ctx, step) => {
        const previous = await readPreviousManifest(target);
        const ducklake = await duckLakeFiles(options.lakeRoot, workDir, previous);
        const planned = [
          ...(await curatedFiles(lake, options.curatedName ?? DEFAULT_CURATED_DATASET, (o) =>
            ctx.input({ key: o.key, datasetId: o.datasetId, sha256: o.sha256, size: o.size }),
          )),
          ...ducklake.files,
        ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

        const before = new Map(previous?.files.map((f) => [f.path, f]));
        const files = step.stage("files", "files");
        let uploaded = 0;
        let bytesUploaded = 0;
        for (const [index, file] of planned.entries()) {
          step.throwIfAborted();
          files.report(index, planned.length, file.path);
          const old = before.get(file.path);
          if (old && old.sha256 === file.sha256 && old.size === file.size) continue;
          await target.upload(file.path, await file.open(), file);
          uploaded += 1;
          bytesUploaded += file.size;
          ctx.log(`uploaded ${file.path} (${file.size} bytes)`);
        }
        files.report(planned.length, planned.length);

        const listed = new Set(planned.map((f) => f.path));
        const retired = [
          ...new Set([...(previous?.files.map((f) => f.path) ?? []), ...(previous?.retired ?? [])]),
        ].filter((path) => !listed.has(path));
        const manifest: PublishManifest = {
          format: MANIFEST_FORMAT,
          version: 1,
          published_at: (options.now ?? lake.clock()).toISOString(),
          omicslake_version: LAKE_VERSION,
          files: planned.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
          retired,
          ...(ducklake.sourceSha256 ? { ducklake_source_sha256: ducklake.sourceSha256 } : {}),
        };
        step.throwIfAborted();
        await target.writeTextAtomically(MANIFEST_NAME, `${JSON.stringify(manifest, null, 2)}\n`);
        for (const path of retired) await target.remove(path);
        // Deleted: the next manifest need not name them again.
        const final = retired.length > 0 ? { ...manifest, retired: [] } : manifest;
        if (retired.length > 0)
          await target.writeTextAtomically(MANIFEST_NAME, `${JSON.stringify(final, null, 2)}\n`);
        ctx.log(
          `published ${planned.length} files to ${target.url}: ${uploaded} uploaded, ${planned.length - uploaded} unchanged, ${retired.length} removed`,
        );
        return {
          destination: target.url,
          files: planned.length,
          uploaded,
          skipped: planned.length - uploaded,
          bytes_uploaded: bytesUploaded,
          removed: retired.length,
          manifest: final,
        };
      },
    );
    return { ...result, run };
  } finally {
    await target.close();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  }
}

async function readPreviousManifest(target: PublishTarget): Promise<PublishManifest | undefined> {
  const text = await target.readText(MANIFEST_NAME);
  return text === undefined
    ? undefined
    : parseManifest(text, `${target.url.replace(/\/$/, "")}/${MANIFEST_NAME}`);
}

/** The snapshot and the curated Parquet files, read back verified against their catalog sha256. */
async function curatedFiles(
  lake: Lake,
  curatedName: string,
  recordInput: (object: CatalogObject) => void,
): Promise<PlannedFile[]> {
  const curated = await lake.dataset(`curated:${curatedName}`).catch((cause: unknown) => {
    throw new MetadataFlowError(
      "not_consolidated",
      `there is no curated dataset "${curatedName}" to publish`,
      {
        details: { dataset: curatedName },
        hint: 'Run "omicslake consolidate" and "omicslake snapshot" first',
        cause,
      },
    );
  });
  const planned: PlannedFile[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.catalog.listObjects(curated.id, { limit: 500, ...(cursor ? { cursor } : {}) });
    for (const object of page.items) {
      const path =
        object.name === SNAPSHOT_OBJECT_NAME
          ? SNAPSHOT_OBJECT_NAME
          : object.name.endsWith(".parquet")
            ? `parquet/${object.name}`
            : undefined;
      if (path === undefined) continue;
      recordInput(object);
      planned.push({
        path,
        size: object.size,
        sha256: object.sha256,
        open: () => lake.readObject(object),
      });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  if (!planned.some((f) => f.path === SNAPSHOT_OBJECT_NAME)) {
    throw new MetadataFlowError(
      "not_consolidated",
      `curated dataset "${curatedName}" has no ${SNAPSHOT_OBJECT_NAME} yet`,
      {
        details: { dataset: curatedName },
        hint: 'Run "omicslake snapshot" first',
      },
    );
  }
  return planned;
}

/**
 * The DuckLake catalog (a copy with a relative data path) and every data file it names. A copy of an
 * unchanged catalog is a new DuckDB file with other bytes, so the manifest keeps the sha256 of the lake's
 * own catalog file it was made from (`ducklake_source_sha256`): while that is the same, the published
 * copy stands and its entry is carried over.
 */
async function duckLakeFiles(
  lakeRoot: string,
  work: string,
  previous: PublishManifest | undefined,
): Promise<{ files: PlannedFile[]; sourceSha256: string | undefined }> {
  const target = defaultDuckLakeTarget(lakeRoot);
  const source = await hashFile(target.metadataPath).catch(() => undefined);
  if (source === undefined) return { files: [], sourceSha256: undefined };
  const copy = await copyDuckLakeRelative(target.metadataPath, target.dataPath, work);
  if (copy === undefined) return { files: [], sourceSha256: undefined };
  const files: PlannedFile[] = [];
  for (const file of copy.dataFiles)
    files.push(await localFile(`ducklake/data/${file.relative}`, file.local));
  const catalog = await localFile(PUBLISHED_DUCKLAKE_CATALOG, copy.catalogFile);
  const old = previous?.files.find((f) => f.path === PUBLISHED_DUCKLAKE_CATALOG);
  const unchanged = old !== undefined && previous?.ducklake_source_sha256 === source.sha256;
  files.push(unchanged ? { ...old, open: catalog.open } : catalog);
  return { files, sourceSha256: source.sha256 };
}

/** A local file hashed now; `open` re-reads it, and the upload checks the bytes again as they stream. */
async function localFile(path: string, local: string): Promise<PlannedFile> {
  const { sha256, size } = await hashFile(local).catch((cause: unknown) => {
    throw new MetadataFlowError("input_not_found", `cannot read ${local} to publish it as ${path}`, {
      details: { path, file: local },
      hint: 'Run "omicslake fsck" and "omicslake consolidate" again',
      cause,
    });
  });
  return { path, sha256, size, open: async () => createReadStream(local) };
}

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}
