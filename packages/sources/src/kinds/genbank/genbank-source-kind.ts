import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { redactUrl, throwIfAborted, type SourceKindProblem, type SourceKindSpec } from "@omicslake/core";
import { downloadToFile } from "../../fetch/download-to-file.js";
import { parseDirectoryListing } from "../../html-directory-listing.js";
import type { DataItem, ItemFile, ItemProblem } from "../../items/data-item.js";
import { baseUrlOf } from "../../source-adapter.js";
import { parseMd5File } from "../../pubmed/pubmed-source-adapter.js";
import { SourceConfigError, UpstreamError, UpstreamListingError } from "../../upstream-error.js";
import { itemFilter } from "../../items/item-filter.js";
import { isIgnoredName } from "../../items/layout-items.js";
import { datasetTreeDir } from "../dataset-tree.js";
import { pathExists as exists } from "../local-tree.js";
import type { ItemListing, SourceKind, SourceKindContext, SyncResult } from "../source-kind.js";
import { taxonSubtreeFromTaxdump, writeTaxidsFile } from "./taxon-subtree.js";

export const GENBANK_URL = "https://ftp.ncbi.nlm.nih.gov/genbank/";
export const NCBI_TAXDUMP_URL = "https://ftp.ncbi.nlm.nih.gov/pub/taxonomy/taxdump.tar.gz";

/** The GenBank release's division codes, as its file names carry them (`gbpln1.seq.gz`). */
export const GENBANK_DIVISIONS = [
  "bct",
  "con",
  "env",
  "est",
  "gss",
  "htc",
  "htg",
  "inv",
  "mam",
  "pat",
  "phg",
  "pln",
  "pri",
  "rod",
  "sts",
  "syn",
  "tsa",
  "una",
  "vrl",
  "vrt",
] as const;

const DIVISION_FILE = /^gb([a-z]{3})(\d+)\.seq\.gz$/;
const RELEASE_DIR = /^release-(\d+)$/;

