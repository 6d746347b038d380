import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OmicslakeError } from "@omicslake/core";
import { isPidAlive, redactUrl } from "@omicslake/core";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "@omicslake/core";
import { contentLength, RetryableFailure, statusFailure, type HttpClient } from "./http-client.js";

export interface DownloadRequest {
  readonly url: string;
  /** Where the bytes accumulate until the file is complete; `<path>.json` holds what a resume must check. */
  readonly partialPath: string;
  /** Validators of the version already in the lake: sent as If-None-Match / If-Modified-Since. */
  readonly previous?: { readonly etag: string | null; readonly lastModified: Date | null };
  readonly onBytes?: (bytes: number, totalBytes: number | undefined) => void;
  /** Also compute the MD5 while streaming (only worth it when upstream publishes one to check). */
  readonly md5?: boolean;
}

export type DownloadOutcome =
  | { readonly kind: "not-modified" }
  | {
      readonly kind: "complete";
      readonly path: string;
      readonly size: number;
      readonly etag: string | null;
      readonly lastModified: Date | null;
      /** Bytes the successful attempt kept from an earlier, interrupted attempt or ingest instead of fetching them. */
      readonly resumedBytes: number;
      /** How many attempts asked for a byte range. */
      readonly rangeRequests: number;
      /** Hex digests of the file, when every byte came through one attempt (otherwise hash the file). */
      readonly digests?: { readonly sha256: string; readonly md5: string | undefined };
    };

/** What a partial download was started from; a resume continues only if the upstream still serves this. */
interface PartialMeta {
  readonly url: string;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly total: number | null;
}

/**
 * Downloads `url` to `partialPath`, continuing whatever an earlier attempt left there. A resume asks
 * for `Range: bytes=<have>-` with `If-Range` (the ETag or Last-Modified the partial was started
 * from), and appends only when the answer is `206` with a `Content-Range` starting exactly at the
 * bytes we have; any other answer starts over, so a file that changed upstream is never spliced. A body
 * shorter than announced is a retryable failure that the next attempt resumes. Nothing is published here:
 * the caller moves the complete file into the lake.
 */
export async function downloadResumable(
  http: HttpClient,
  request: DownloadRequest,
): Promise<DownloadOutcome> {
  const { url, partialPath } = request;
  const metaPath = `${partialPath}.json`;
  // Messages may reach logs, run records and the API: they show the URL without its API key.
  const shown = redactUrl(url);
  await mkdir(dirname(partialPath), { recursive: true, mode: PRIVATE_DIR_MODE });
  let rangeRequests = 0;
  return http.retrying(url, async () => {
    let have = await sizeOf(partialPath);
    const meta = await readMeta(metaPath, url);
    const validator = meta ? ifRangeValidator(meta) : undefined;
    if (have > 0 && validator === undefined) {
      // Without a validator a resume could splice two versions of the file together.
      await discard(partialPath, metaPath);
      have = 0;
    }

    const headers: Record<string, string> = {};
    if (request.previous?.etag) headers["if-none-match"] = request.previous.etag;
    if (request.previous?.lastModified)
      headers["if-modified-since"] = request.previous.lastModified.toUTCString();
    if (have > 0 && validator !== undefined) {
      headers["range"] = `bytes=${have}-`;
      headers["if-range"] = validator;
      rangeRequests++;
    }

    const { response, body, close } = await http.open(url, headers);
    let append: boolean;
    let total: number | undefined;
    let current: PartialMeta;
    switch (response.status) {
      case 304:
        await close();
        if (!request.previous) throw statusFailure(url, response);
        await discard(partialPath, metaPath);
        return { kind: "not-modified" } as const;
      case 206: {
        const range = parseContentRange(response.headers.get("content-range"));
        if (!meta || have === 0 || !range || range.start !== have) {
          await close();
          await discard(partialPath, metaPath);
          throw new RetryableFailure(
            `GET ${shown}: range answer ${response.headers.get("content-range") ?? "(no Content-Range)"} does not continue the ${have} bytes held; starting over`,
          );
        }
        append = true;
        total = range.total ?? meta.total ?? undefined;
        current = meta;
        break;
      }
      case 416: {
        await close();
        const range = parseContentRange(response.headers.get("content-range"));
        if (meta && range?.total !== undefined && range.total === have) {
          // The previous attempt got every byte but died before it could say so.
          return complete(partialPath, have, meta, have, rangeRequests);
        }
        await discard(partialPath, metaPath);
        throw new RetryableFailure(
          `GET ${shown}: range not satisfiable for ${have} bytes held; starting over`,
        );
      }
      case 200:
        append = false;
        total = contentLength(response);
        current = {
          url,
          etag: response.headers.get("etag"),
          lastModified: response.headers.get("last-modified"),
          total: total ?? null,
        };
        await writeFile(metaPath, JSON.stringify(current), { mode: PRIVATE_FILE_MODE });
        have = 0;
        break;
      default:
        await close();
        throw statusFailure(url, response);
    }
    const resumedBytes = have;
    // A download that starts from byte 0 is hashed as it streams, saving a second read of a file
    // that may be tens of GB; a resumed one is hashed from disk by the caller (hash state cannot be saved).
    const hashes =
      have === 0
        ? { sha256: createHash("sha256"), md5: request.md5 ? createHash("md5") : undefined }
        : undefined;

    let written = have;
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of body) {
          written += chunk.length;
          hashes?.sha256.update(chunk);
          hashes?.md5?.update(chunk);
          request.onBytes?.(written, total);
          yield chunk;
        }
      })(),
    );
    await pipeline(
      counted,
      createWriteStream(partialPath, { flags: append ? "a" : "w", mode: PRIVATE_FILE_MODE }),
    );

    const size = await sizeOf(partialPath);
    if (total !== undefined && size < total) {
      throw new RetryableFailure(`GET ${shown}: body ended after ${size} of ${total} bytes; resuming`);
    }
    if (total !== undefined && size > total) {
      await discard(partialPath, metaPath);
      throw new RetryableFailure(
        `GET ${shown}: got ${size} bytes, more than the ${total} announced; starting over`,
      );
    }
    const digests =
      hashes && size === written
        ? { sha256: hashes.sha256.digest("hex"), md5: hashes.md5?.digest("hex") }
        : undefined;
    return complete(partialPath, size, current, resumedBytes, rangeRequests, digests);
  });
}

