import { access } from "node:fs/promises";
import { join } from "node:path";
import { nameFilter } from "../name-filter.js";
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

/**
 * A dataset's `include` / `exclude` globs applied to an item: it is kept when some include matches its key
 * or one of its file names (or there are no includes), and no exclude matches any of them.
 */
export function itemFilter(
  include: readonly string[] = [],
  exclude: readonly string[] = [],
): (key: string, fileNames: readonly string[]) => boolean {
  const included = nameFilter(include);
  const excluded = nameFilter(exclude);
  return (key, fileNames) => {
    const names = [key, ...fileNames];
    return (include.length === 0 || names.some(included)) && !(exclude.length > 0 && names.some(excluded));
  };
}

/** Code-point order: the same on every machine, whatever its locale. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