const spec: SourceKindSpec = {
  kind: "genbank",
  description: "GenBank release division files (gbpln1.seq.gz…), optionally kept to one taxon's subtree",
  sourceKeys: {},
  dataKeys: {
    divisions: {
      value: { type: "strings", oneOf: GENBANK_DIVISIONS },
      meaning: `GenBank divisions to download: ${GENBANK_DIVISIONS.join(", ")}`,
    },
    release: {
      value: { type: "string-or-integer" },
      meaning:
        'the GenBank release number, or "latest" (default); NCBI serves only the current release, so a pinned release downloads only while it is current',
    },
    taxid: {
      value: { type: "positive-integer" },
      meaning: "keep only records of this taxon's subtree (computed from the NCBI taxonomy dump)",
    },
    taxonomy_url: {
      value: { type: "string", pattern: /^https?:\/\//, example: NCBI_TAXDUMP_URL },
      meaning: `the NCBI taxonomy dump read for taxid (default ${NCBI_TAXDUMP_URL})`,
    },
  },
  layouts: ["files"],
  path: "required",
  url: "optional",
  steps: ["ingest", "parse", "checksum"],
  check(_source, data): readonly SourceKindProblem[] {
    if (data === undefined) return [];
    const problems: SourceKindProblem[] = [];
    if (data["divisions"] === undefined) {
      problems.push({
        section: "data",
        key: "divisions",
        message: "a genbank dataset needs divisions: the whole release is over a terabyte",
        hint: `Add divisions = ["pln"] (codes: ${GENBANK_DIVISIONS.join(", ")})`,
      });
    }
    const release = data["release"];
    if (
      release !== undefined &&
      release !== "latest" &&
      typeof release !== "number" &&
      !(typeof release === "string" && /^\d+$/.test(release))
    ) {
      problems.push({
        section: "data",
        key: "release",
        message: `release ${JSON.stringify(release)} is neither a release number nor "latest"`,
        hint: 'Write release = 263, or release = "latest"',
      });
    }
    if (data["taxonomy_url"] !== undefined && data["taxid"] === undefined) {
      problems.push({
        section: "data",
        key: "taxonomy_url",
        message:
          "taxonomy_url is only read to filter by taxid, and this dataset has none: it would be ignored",
        hint: "Add taxid = … (the taxon whose records to keep), or remove taxonomy_url",
      });
    }
    return problems;
  },
};

interface GenbankSettings {
  readonly divisions: readonly string[];
  /** undefined: latest. */
  readonly release?: number;
  readonly taxid?: number;
  readonly taxonomyUrl: string;
}

function settingsOf(context: SourceKindContext): GenbankSettings {
  const { data } = context;
  const divisions = data["divisions"];
  const release = data["release"];
  const taxid = data["taxid"] as number | undefined;
  return {
    divisions: typeof divisions === "string" ? [divisions] : ((divisions as string[] | undefined) ?? []),
    ...(release !== undefined && release !== "latest" ? { release: Number(release) } : {}),
    ...(taxid !== undefined ? { taxid } : {}),
    taxonomyUrl: (data["taxonomy_url"] as string | undefined) ?? NCBI_TAXDUMP_URL,
  };
}

/** The release NCBI serves now, from `GB_Release_Number` at the base URL. */
async function currentRelease(context: SourceKindContext, base: string): Promise<number> {
  const url = new URL("GB_Release_Number", base).href;
  const text = (await context.http.getText(url, 1024)).trim();
  if (!/^\d+$/.test(text)) {
    throw new UpstreamListingError(
      `${redactUrl(url)} should hold a release number, not ${JSON.stringify(text.slice(0, 40))}`,
      {
        details: { url: redactUrl(url) },
        hint: `Check the source's url: it should be the GenBank release directory (${GENBANK_URL})`,
      },
    );
  }
  return Number(text);
}

/** The name of a dataset's subtree file inside a release directory. */
export function taxidsFileName(taxid: number): string {
  return `taxids-${taxid}.txt`;
}

/**
 * Downloads the configured divisions of the release NCBI serves into `{path}/{directory}/release-{N}/`,
 * untouched and atomically; files already there are complete and kept. A pinned release other than the
 * served one is refused (NCBI keeps no old releases). With `taxid`, the taxonomy dump is read once per
 * release and the subtree saved as `taxids-{taxid}.txt` beside the division files.
 */
async function syncGenbank(context: SourceKindContext): Promise<SyncResult> {
  const settings = settingsOf(context);
  const base = baseUrlOf(context.source, GENBANK_URL);
  const release = await currentRelease(context, base);
  if (settings.release !== undefined && settings.release !== release) {
    throw new SourceConfigError(
      `dataset "${context.dataset.name}" pins GenBank release ${settings.release}, but ${redactUrl(base)} serves release ${release}`,
      {
        details: { dataset: context.dataset.name, key: "release", pinned: settings.release, served: release },
        hint: `NCBI serves only the current release: set release = ${release} or "latest" to download it (files of release-${settings.release} already downloaded stay and remain the dataset's items while it is pinned)`,
      },
    );
  }
  const dir = join(datasetTreeDir(context), `release-${release}`);
  const entries = parseDirectoryListing(await context.http.getText(base), base);
  const wanted = new Set(settings.divisions);
  const files = entries
    .map((entry) => ({ entry, match: DIVISION_FILE.exec(entry.href) }))
    .filter(({ match }) => match !== null && wanted.has(match[1]!))
    .sort((a, b) => a.match![1]!.localeCompare(b.match![1]!) || Number(a.match![2]) - Number(b.match![2]));
  for (const division of settings.divisions) {
    if (!files.some(({ match }) => match![1] === division)) {
      context.log(`release ${release} has no gb${division}*.seq.gz files at ${redactUrl(base)}`);
    }
  }
  const fetched: string[] = [];
  const unchanged: string[] = [];
  for (const { entry } of files) {
    throwIfAborted(context.step.signal, `sync ${context.dataset.name}`);
    const name = `release-${release}/${entry.href}`;
    const target = join(dir, entry.href);
    if (await exists(target)) {
      unchanged.push(name);
      continue;
    }
    await downloadToFile(context.http, entry.url, target, { shownAs: name });
    context.log(`fetched ${name}`);
    fetched.push(name);
  }
  await markSynced(dir, settings.divisions);
  if (settings.taxid !== undefined) {
    const name = `release-${release}/${taxidsFileName(settings.taxid)}`;
    const target = join(dir, taxidsFileName(settings.taxid));
    if (await exists(target)) unchanged.push(name);
    else {
      await saveSubtree(context, settings.taxid, settings.taxonomyUrl, dir, target);
      fetched.push(name);
    }
  }
  return { fetched, unchanged };
}

async function saveSubtree(
  context: SourceKindContext,
  taxid: number,
  taxonomyUrl: string,
  dir: string,
  target: string,
): Promise<void> {
  // Hidden, so it is never an item; kept until the subtree is saved so a failure after the download does
  // not fetch the dump again.
  const archive = join(dir, ".taxdump.tar.gz");
  if (!(await exists(archive))) {
    const md5 = await publishedMd5(context, `${taxonomyUrl}.md5`);
    await downloadToFile(context.http, taxonomyUrl, archive, {
      ...(md5 !== undefined ? { md5 } : {}),
      shownAs: new URL(taxonomyUrl).pathname.split("/").pop() ?? taxonomyUrl,
    });
  }
  const ids = await taxonSubtreeFromTaxdump(archive, taxid);
  await writeTaxidsFile(target, ids);
  context.log(`taxid ${taxid}: ${ids.length} taxids in its subtree, saved to ${taxidsFileName(taxid)}`);
  await rm(archive, { force: true });
}

/** The MD5 NCBI publishes beside a file (`taxdump.tar.gz.md5`), or undefined when there is none. */
async function publishedMd5(context: SourceKindContext, url: string): Promise<string | undefined> {
  try {
    return parseMd5File(await context.http.getText(url, 4096), redactUrl(url));
  } catch (error) {
    if (error instanceof UpstreamError && error.details["status"] === 404) return undefined;
    throw error;
  }
}

/**
 * A hidden file in a release directory naming the divisions whose every file a sync brought in (one code
 * per line). Division files appear one by one as a sync runs: until the marker covers a dataset's
 * divisions, the release is incomplete for it.
 */
const SYNCED_MARKER = ".synced-divisions";

async function syncedDivisions(releaseDir: string): Promise<Set<string>> {
  try {
    const text = await readFile(join(releaseDir, SYNCED_MARKER), "utf8");
    return new Set(text.split("\n").filter((line) => line !== ""));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Set();
    throw error;
  }
}

async function markSynced(releaseDir: string, divisions: readonly string[]): Promise<void> {
  const all = [...new Set([...(await syncedDivisions(releaseDir)), ...divisions])].sort();
  await mkdir(releaseDir, { recursive: true });
  const temp = join(releaseDir, `${SYNCED_MARKER}.partial`);
  await writeFile(temp, `${all.join("\n")}\n`);
  await rename(temp, join(releaseDir, SYNCED_MARKER));
}

/**
 * The release a dataset's items come from: the pinned one, else the newest whose sync covered the
 * dataset's divisions. A newer release still being synced is reported, so the switch is visible.
 */
async function itemRelease(
  root: string,
  settings: GenbankSettings,
  problems: ItemProblem[],
): Promise<number | undefined> {
  const complete = async (release: number): Promise<boolean> => {
    const synced = await syncedDivisions(join(root, `release-${release}`));
    return settings.divisions.every((division) => synced.has(division));
  };
  const incomplete = (release: number): ItemProblem => ({
    name: `release-${release}`,
    message: `release ${release} has not been synced completely for divisions ${settings.divisions.join(", ")}: sync the dataset`,
  });
  if (settings.release !== undefined) {
    if (!(await complete(settings.release))) problems.push(incomplete(settings.release));
    return settings.release;
  }
  const releases = (await names(root))
    .map((name) => RELEASE_DIR.exec(name))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => b - a);
  for (const release of releases) {
    if (await complete(release)) return release;
    problems.push(incomplete(release));
  }
  return undefined;
}

