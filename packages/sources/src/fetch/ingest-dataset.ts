import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import type { CatalogObject, Dataset, Run, UpstreamFileRecord } from "@omicslake/core";
import type { DataConfig, SourceConfig } from "@omicslake/core";
import { redactUrl } from "@omicslake/core";
import type { Lake, StepOptions } from "@omicslake/core";
import { parseMd5File } from "../pubmed/pubmed-source-adapter.js";
import { nameFilter } from "../name-filter.js";
import { baseUrlOf, type SourceAdapter, type UpstreamFile } from "../source-adapter.js";
import { sourceAdapterFor } from "../source-adapters.js";
import { UpstreamChecksumError } from "../upstream-error.js";
import { HttpClient, type RetryEvent } from "./http-client.js";
import { discard, downloadResumable, lockPartial } from "./resumable-download.js";
import type { RetryPolicy } from "./retry-policy.js";

/** What to ingest: a raw dataset fed from one source. */
export interface IngestTarget {
  /** The raw dataset's name (the `[data.X]` name). */
  readonly name: string;
  readonly data: DataConfig;
  readonly source: SourceConfig;
  /** The lake's local root: partial downloads live in `<root>/downloads/partial/<dataset>/`. */
  readonly root: string;
}

/**
 * Progress goes to `onProgress` as two stages of the `ingest:<kind>` step: `files` (files finished,
 * fetched or skipped, of those listed) and `download` (bytes downloaded in this run, over all files).
 * Aborting `signal` stops the download in flight (its partial file is kept for the next run to resume)
 * and starts no other; nothing half-downloaded ever reaches raw.
 */
