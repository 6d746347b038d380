import { access } from "node:fs/promises";
import { join } from "node:path";
import { SourceConfigError } from "../upstream-error.js";
import type { SourceKindContext } from "./source-kind.js";

/** The dataset's directory in its source's tree: `{path}/{directory}`. */
export function datasetDirectory(context: SourceKindContext): string {
  if (context.root === undefined) {
    // The config loader refuses kinds that need a path without one; a caller that built its own context did not.
    throw new SourceConfigError(`source "${context.sourceName}" has no path to keep its files under`, {
      details: { source: context.sourceName },
      hint: 'Add path = "…" to the source: the local root its datasets are downloaded under',
    });
  }
  return join(context.root, context.dataset.directory);
}

/** Names that are never data: hidden files (partial downloads, locks), checksum sidecars, temp files. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith(".") || /\.(md5|sha256|partial|part|tmp)$/i.test(name);
}

/** Whether something is at `path`. Downloads are renamed into place once complete, so a file there is whole. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