/**
 * One item per division file of the dataset's release (`release-263/gbpln1.seq.gz`, the release from
 * `itemRelease`), layout `files`. With
 * `taxid`, each item carries the saved subtree as `taxonFilter`; while that file is missing the dataset has
 * no items (parsing unfiltered would keep every record of the division), and a problem says to sync.
 */
async function genbankItems(context: SourceKindContext): Promise<ItemListing> {
  const settings = settingsOf(context);
  const root = datasetTreeDir(context);
  const problems: ItemProblem[] = [];
  const release = await itemRelease(root, settings, problems);
  if (release === undefined) return { items: [], problems };
  const releaseDir = `release-${release}`;
  let taxonFilter: DataItem["taxonFilter"];
  if (settings.taxid !== undefined) {
    const name = `${releaseDir}/${taxidsFileName(settings.taxid)}`;
    const path = join(root, name);
    if (!(await exists(path))) {
      problems.push({
        name,
        message: `the subtree of taxid ${settings.taxid} has not been computed for release ${release}: sync the dataset first`,
      });
      return { items: [], problems };
    }
    const file: ItemFile = { name, path, size: (await stat(path)).size };
    taxonFilter = { taxid: settings.taxid, file };
  }
  const wanted = new Set(settings.divisions);
  const keep = itemFilter(context.data.include, context.data.exclude);
  const items: DataItem[] = [];
  const found: { file: string; division: string; number: number }[] = [];
  for (const file of await names(join(root, releaseDir))) {
    if (isIgnoredName(file) || /^taxids-\d+\.txt$/.test(file)) continue;
    const match = DIVISION_FILE.exec(file);
    if (!match) {
      problems.push({
        name: `${releaseDir}/${file}`,
        message: "not a GenBank division file (gb{division}{n}.seq.gz)",
      });
      continue;
    }
    if (wanted.has(match[1]!)) found.push({ file, division: match[1]!, number: Number(match[2]) });
  }
  found.sort((a, b) => a.division.localeCompare(b.division) || a.number - b.number);
  for (const { file } of found) {
    const name = `${releaseDir}/${file}`;
    if (!keep(name, [file])) continue;
    const path = join(root, name);
    items.push({
      dataset: context.dataset.name,
      key: name,
      files: [{ name, path, size: (await stat(path)).size }],
      paired: false,
      subdir: `${context.dataset.role}/${context.dataset.directory}/${name}`,
      ...(taxonFilter !== undefined ? { taxonFilter } : {}),
    });
  }
  return { items, problems };
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** GenBank release divisions: listed from the release directory, downloaded raw, filtered by taxon at parse. */
export const genbankSourceKind: SourceKind = { spec, sync: syncGenbank, items: genbankItems };