/**
 * Claims a partial download for this process with an exclusive `<partial>.lock` holding the pid, so two
 * ingests of one dataset never append to the same file. A lock left by a process that is gone (killed
 * mid-download) is taken over, so a crash never blocks the rerun.
 */
export async function lockPartial(partialPath: string, url: string): Promise<() => Promise<void>> {
  const lockPath = `${partialPath}.lock`;
  await mkdir(dirname(partialPath), { recursive: true, mode: PRIVATE_DIR_MODE });
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(lockPath, "wx", PRIVATE_FILE_MODE);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || tries > 0) throw error;
      const pid = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && isPidAlive(pid)) {
        throw new OmicslakeError(
          "download_in_progress",
          `${redactUrl(url)} is being downloaded by process ${pid}`,
          {
            details: { url: redactUrl(url), partialPath, pid },
            hint: "Wait for the other ingest of this dataset to finish, or stop it first",
          },
        );
      }
      await rm(lockPath, { force: true });
    }
  }
}

/** Removes a partial download and its sidecar. */
export async function discard(partialPath: string, metaPath = `${partialPath}.json`): Promise<void> {
  await rm(partialPath, { force: true });
  await rm(metaPath, { force: true });
}

function complete(
  path: string,
  size: number,
  meta: PartialMeta,
  resumedBytes: number,
  rangeRequests: number,
  digests?: { sha256: string; md5: string | undefined },
): DownloadOutcome {
  const lastModified = meta.lastModified ? new Date(meta.lastModified) : null;
  return {
    kind: "complete",
    path,
    size,
    etag: meta.etag,
    lastModified: lastModified && !Number.isNaN(lastModified.getTime()) ? lastModified : null,
    resumedBytes,
    rangeRequests,
    ...(digests ? { digests } : {}),
  };
}

/** If-Range accepts a strong ETag or a date; a weak ETag (W/…) cannot vouch for byte ranges. */
function ifRangeValidator(meta: PartialMeta): string | undefined {
  if (meta.etag && !meta.etag.startsWith("W/")) return meta.etag;
  return meta.lastModified ?? undefined;
}

/** Parses a Content-Range: "bytes START-END/TOTAL", or "bytes *\/TOTAL" on a 416 (TOTAL may be "*"). */
export function parseContentRange(
  value: string | null,
): { start: number | undefined; total: number | undefined } | undefined {
  if (value === null) return undefined;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value.trim());
  if (!match) return undefined;
  return {
    start: match[1] !== undefined ? Number(match[1]) : undefined,
    total: match[3] !== undefined && match[3] !== "*" ? Number(match[3]) : undefined,
  };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

async function readMeta(path: string, url: string): Promise<PartialMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(path, "utf8")) as PartialMeta;
    return meta.url === url ? meta : undefined;
  } catch {
    // Missing or torn by a crash: the partial cannot be trusted and restarts.
    return undefined;
  }
}
