import { compareKeys, type LayoutName } from "@omicslake/core";
import { itemFilter } from "./item-filter.js";
import type { DataItem, ItemFile, ItemListing, ItemProblem } from "./data-item.js";
import { pairReadFiles } from "./read-pairing.js";

/** Where a dataset's items come from and where their outputs go. */
export interface LayoutOptions {
  readonly layout: LayoutName;
  readonly dataset: string;
  readonly role: string;
  /** The dataset's directory in the source's tree and in output paths. */
  readonly directory: string;
  /** `[data.X] include` / `exclude` globs, matched against each item's key and its files' names. */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /**
   * Pair read files by name (default true). Trees of assemblies turn it off: `GCF_000001405.1` and
   * `GCF_000001405.2` are two versions, not two mates.
   */
  readonly pairing?: boolean;
}

const COMPRESSION = /\.(gz|bgz|bz2|xz|zst|zip)$/i;
const EXTENSION = /\.[A-Za-z][A-Za-z0-9]*$/;
const CHECKSUM_SIDECAR = /\.(md5|sha256)$/i;
const PARTIAL_DOWNLOAD = /\.(part|partial|tmp|download|crdownload)$/i;

/**
 * Whether a name in a tree is never part of an item: hidden files and directories, checksum sidecars
 * (`*.md5`, `*.sha256`) and partial downloads (`*.part`, `*.tmp`, …). They are skipped without a problem.
 */
export function isIgnoredName(segment: string): boolean {
  return segment.startsWith(".") || CHECKSUM_SIDECAR.test(segment) || PARTIAL_DOWNLOAD.test(segment);
}

/** Index files written beside the file they index (`x.fna.gz.fai`, `x.bam.bai`): part of that file's item. */
const INDEX = /\.(fai|gzi|bai|csi|tbi|crai)$/i;

/**
 * The name without index suffixes, compression suffixes and one file extension: `GCF_1.40.fna.gz` and
 * `GCF_1.40.fna.gz.fai` → `GCF_1.40`.
 */
export function stripExtensions(name: string): string {
  let stem = name;
  while (INDEX.test(stem)) stem = stem.replace(INDEX, "");
  while (COMPRESSION.test(stem)) stem = stem.replace(COMPRESSION, "");
  return stem.replace(EXTENSION, "");
}

interface Unit {
  /** The directory the unit's files are in, relative to the dataset's directory ("" at its top). */
  readonly dir: string;
  /** The file's name, or the pair's name without the mate token. */
  readonly stem: string;
  readonly files: readonly ItemFile[];
  readonly paired: boolean;
}

interface Placed {
  readonly key: string;
  readonly species?: string;
  readonly accession?: string;
  readonly individual?: string;
  readonly units: Unit[];
  blocked: boolean;
}

// Code point order, as S3 lists keys: the same tree lists in the same order from disk and from a bucket.
const compare = compareKeys;

/**
 * Applies a layout to the files of a dataset's tree (or to an object listing's keys): groups them into
 * items, pairs read files within each directory, builds keys and output subdirectories, filters by the
 * dataset's include/exclude, and reports the names that do not fit. Pure: it reads nothing. Items come
 * sorted by key, files by name, problems by name.
 *
 * @example layoutItems([{ name: "Homo_sapiens/SRR1_1.fq.gz", path }, …], { layout: "level1", … })
 */
