import { createHash } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { isPidAlive } from "@omicslake/core";

/** A short, file-name-safe stand-in for this host's name. */
const HOST_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
const KINDS = ["converting", "extract", "links"] as const;

/**
 * The prefix of a conversion's hidden working folder next to its output (`.<out>.<kind>-<host>-<pid>-`),
 * for mkdtemp: naming the process lets a later conversion into the same place tell a folder whose
 * process was killed from one another conversion is still writing.
 */
export function stagePrefix(parent: string, outName: string, kind: (typeof KINDS)[number]): string {
  return join(parent, `.${outName}.${kind}-${HOST_TAG}-${process.pid}-`);
}

/**
 * Removes the working folders of earlier conversions into `<parent>/<outName>` whose process is gone
 * (same host, pid no longer running): partial Parquet a killed conversion left behind. Folders of
 * live processes, of other hosts, and anything not named like ours stay.
 */
export async function sweepStaleStages(parent: string, outName: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    for (const kind of KINDS) {
      const prefix = `.${outName}.${kind}-${HOST_TAG}-`;
      if (!entry.startsWith(prefix)) continue;
      const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
      if (!Number.isSafeInteger(pid) || pid <= 0 || isPidAlive(pid)) continue;
      await rm(join(parent, entry), { recursive: true, force: true });
      removed.push(entry);
    }
  }
  return removed;
}
