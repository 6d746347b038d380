import type { Dirent, Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { compareKeys, NotFoundError, ValidationError } from "@omicslake/core";
import type { ItemFile, ItemListing, ItemProblem } from "./data-item.js";
import { isIgnoredName, layoutItems, type LayoutOptions } from "./layout-items.js";

/**
 * The items of a dataset's local tree (`{source path}/{directory}`) under its layout. Only names and
 * `stat` are read, never file contents. Symbolic links to files are followed; a link back to an enclosing
 * directory (a loop), a broken link and anything that is neither file nor directory are reported as
 * problems, like names that do not fit the layout.
 *
 * @example const { items, problems } = await listTreeItems("/data/reads/rnaseq", { layout: "level1", dataset: "rnaseq", role: "reads", directory: "rnaseq" });
 */
export async function listTreeItems(dir: string, options: LayoutOptions): Promise<ItemListing> {
  let top: Stats;
  try {
    top = await stat(dir);
  } catch (error) {
    if (isCode(error, "ENOENT")) {
      throw new NotFoundError("dataset directory", dir, {
        hint: `Create it, or set directory = "…" in [data.${options.dataset}] to the directory its files are in`,
        cause: error,
      });
    }
    throw error;
  }
  if (!top.isDirectory()) {
    throw new ValidationError(`dataset "${options.dataset}": ${dir} is not a directory`, {
      details: { dataset: options.dataset, path: dir },
      hint: `Point [data.${options.dataset}] directory at the directory holding its files`,
    });
  }
  const files: ItemFile[] = [];
  const problems: ItemProblem[] = [];
  await walk(dir, "", [identity(top)], files, problems);
  const listing = layoutItems(files, options);
  let items = listing.items;
  const extra: ItemProblem[] = [];
  if (options.layout === "level2" || options.layout === "lab") {
    // An item is its whole directory: with an entry of it unreadable it would be listed incomplete.
    const broken = new Set(problems.map((p) => p.name.split("/").slice(0, 2).join("/")));
    items = items.filter((item) => {
      if (!broken.has(item.key)) return true;
      extra.push({
        name: item.key,
        message: `left out: some of its files could not be placed (see the problems under ${item.key}/)`,
      });
      return false;
    });
  }
  return {
    items,
    problems: [...problems, ...extra, ...listing.problems].sort((a, b) => compareKeys(a.name, b.name)),
  };
}

function identity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return (
    typeof error === "object" && error !== null && codes.includes((error as { code?: string }).code ?? "")
  );
}

/** Collects the files under `dir`; `ancestors` are the identities of the directories on the way down. */
async function walk(
  dir: string,
  relative: string,
  ancestors: readonly string[],
  files: ItemFile[],
  problems: ItemProblem[],
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // Removed (or replaced by a file) since its parent was listed: a tree being written to, not an error.
    if (relative !== "" && isCode(error, "ENOENT", "ENOTDIR")) return;
    throw error;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const path = join(dir, entry.name);
    const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
    let stats: Stats;
    if (entry.isSymbolicLink()) {
      try {
        stats = await stat(path);
      } catch (error) {
        if (isCode(error, "ELOOP")) {
          problems.push({ name, message: "a symbolic link loop: the link never reaches a file" });
        } else if (isCode(error, "ENOENT")) {
          problems.push({ name, message: "a broken symbolic link: its target does not exist" });
        } else {
          problems.push({ name, message: `cannot follow the symbolic link: ${(error as Error).message}` });
        }
        continue;
      }
    } else if (entry.isFile() || entry.isDirectory()) {
      try {
        stats = await stat(path);
      } catch (error) {
        // Removed since the directory was listed: it is no longer part of the tree.
        if (isCode(error, "ENOENT")) continue;
        throw error;
      }
    } else {
      problems.push({ name, message: "neither a file nor a directory (a socket, FIFO or device)" });
      continue;
    }
    if (stats.isDirectory()) {
      if (ancestors.includes(identity(stats))) {
        problems.push({
          name,
          message: "a symbolic link loop: it links back to a directory that contains it",
        });
        continue;
      }
      await walk(path, name, [...ancestors, identity(stats)], files, problems);
    } else if (stats.isFile()) {
      files.push({ name, path, size: stats.size });
    } else {
      problems.push({ name, message: "neither a file nor a directory (a socket, FIFO or device)" });
    }
  }
}
