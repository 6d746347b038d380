import { join } from "node:path";
import { redactUrl, throwIfAborted, type SourceKindProblem, type SourceKindSpec } from "@omicslake/core";
import { downloadToFile } from "../../fetch/download-to-file.js";
import { baseUrlOf } from "../../source-adapter.js";
import { UpstreamError } from "../../upstream-error.js";
import { listTreeItems } from "../../items/tree-items.js";
import { datasetLayout, datasetTreeDir } from "../dataset-tree.js";
import { byCodePoint, pathExists } from "../local-tree.js";
import type { SourceKind, SourceKindContext, SyncResult } from "../source-kind.js";
import { assemblyParentUrl, findAssemblyDirectory } from "./assembly-ftp.js";
import {
  ASSEMBLY_LEVELS,
  ASSEMBLY_SOURCES,
  listAccessionAssemblies,
  listTaxonAssemblies,
  type AssemblyReport,
} from "./assembly-report.js";
import { bestAssemblyPerSpecies } from "./best-assembly.js";
import {
  GENOME_FILE_KIND_NAMES,
  GENOME_FILE_KINDS,
  genomeFileName,
  type GenomeFileKind,
} from "./genome-files.js";
import { speciesDirectoryName, speciesOfOrganism } from "./species-directory-name.js";

export const NCBI_DATASETS_URL = "https://api.ncbi.nlm.nih.gov/datasets/v2/";
export const NCBI_GENOMES_FTP_URL = "https://ftp.ncbi.nlm.nih.gov/genomes/all/";
const DEFAULT_PAGE_SIZE = 1000;