export function layoutItems(files: readonly ItemFile[], options: LayoutOptions): ItemListing {
  const problems: ItemProblem[] = [];
  const placed = new Map<string, Placed>();
  const reported = new Set<string>();
  const problem = (name: string, message: string): void => {
    if (reported.has(name)) return;
    reported.add(name);
    problems.push({ name, message });
  };

  // Files by the directory they are in: pairing never crosses directories.
  const byDir = new Map<string, ItemFile[]>();
  for (const file of files) {
    const parts = file.name.split("/");
    if (parts.some(isIgnoredName)) continue;
    // An object key may hold "//" or start with "/": as a path it would name the same file as "a/b".
    if (parts.includes("")) {
      problem(file.name, "an empty path segment (a leading / or //): not a name a tree can hold");
      continue;
    }
    const misfit = layoutMisfit(options.layout, parts);
    if (misfit !== undefined) {
      problem(misfit.name, misfit.message);
      continue;
    }
    const dir = parts.slice(0, -1).join("/");
    const list = byDir.get(dir);
    if (list === undefined) byDir.set(dir, [file]);
    else list.push(file);
  }

  for (const [dir, dirFiles] of byDir) {
    const byName = new Map(dirFiles.map((f) => [baseName(f.name), f]));
    const units: Unit[] = [];
    let ambiguous: readonly { readonly name: string; readonly message: string }[] = [];
    if (options.pairing === false) {
      for (const [name, file] of byName) units.push({ dir, stem: name, files: [file], paired: false });
    } else {
      const pairing = pairReadFiles(
        [...byName.keys()],
        options.layout === "level0" ? { mateFrom: (name) => name.lastIndexOf("--") + 2 } : {},
      );
      ambiguous = pairing.ambiguous;
      for (const pair of pairing.pairs) {
        units.push({
          dir,
          stem: pair.stem,
          files: [
            { ...byName.get(pair.mate1)!, mate: 1 },
            { ...byName.get(pair.mate2)!, mate: 2 },
          ],
          paired: true,
        });
      }
      for (const name of pairing.singles)
        units.push({ dir, stem: name, files: [byName.get(name)!], paired: false });
    }
    for (const unit of units) {
      const where = placeUnit(options.layout, unit);
      if ("message" in where) {
        for (const file of unit.files) problem(file.name, where.message);
        continue;
      }
      const item = placed.get(where.key) ?? { ...where, units: [], blocked: false };
      item.units.push(unit);
      placed.set(where.key, item);
    }
    for (const entry of ambiguous) {
      const name = dir === "" ? entry.name : `${dir}/${entry.name}`;
      problem(name, entry.message);
      // An item that holds the whole directory (level 2, lab) would be incomplete without the file.
      if (options.layout === "level2" || options.layout === "lab") {
        const parts = name.split("/");
        const key = `${parts[0]}/${parts[1]}`;
        const item = placed.get(key) ?? {
          key,
          units: [],
          blocked: true,
          ...itemNames(options.layout, parts),
        };
        item.blocked = true;
        placed.set(key, item);
      }
    }
  }

  const keep = itemFilter(options.include, options.exclude);
  const items: DataItem[] = [];
  for (const item of placed.values()) {
    // An item of one accession (or one file) holds at most one pair: `x_R1`/`x_R2` next to `x_1`/`x_2` both
    // strip to `x`, and which pair is the run cannot be told from the names. Directory items (level2, lab)
    // hold several pairs by design (lanes).
    const pairs = item.units.filter((u) => u.paired);
    if (pairs.length > 1 && options.layout !== "level2" && options.layout !== "lab") {
      const mates = pairs.flatMap((u) => u.files.map((f) => f.name));
      for (const name of mates) {
        problem(
          name,
          `one of more than one pair named "${item.key}" (${mates.filter((m) => m !== name).join(", ")}): ` +
            "rename the files so each pair has its own name",
        );
      }
      continue;
    }
    if (item.blocked) {
      problem(
        item.key,
        `left out: some of its files could not be placed (see the problems under ${item.key}/)`,
      );
      continue;
    }
    const itemFiles = item.units.flatMap((u) => u.files).sort((a, b) => compare(a.name, b.name));
    if (
      !keep(
        item.key,
        itemFiles.map((f) => f.name),
      )
    )
      continue;
    const leaf = item.accession ?? item.individual;
    items.push({
      dataset: options.dataset,
      key: item.key,
      files: itemFiles,
      paired: item.units.some((u) => u.paired),
      ...(item.species !== undefined ? { species: item.species } : {}),
      ...(item.accession !== undefined ? { accession: item.accession } : {}),
      ...(item.individual !== undefined ? { individual: item.individual } : {}),
      subdir: [
        options.role,
        options.directory,
        ...(leaf !== undefined ? [item.species!, leaf] : [item.key]),
      ].join("/"),
    });
  }
  return {
    items: items.sort((a, b) => compare(a.key, b.key)),
    problems: problems.sort((a, b) => compare(a.name, b.name)),
  };
}

function baseName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

const SHAPES: Readonly<Record<Exclude<LayoutName, "files">, string>> = {
  level0: "{Species}--{accession}.ext",
  level1: "{Species}/{accession}.ext",
  level2: "{Species}/{accession}/{files}",
  lab: "{Species}/{individual}/{files}",
};

/** Why a path cannot be in an item of this layout (the name to report and the message), if it cannot. */
function layoutMisfit(layout: LayoutName, parts: readonly string[]): ItemProblem | undefined {
  if (layout === "files") return undefined;
  const shape = SHAPES[layout];
  if (layout === "level0" && parts.length > 1) {
    return { name: parts[0]!, message: `a directory where layout level0 expects files named ${shape}` };
  }
  if (layout === "level1" && parts.length === 1) {
    return { name: parts[0]!, message: `a file at the top of the tree where layout level1 expects ${shape}` };
  }
  if (layout === "level1" && parts.length > 2) {
    return {
      name: `${parts[0]}/${parts[1]}`,
      message: `a directory where layout level1 expects a file: ${shape}`,
    };
  }
  if ((layout === "level2" || layout === "lab") && parts.length < 3) {
    const what = layout === "lab" ? "an individual's" : "an accession's";
    return {
      name: parts.join("/"),
      message:
        parts.length === 1
          ? `a file at the top of the tree where layout ${layout} expects ${shape}`
          : `a file where layout ${layout} expects ${what} directory: ${shape}`,
    };
  }
  return undefined;
}

function itemNames(
  layout: LayoutName,
  parts: readonly string[],
): { species?: string; accession?: string; individual?: string } {
  if (layout === "lab") return { species: parts[0]!, individual: parts[1]! };
  return { species: parts[0]!, accession: parts[1]! };
}

/** The item a unit belongs to, or why its name does not fit the layout. */
function placeUnit(
  layout: LayoutName,
  unit: Unit,
): Omit<Placed, "units" | "blocked"> | { readonly message: string } {
  const parts = unit.dir === "" ? [] : unit.dir.split("/");
  switch (layout) {
    case "level0": {
      const at = unit.stem.lastIndexOf("--");
      const species = at === -1 ? "" : unit.stem.slice(0, at);
      const accession = at === -1 ? "" : stripExtensions(unit.stem.slice(at + 2));
      if (at === -1) return { message: `no "--" in the name: layout level0 expects ${SHAPES.level0}` };
      if (species === "" || accession === "") {
        return {
          message: `an empty species or accession around "--": layout level0 expects ${SHAPES.level0}`,
        };
      }
      return { key: `${species}/${accession}`, species, accession };
    }
    case "level1": {
      const species = parts[0]!;
      const accession = stripExtensions(unit.stem);
      return { key: `${species}/${accession}`, species, accession };
    }
    case "level2":
    case "lab": {
      const names = itemNames(layout, parts);
      return { key: `${parts[0]}/${parts[1]}`, ...names };
    }
    case "files":
      return { key: unit.dir === "" ? unit.stem : `${unit.dir}/${unit.stem}` };
  }
}
