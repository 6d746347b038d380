import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { LayoutName } from "@omicslake/core";
import type { DataItem, ItemFile, ItemProblem } from "../../items/data-item.js";
import { byCodePoint, isIgnoredName, itemFilter } from "../local-tree.js";
import type { ItemListing } from "../source-kind.js";

export interface GenomeTreeOptions {
  readonly layout: LayoutName;
  readonly dataset: string;
  readonly role: string;
  readonly directory: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** `{Species}--{accession}{ext}`: the species is everything before the last `--`. */
const LEVEL0_NAME = /^(.+)--(GC[AF]_\d{9}\.\d+)(\..+)$/;
const LEVEL1_NAME = /^(GC[AF]_\d{9}\.\d+)(\..+)$/;

/**
 * The assemblies of a genome tree as items: one per `{species}/{accession}`, with every file of that
 * assembly whatever the layout (level 0 `{Species}--{acc}.ext`, level 1 `{Species}/{acc}.ext`, level 2
 * `{Species}/{acc}/*`). Names the layout cannot place are reported, never guessed.
 *
 * This walker only knows the names sync writes (GCF_/GCA_ accessions); the general layout walker of
 * `items/` takes its place for trees of every kind.
 */
export async function listGenomeTreeItems(dir: string, options: GenomeTreeOptions): Promise<ItemListing> {
  const groups = new Map<string, { species: string; accession: string; files: ItemFile[] }>();
  const problems: ItemProblem[] = [];
  const add = async (species: string, accession: string, name: string): Promise<void> => {
    const key = `${species}/${accession}`;
    const group = groups.get(key) ?? { species, accession, files: [] };
    const path = join(dir, name);
    group.files.push({ name, path, size: (await stat(path)).size });
    groups.set(key, group);
  };
  const layoutRule: Record<string, string> = {
    level0: "{Species}--{accession}.ext",
    level1: "{Species}/{accession}.ext",
    level2: "{Species}/{accession}/*",
  };
  const misplaced = (name: string, what: string): void => {
    problems.push({
      name,
      message: `${what}: a ${options.layout} tree holds ${layoutRule[options.layout] ?? options.layout}`,
    });
  };

  for (const top of await entries(dir)) {
    if (options.layout === "level0") {
      const match = LEVEL0_NAME.exec(top.name);
      if (!top.isFile()) misplaced(top.name, "a directory");
      else if (!match) misplaced(top.name, "not named {Species}--{GCF_/GCA_ accession}.ext");
      else await add(match[1]!, match[2]!, top.name);
      continue;
    }
    if (!top.isDirectory()) {
      misplaced(top.name, "a file outside any species directory");
      continue;
    }
    for (const second of await entries(join(dir, top.name))) {
      const name = `${top.name}/${second.name}`;
      if (options.layout === "level1") {
        const match = LEVEL1_NAME.exec(second.name);
        if (!second.isFile()) misplaced(name, "a directory");
        else if (!match) misplaced(name, "not named {GCF_/GCA_ accession}.ext");
        else await add(top.name, match[1]!, name);
        continue;
      }
      if (!second.isDirectory()) {
        misplaced(name, "a file outside any accession directory");
        continue;
      }
      for (const third of await entries(join(dir, name))) {
        if (third.isFile()) await add(top.name, second.name, `${name}/${third.name}`);
        else misplaced(`${name}/${third.name}`, "a directory inside an accession directory");
      }
    }
  }

  const keep = itemFilter(options.include, options.exclude);
  const items: DataItem[] = [...groups.entries()]
    .filter(([key, group]) =>
      keep(
        key,
        group.files.map((file) => file.name),
      ),
    )
    .sort(([a], [b]) => byCodePoint(a, b))
    .map(([key, group]) => ({
      dataset: options.dataset,
      key,
      files: group.files.sort((a, b) => byCodePoint(a.name, b.name)),
      paired: false,
      species: group.species,
      accession: group.accession,
      subdir: `${options.role}/${options.directory}/${key}`,
    }));
  return { items, problems };
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    const all = await readdir(dir, { withFileTypes: true });
    return all.filter((entry) => !isIgnoredName(entry.name)).sort((a, b) => byCodePoint(a.name, b.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