const spec: SourceKindSpec = {
  kind: "ncbi-genomes",
  description: "Genome assemblies from NCBI Datasets (by taxon or accession), downloaded into a local tree",
  sourceKeys: {
    api_key: {
      value: { type: "string" },
      meaning: "NCBI API key, sent as the api-key header (raises the rate limit to 10 requests/s)",
    },
    ftp_url: {
      value: { type: "string", pattern: /^https?:\/\//, example: NCBI_GENOMES_FTP_URL },
      meaning: `where assembly directories are downloaded from (default ${NCBI_GENOMES_FTP_URL})`,
    },
  },
  dataKeys: {
    taxon: {
      value: { type: "string-or-integer" },
      meaning: 'the taxon whose assemblies to keep: a scientific name ("Poaceae") or a taxid (4479)',
    },
    accessions: {
      value: { type: "strings", pattern: /^GC[AF]_\d{9}(\.\d+)?$/, example: "GCF_000001405.40" },
      meaning: "assembly accessions to keep, instead of or besides taxon",
    },
    assembly_level: {
      value: { type: "strings", oneOf: ASSEMBLY_LEVELS },
      meaning: "levels of the taxon's assemblies to keep (default all)",
    },
    assembly_source: {
      value: { type: "string", pattern: /^(refseq|genbank|all)$/, example: "refseq" },
      meaning: `${ASSEMBLY_SOURCES.join(", ")}: which of the taxon's assemblies (default all)`,
    },
    one_per_species: {
      value: { type: "boolean" },
      meaning:
        "keep only the best assembly of each species of the taxon: reference, then representative, then others; then the most contiguous level; then the newest release",
    },
    files: {
      value: { type: "strings", oneOf: GENOME_FILE_KIND_NAMES },
      meaning: `files of each assembly (default genome): ${GENOME_FILE_KIND_NAMES.join(", ")}`,
    },
  },
  options: {
    page_size: {
      value: { type: "positive-integer" },
      meaning: `assemblies per page of the Datasets API (default ${DEFAULT_PAGE_SIZE}, its maximum)`,
    },
  },
  layouts: ["level0", "level1", "level2"],
  path: "required",
  url: "optional",
  steps: ["ingest", "checksum"],
  check(_source, data): readonly SourceKindProblem[] {
    if (data === undefined) return [];
    if (data["taxon"] === undefined && data["accessions"] === undefined) {
      return [
        {
          section: "data",
          key: "taxon",
          message: "an ncbi-genomes dataset needs taxon or accessions: it would download nothing",
          hint: 'Add taxon = "Arabidopsis" (or a taxid), or accessions = ["GCF_000001735.4"]',
        },
      ];
    }
    if (data["taxon"] !== undefined) return [];
    // Explicit accessions are taken as listed: these keys choose among a taxon's assemblies only.
    return ["assembly_level", "assembly_source", "one_per_species"]
      .filter((key) => data[key] !== undefined)
      .map((key) => ({
        section: "data" as const,
        key,
        message: `${key} chooses among a taxon's assemblies, and this dataset has no taxon: it would be ignored`,
        hint: `Add taxon = …, or remove ${key} (accessions are downloaded as listed)`,
      }));
  },
};

/** What a dataset's keys ask for, read once. */
interface GenomeSettings {
  readonly taxon?: string | number;
  readonly accessions: readonly string[];
  readonly files: readonly GenomeFileKind[];
  readonly onePerSpecies: boolean;
  readonly levels?: readonly string[];
  readonly assemblySource?: string;
  readonly pageSize: number;
}

function settingsOf(context: SourceKindContext): GenomeSettings {
  const { data } = context;
  const list = (value: unknown): string[] | undefined =>
    value === undefined ? undefined : typeof value === "string" ? [value] : (value as string[]);
  const taxon = data["taxon"] as string | number | undefined;
  const levels = list(data["assembly_level"]);
  const source = data["assembly_source"] as string | undefined;
  const pageSize = (data.options?.["page_size"] ?? context.source.options?.["page_size"]) as
    number | undefined;
  return {
    ...(taxon !== undefined ? { taxon } : {}),
    accessions: list(data["accessions"]) ?? [],
    files: [...new Set((list(data["files"]) ?? ["genome"]) as GenomeFileKind[])],
    onePerSpecies: data["one_per_species"] === true,
    ...(levels !== undefined ? { levels } : {}),
    ...(source !== undefined ? { assemblySource: source } : {}),
    pageSize: pageSize ?? DEFAULT_PAGE_SIZE,
  };
}

/** The assemblies a dataset names: its explicit accessions, and its taxon's (filtered, one per species if asked). */
async function chosenAssemblies(
  context: SourceKindContext,
  settings: GenomeSettings,
): Promise<AssemblyReport[]> {
  const apiKey = context.source.api_key;
  const query = {
    apiUrl: baseUrlOf(context.source, NCBI_DATASETS_URL),
    ...(apiKey !== undefined ? { apiKey } : {}),
    pageSize: settings.pageSize,
    ...(settings.levels !== undefined ? { assemblyLevels: settings.levels } : {}),
    ...(settings.assemblySource !== undefined ? { assemblySource: settings.assemblySource } : {}),
  };
  const chosen = new Map<string, AssemblyReport>();
  // Explicit accessions are checked first: a typo fails before hours of downloads, not after.
  if (settings.accessions.length > 0) {
    const { assemblyLevels: _levels, assemblySource: _source, ...unfiltered } = query;
    for (const report of await listAccessionAssemblies(context.http, unfiltered, settings.accessions))
      chosen.set(report.accession, report);
  }
  if (settings.taxon !== undefined) {
    const reports = await listTaxonAssemblies(context.http, query, settings.taxon);
    const kept = settings.onePerSpecies ? bestAssemblyPerSpecies(reports) : reports;
    context.log(
      `taxon ${settings.taxon}: ${reports.length} assemblies${settings.onePerSpecies ? `, ${kept.length} kept (one per species)` : ""}`,
    );
    for (const report of kept) if (!chosen.has(report.accession)) chosen.set(report.accession, report);
  }
  return [...chosen.values()].sort((a, b) => byCodePoint(a.accession, b.accession));
}

/**
 * Lists the dataset's assemblies through the NCBI Datasets API and downloads the files it asks for from
 * each assembly's FTP directory into `{path}/{directory}` under the source's layout. Files already there are
 * complete (downloads are renamed into place only once checked) and are not fetched again; a newer version
 * of an assembly is added beside the old one, which is kept.
 */
async function syncGenomes(context: SourceKindContext): Promise<SyncResult> {
  const settings = settingsOf(context);
  const dir = datasetTreeDir(context);
  const layout = context.dataset.layout;
  const ftpBase = ensureSlash((context.source["ftp_url"] as string | undefined) ?? NCBI_GENOMES_FTP_URL);
  const assemblies = await chosenAssemblies(context, settings);
  // Before the first sync the directory does not exist yet: nothing is present.
  const present = (await pathExists(dir))
    ? await listTreeItems(dir, { ...datasetLayout(context, false), include: [], exclude: [] })
    : { items: [], problems: [] };
  const fetched: string[] = [];
  const unchanged: string[] = [];
  for (const report of assemblies) {
    // A cancel stops between assemblies; one in flight is cut by the HTTP client and resumes next time.
    throwIfAborted(context.step.signal, `sync ${context.dataset.name}`);
    const species = speciesDirectoryName(speciesOfOrganism(report.organismName));
    const wanted = settings.files.map((kind) => ({
      kind,
      name: genomeFileName(layout, species, report.accession, kind),
    }));
    const missing: typeof wanted = [];
    for (const file of wanted) {
      if (await pathExists(join(dir, file.name))) unchanged.push(file.name);
      else missing.push(file);
    }
    if (missing.length === 0) continue;
    const base = report.accession.replace(/\.\d+$/, "");
    const older = present.items
      .filter((item) => item.accession !== report.accession && item.accession?.replace(/\.\d+$/, "") === base)
      .map((item) => item.accession);
    if (older.length > 0) {
      context.log(`${report.accession} replaces ${older.join(", ")} upstream; the old version is kept`);
    }
    const directory = await findAssemblyDirectory(context.http, ftpBase, report.accession);
    if (directory === undefined) {
      const parent = redactUrl(assemblyParentUrl(ftpBase, report.accession));
      if (
        !settings.accessions.some(
          (asked) => asked === report.accession || report.accession.startsWith(`${asked}.`),
        )
      ) {
        // A taxon's listing can name an assembly whose files are not public yet: a later sync picks it up.
        context.log(`${report.accession}: no directory on the FTP site under ${parent} yet; skipped`);
        continue;
      }
      throw new UpstreamError(
        `assembly ${report.accession} has no directory on the FTP site under ${parent}`,
        {
          details: { accession: report.accession, url: parent },
          hint: "NCBI may not have published its files yet, or suppressed it: leave it out of accessions for now, or check the source's ftp_url",
        },
      );
    }
    for (const file of missing) {
      const upstreamName = `${directory.name}${GENOME_FILE_KINDS[file.kind].ftpSuffix}`;
      const md5 = directory.md5s?.get(upstreamName);
      if (directory.md5s !== undefined && md5 === undefined) {
        // md5checksums.txt lists every file of the directory: this assembly has no such file.
        context.log(`${report.accession} publishes no ${file.kind} file (${upstreamName}); skipped`);
        continue;
      }
      if (md5 === undefined)
        context.log(`${report.accession}: no md5checksums.txt; ${upstreamName} kept unchecked`);
      await downloadToFile(context.http, new URL(upstreamName, directory.url).href, join(dir, file.name), {
        ...(md5 !== undefined ? { md5 } : {}),
        shownAs: file.name,
      });
      context.log(`fetched ${file.name}`);
      fetched.push(file.name);
    }
  }
  return { fetched, unchanged };
}

function ensureSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** NCBI genome assemblies: listed by the Datasets API, files from the FTP site, kept in a level 0/1/2 tree. */
export const ncbiGenomesSourceKind: SourceKind = {
  spec,
  // NCBI Datasets allows 5 requests/s per client, 10 with an API key.
  defaultRequestsPerSecond: (source) => (source["api_key"] !== undefined ? 10 : 5),
  sync: syncGenomes,
  // Versions `.1` and `.2` of an assembly are not read mates: no pairing in genome trees.
  items: (context) => listTreeItems(datasetTreeDir(context), datasetLayout(context, false)),
};
