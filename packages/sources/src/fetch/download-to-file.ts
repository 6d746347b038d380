import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UpstreamChecksumError } from "../upstream-error.js";
import type { HttpClient } from "./http-client.js";
import { discard, downloadResumable, lockPartial } from "./resumable-download.js";

export interface DownloadToFileOptions {
  /** The MD5 upstream publishes for the file (hex); the file is refused when its bytes do not match. */
  readonly md5?: string;
  /** How the file is named in errors (its path relative to the dataset's directory). */
  readonly shownAs?: string;
}

/**
 * The hidden name a download accumulates under beside its target. It starts with a dot, so tree walkers
 * never take a killed download for an item, and it lives in the target's directory, so the final rename
 * is atomic.
 */
export function partialPathOf(target: string): string {
  return join(dirname(target), `.${basename(target)}.partial`);
}

/**
 * Downloads `url` to `target` atomically: bytes accumulate in a hidden partial file beside it (resumed by
 * a rerun after a kill, through `downloadResumable`), are checked against `md5` when given, and only then
 * renamed into place. So a file under its final name is always complete.
 */
export async function downloadToFile(
  http: HttpClient,
  url: string,
  target: string,
  options: DownloadToFileOptions = {},
): Promise<{ readonly size: number }> {
  await mkdir(dirname(target), { recursive: true });
  const partialPath = partialPathOf(target);
  const unlock = await lockPartial(partialPath, url);
  try {
    const outcome = await downloadResumable(http, {
      url,
      partialPath,
      ...(options.md5 !== undefined ? { md5: true } : {}),
    });
    if (outcome.kind !== "complete") throw new Error(`unconditional GET ${url} answered not-modified`);
    if (options.md5 !== undefined) {
      const expected = options.md5.toLowerCase();
      const actual = outcome.digests?.md5 ?? (await md5OfFile(partialPath));
      if (actual !== expected) {
        await discard(partialPath);
        throw new UpstreamChecksumError(options.shownAs ?? target, url, expected, actual);
      }
    }
    await rm(`${partialPath}.json`, { force: true });
    await rename(partialPath, target);
    return { size: outcome.size };
  } finally {
    await unlock();
  }
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