export interface IngestOptions extends StepOptions {
  /** A request failed and will be tried again after `delayMs`. */
  readonly onRetry?: (event: RetryEvent) => void;
  /** The fetch to use; the global one by default. */
  readonly fetch?: typeof fetch;
  /** Inactivity timeout per request (no headers or no body bytes for this long); default 60 s or the source option `timeout_ms`. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Files downloaded at once (default 2, or the source option `concurrency`); requests still obey the rate limit. */
  readonly concurrency?: number;
  /** Re-download files that have no validators upstream (acc.cgi) and keep a new version when the bytes differ. */
  readonly refresh?: boolean;
  /** Use this adapter instead of the one for `source.kind`. */
  readonly adapter?: SourceAdapter;
  /** Jitter and sleep, pinned by tests. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Why a file was not stored again: the listing's validators match the recorded version; the server
 * answered 304; the file has no validators and was fetched before; or it was downloaded again (it
 * changed by its validators) but the bytes turned out identical, so only the validators were recorded.
 */
export type SkipReason = "listing-unchanged" | "not-modified" | "fetched-before" | "same-content";

export interface FetchedFile {
  readonly url: string;
  readonly name: string;
  readonly partition: Readonly<Record<string, string>>;
  readonly object: CatalogObject;
  /** True when an earlier version of this URL was in the lake (the object then has a `versions/…` name). */
  readonly changed: boolean;
  /** Bytes reused from an interrupted download. */
  readonly resumedBytes: number;
  readonly rangeRequests: number;
}

export interface SkippedFile {
  readonly url: string;
  readonly name: string;
  readonly reason: SkipReason;
  /** The raw object holding the current version. */
  readonly objectKey: string;
}

export interface IngestResult {
  readonly dataset: Dataset;
  readonly run: Run;
  readonly fetched: readonly FetchedFile[];
  readonly skipped: readonly SkippedFile[];
}

/**
 * Fetches what a dataset needs from its source into raw, as one `ingest:<kind>` run with a
 * `collection` provenance edge. Each file is downloaded resumably next to the lake (never into raw),
 * checked (length, MD5 when upstream publishes one), then added to raw in one atomic store write and
 * recorded in `upstream_files`. A file already in the lake is skipped when upstream shows it unchanged;
 * a changed one is stored as a new object `versions/<YYYYMMDDTHHMMSSZ>/<name>` (the upstream's
 * Last-Modified, else the fetch time), so raw is never overwritten and every version stays readable.
 * The first error that survives retries fails the run; files finished before it stay recorded, and a
 * rerun resumes the rest.
 *
 * @example
 * const { fetched, skipped } = await ingestDataset(lake, { name: "sra", data, source, root: config.root });
 */
export async function ingestDataset(
  lake: Lake,
  target: IngestTarget,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const { source, data } = target;
  const adapter = options.adapter ?? sourceAdapterFor(source.kind);
  const sourceOption = (key: string): number | undefined => {
    const value = data.options?.[key] ?? source.options?.[key];
    return typeof value === "number" && value > 0 ? value : undefined;
  };
  const http = new HttpClient({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    requestsPerSecond: source.requests_per_second ?? adapter.defaultRequestsPerSecond(source),
    timeoutMs: options.timeoutMs ?? sourceOption("timeout_ms") ?? 60_000,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Only recorded (dataset metadata, run parameters, provenance), never fetched: a token in it stays out.
  const baseUrl = redactUrl(baseUrlOf(source, adapter.defaultUrl));
  const dataset = await lake.ensureDataset({
    name: target.name,
    layer: "raw",
    source: source.kind,
    ...(data.accessions?.length === 1 ? { externalId: data.accessions[0]! } : {}),
    ...(data.description !== undefined ? { description: data.description } : {}),
    ...(data.tags !== undefined ? { tags: data.tags } : {}),
    metadata: { source: source.kind, upstream: baseUrl },
  });
  const records = lake.catalog.upstreamFiles;
  const partialDir = join(target.root, "downloads", "partial", dataset.name);
  const keep = nameFilter(data.include, data.exclude);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? sourceOption("concurrency") ?? 2));
  const fetched: FetchedFile[] = [];
  const skipped: SkippedFile[] = [];

  const { run } = await lake.withRun(
    `ingest:${source.kind}`,
    {
      parameters: {
        dataset: dataset.name,
        source: source.kind,
        url: baseUrl,
        ...(data.accessions ? { accessions: data.accessions } : {}),
      },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    async (ctx, step) => {
      const files: UpstreamFile[] = [];
      const urls = new Set<string>();
      for await (const file of adapter.list({ source, data, http })) {
        if (!keep(file.name) || urls.has(file.url)) continue;
        urls.add(file.url);
        files.push(file);
      }
      // One query for what the lake holds instead of one per file: a GEO month can list thousands.
      const known = new Map((await records.current(dataset.id)).map((record) => [record.url, record]));
      ctx.log(`listed ${files.length} files from ${baseUrl}`);
      const filesDone = step.stage("files", "files");
      const download = step.stage("download", "bytes");
      // Per file, the most bytes seen: a restarted download counts again only past that mark, so
      // the total only grows.
      const bytesSeen = new Map<string, number>();
      let bytesDone = 0;
      let finished = 0;
      filesDone.report(0, files.length);
      const fileFinished = (file: UpstreamFile): void =>
        filesDone.report(++finished, files.length, file.name);

      const skip = (file: UpstreamFile, reason: SkipReason, objectKey: string): void => {
        skipped.push({ url: file.url, name: file.name, reason, objectKey });
        ctx.log(`skipped ${file.name}: ${reason}`);
        fileFinished(file);
      };

      const ingestOne = async (file: UpstreamFile): Promise<void> => {
        // A file is the unit: the cancel is seen before one starts, and one in flight is cut by the
        // HTTP client, its partial download kept outside raw.
        step.throwIfAborted();
        const previous = known.get(file.url);
        if (previous && !options.refresh) {
          if (listingMatches(file, previous)) return skip(file, "listing-unchanged", previous.objectKey);
          if (file.immutable && previous.etag === null && previous.lastModified === null)
            return skip(file, "fetched-before", previous.objectKey);
        }
        const partialPath = join(
          partialDir,
          `${createHash("sha256").update(file.url).digest("hex").slice(0, 16)}-${lastSegment(file.name)}`,
        );
        // Held until the partial is published or abandoned, so a concurrent ingest never shares it.
        const unlock = await lockPartial(partialPath, file.url);
        try {
          await fetchOne(file, previous, partialPath);
        } finally {
          await unlock();
        }
      };

      const fetchOne = async (
        file: UpstreamFile,
        previous: UpstreamFileRecord | undefined,
        partialPath: string,
      ): Promise<void> => {
        // A listing that already shows a change makes a conditional request pointless.
        const conditional =
          previous && !listingDiffers(file, previous)
            ? { etag: previous.etag, lastModified: previous.lastModified }
            : undefined;
        const checkMd5 = file.md5 !== undefined || file.md5Url !== undefined;
        const outcome = await downloadResumable(http, {
          url: file.url,
          partialPath,
          md5: checkMd5,
          ...(conditional ? { previous: conditional } : {}),
          onBytes: (bytes) => {
            const seen = bytesSeen.get(file.url) ?? 0;
            if (bytes <= seen) return;
            bytesSeen.set(file.url, bytes);
            bytesDone += bytes - seen;
            download.report(bytesDone, undefined, file.name);
          },
        });
        if (outcome.kind === "not-modified") return skip(file, "not-modified", previous!.objectKey);

        const digests = outcome.digests ?? (await hashFile(outcome.path, checkMd5));
        const expectedMd5 =
          file.md5 ?? (file.md5Url ? parseMd5File(await http.getText(file.md5Url), file.md5Url) : undefined);
        if (expectedMd5 !== undefined && expectedMd5.toLowerCase() !== digests.md5) {
          await discard(outcome.path);
          throw new UpstreamChecksumError(
            file.name,
            redactUrl(file.url),
            expectedMd5.toLowerCase(),
            digests.md5 ?? "(not computed)",
          );
        }
        const record = {
          datasetId: dataset.id,
          url: file.url,
          name: file.name,
          partition: file.partition ?? {},
          etag: outcome.etag,
          lastModified: outcome.lastModified,
          size: outcome.size,
          sha256: digests.sha256,
          md5: digests.md5 ?? null,
          runId: ctx.id,
        };
        if (previous && previous.sha256 === digests.sha256) {
          // New validators, same bytes: record them so the next ingest's conditional request matches.
          await records.add({ ...record, objectKey: previous.objectKey });
          await discard(outcome.path);
          return skip(file, "same-content", previous.objectKey);
        }

        const object = await storeObject(
          lake,
          dataset,
          file.name,
          previous !== undefined,
          outcome.lastModified,
          outcome.path,
          digests.sha256,
        );
        await records.add({ ...record, objectKey: object.key });
        await discard(outcome.path);
        fetched.push({
          url: file.url,
          name: file.name,
          partition: file.partition ?? {},
          object,
          changed: previous !== undefined,
          resumedBytes: outcome.resumedBytes,
          rangeRequests: outcome.rangeRequests,
        });
        ctx.input({ url: file.url, name: file.name, size: object.size, sha256: object.sha256 });
        ctx.output({
          key: object.key,
          datasetId: dataset.id,
          name: object.name,
          sha256: object.sha256,
          size: object.size,
        });
        ctx.log(
          `fetched ${file.name} → ${object.key} (${object.size} bytes${outcome.resumedBytes > 0 ? `, ${outcome.resumedBytes} resumed` : ""})`,
        );
        fileFinished(file);
      };

      await runPool(files, concurrency, ingestOne);
      ctx.log(`fetched ${fetched.length}, skipped ${skipped.length} of ${files.length} files`);
      if (fetched.length > 0) {
        await lake.catalog.addProvenance({
          outputDatasetId: dataset.id,
          inputDatasetId: null,
          action: "collection",
          runId: ctx.id,
          parameters: { source: source.kind, url: baseUrl, files: fetched.length },
        });
      }
    },
  );
  return { dataset: await lake.catalog.getDataset(dataset.id), run, fetched, skipped };
}

/** True when the listing carries validators and every one it carries equals the recorded version's. */
function listingMatches(file: UpstreamFile, previous: UpstreamFileRecord): boolean {
  if (file.etag === undefined && file.lastModified === undefined) return false;
  if (file.etag !== undefined && file.etag !== previous.etag) return false;
  if (file.lastModified !== undefined && file.lastModified.getTime() !== previous.lastModified?.getTime())
    return false;
  if (file.size !== undefined && file.size !== previous.size) return false;
  return true;
}

/** True when something the listing shows proves the upstream file is not the recorded version. */
function listingDiffers(file: UpstreamFile, previous: UpstreamFileRecord): boolean {
  return (
    (file.size !== undefined && file.size !== previous.size) ||
    (file.etag !== undefined && previous.etag !== null && file.etag !== previous.etag) ||
    (file.lastModified !== undefined &&
      previous.lastModified !== null &&
      file.lastModified.getTime() !== previous.lastModified.getTime())
  );
}

/**
 * Adds the complete download to raw. The first version takes the adapter's name; later versions go to
 * `versions/<stamp>/<name>`. An object already at the chosen key with the same bytes is adopted: the
 * previous ingest stored it but died before recording it.
 */
async function storeObject(
  lake: Lake,
  dataset: Dataset,
  name: string,
  hasPrevious: boolean,
  lastModified: Date | null,
  path: string,
  sha256: string,
): Promise<CatalogObject> {
  const candidates = hasPrevious ? [] : [name];
  if (lastModified) candidates.push(`versions/${stamp(lastModified, false)}/${name}`);
  candidates.push(`versions/${stamp(new Date(), true)}/${name}`);
  for (const candidate of candidates) {
    const existing = await lake.catalog.findObjectByKey(lake.objectKey(dataset, candidate));
    if (existing) {
      if (existing.sha256 === sha256) return existing;
      continue;
    }
    return lake.addObject(dataset, { name: candidate, file: path, expectedSha256: sha256 });
  }
  throw new Error(`no free object name for ${name} in ${dataset.name}: every candidate holds other bytes`);
}

/** `20251121T050102Z`, with milliseconds when two fetches could land in the same second. */
function stamp(date: Date, withMillis: boolean): string {
  const iso = date.toISOString().replace(/[-:]/g, "");
  return withMillis ? iso.replace(/\.(\d{3})Z$/, "$1Z") : iso.replace(/\.\d{3}Z$/, "Z");
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

async function hashFile(
  path: string,
  withMd5: boolean,
): Promise<{ sha256: string; md5: string | undefined }> {
  const sha256 = createHash("sha256");
  const md5 = withMd5 ? createHash("md5") : undefined;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    md5?.update(chunk);
  }
  return { sha256: sha256.digest("hex"), md5: md5?.digest("hex") };
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure stops new work and is rethrown. */
async function runPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
