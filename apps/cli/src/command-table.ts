import type { Command } from "commander";

/** Adds one module's commands, with their options and actions, to the program. */
export type RegisterCommands = (program: Command) => void;

/**
 * What the program's help says about a top-level command, and where its real definition lives. The
 * definition (options, arguments, action) is imported only when the command runs or its own help is
 * asked for: loading every command's module would load the server, DuckDB, PGlite and the AWS SDK on
 * every call, `--help` included. A test compares each entry with the registered command.
 */
export interface CommandEntry {
  readonly name: string;
  /** Options and arguments as the program's help lists them after the name: `[options] <file...>`. */
  readonly usage: string;
  readonly description: string;
  readonly load: () => Promise<RegisterCommands>;
  /**
   * Whether a command line (the words after the command's name) writes to the lake, so that its outcome
   * is recorded in the audit log. Leave it out for commands that only read. Mark a new command that writes
   * with `writes: always`, or `subcommands(...)` for a group whose some subcommands write.
   */
  readonly writes?: (args: readonly string[]) => boolean;
}

/** `writes` of a command whose every run writes. */
export const always = (): boolean => true;

/** `writes` of a command group: true when the first word after the group names one of `names`. */
export function subcommands(...names: readonly string[]): (args: readonly string[]) => boolean {
  return (args) => names.includes(args.find((arg) => !arg.startsWith("-")) ?? "");
}

const init = async (): Promise<RegisterCommands> => (await import("./commands/init-command.js")).registerInit;
const config = async (): Promise<RegisterCommands> =>
  (await import("./commands/config-command.js")).registerConfig;
const add = async (): Promise<RegisterCommands> => (await import("./commands/add-command.js")).registerAdd;
const catalog = async (): Promise<RegisterCommands> =>
  (await import("./commands/catalog-command.js")).registerCatalog;
const layers = async (): Promise<RegisterCommands> =>
  (await import("./commands/layer-commands.js")).registerLayerCommands;
const audit = async (): Promise<RegisterCommands> =>
  (await import("./commands/audit-command.js")).registerAudit;
const keys = async (): Promise<RegisterCommands> => (await import("./commands/keys-command.js")).registerKeys;
const parse = async (): Promise<RegisterCommands> =>
  (await import("./commands/parse-command.js")).registerParse;
const ingest = async (): Promise<RegisterCommands> =>
  (await import("./commands/ingest-command.js")).registerIngest;
const reprocess = async (): Promise<RegisterCommands> =>
  (await import("./commands/reprocess-command.js")).registerReprocess;
const processCommand = async (): Promise<RegisterCommands> =>
  (await import("./commands/process-command.js")).registerProcess;
const metadata = async (): Promise<RegisterCommands> =>
  (await import("./commands/metadata-commands.js")).registerMetadataCommands;
const convert = async (): Promise<RegisterCommands> =>
  (await import("./commands/convert-command.js")).registerConvert;
const serve = async (): Promise<RegisterCommands> =>
  (await import("./commands/serve-command.js")).registerServe;
const worker = async (): Promise<RegisterCommands> =>
  (await import("./commands/worker-command.js")).registerWorker;
const publish = async (): Promise<RegisterCommands> =>
  (await import("./commands/publish-command.js")).registerPublish;
const backup = async (): Promise<RegisterCommands> =>
  (await import("./commands/backup-command.js")).registerBackup;
const restore = async (): Promise<RegisterCommands> =>
  (await import("./commands/restore-command.js")).registerRestore;
const runs = async (): Promise<RegisterCommands> => (await import("./commands/runs-command.js")).registerRuns;
const provenance = async (): Promise<RegisterCommands> =>
  (await import("./commands/provenance-command.js")).registerProvenance;
const datasets = async (): Promise<RegisterCommands> =>
  (await import("./commands/datasets-command.js")).registerDatasets;
const roles = async (): Promise<RegisterCommands> =>
  (await import("./commands/datasets-command.js")).registerRoles;
const links = async (): Promise<RegisterCommands> =>
  (await import("./commands/links-command.js")).registerLinks;
const expr = async (): Promise<RegisterCommands> => (await import("./commands/expr-command.js")).registerExpr;
const assets = async (): Promise<RegisterCommands> =>
  (await import("./commands/assets-command.js")).registerAssets;
const materialize = async (): Promise<RegisterCommands> =>
  (await import("./commands/materialize-command.js")).registerMaterialize;
const daemon = async (): Promise<RegisterCommands> =>
  (await import("./commands/daemon-command.js")).registerDaemon;
const demo = async (): Promise<RegisterCommands> => (await import("./commands/demo-command.js")).registerDemo;

/** Every top-level command, in the order the program's help lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "init",
    usage: "[options] [dir]",
    description: "write a commented omicslake.toml and its JSON Schema (for editor completion)",
    load: init,
  },
  { name: "config", usage: "", description: "check and describe the configuration", load: config },
  {
    name: "datasets",
    usage: "",
    description: "the datasets omicslake.toml declares ([data.NAME]), with their items",
    load: datasets,
  },
  {
    name: "roles",
    usage: "",
    description: "the roles omicslake.toml declares, with their processing and datasets",
    load: roles,
  },
  {
    name: "add",
    usage: "[options] <file...>",
    description: "add files to a raw dataset (created if needed), checksummed and recorded as a run",
    load: add,
    writes: always,
  },
  { name: "catalog", usage: "", description: "search and inspect the catalog", load: catalog },
  {
    name: "promote",
    usage: "[options] <dataset>",
    description: "copy a dataset into the next layer (raw → processed → curated → archive)",
    load: layers,
    writes: always,
  },
  {
    name: "delete",
    usage: "<dataset>",
    description: "delete a dataset and its objects (refused in raw)",
    load: layers,
    writes: always,
  },
  {
    name: "lineage",
    usage: "[options] <dataset>",
    description: "where a dataset came from (--graph: also what was made from it)",
    load: layers,
  },
  {
    name: "fsck",
    usage: "[options]",
    description:
      "re-hash every object and compare with the catalog; report mismatches, orphans and the debris of killed work (temp files, stray sidecars, stale runs, empty raw datasets of failed runs)",
    load: layers,
    writes: (args) => args.includes("--repair"),
  },
  {
    name: "keys",
    usage: "",
    description: "manage API keys for the REST API",
    load: keys,
    writes: subcommands("create", "revoke"),
  },
  {
    name: "audit",
    usage: "[options]",
    description: "the audit log: every write from the CLI and the API, newest first",
    load: audit,
  },
  { name: "runs", usage: "", description: "list and inspect runs (every recorded step)", load: runs },
  {
    name: "provenance",
    usage: "",
    description: "record steps run outside the lake (FastQC, nf-core) in the lineage",
    load: provenance,
    writes: subcommands("record"),
  },
  {
    name: "parse",
    usage: "[options] <format> <file...>",
    description: "stream NCBI metadata files (plain or .gz, - for stdin) to NDJSON records on stdout",
    load: parse,
  },
  {
    name: "ingest",
    usage: "[options] [names...]",
    description:
      "bring data into the lake: configured [data.X] datasets are fetched from upstream into raw and parsed to processed Parquet; with --dataset, local files go into raw and are converted",
    load: ingest,
    writes: always,
  },
  {
    name: "reprocess",
    usage: "[datasets...]",
    description:
      "rebuild processed Parquet from what raw already holds, without the network (when the upstream is down or processed was lost)",
    load: reprocess,
    writes: always,
  },
  {
    name: "process",
    usage: "[options] [datasets...]",
    description:
      "run the configured processing of datasets (their role's or their own steps, commands included), skipping items whose inputs are unchanged",
    load: processCommand,
    writes: always,
  },
  {
    name: "consolidate",
    usage: "[options]",
    description:
      "deduplicate processed metadata into one curated Parquet per entity and register them in DuckLake",
    load: metadata,
    writes: always,
  },
  {
    name: "snapshot",
    usage: "",
    description:
      "build the single-file omicslake.duckdb from the curated entities (the previous one is archived)",
    load: metadata,
    writes: always,
  },
  {
    name: "load",
    usage: "[options] [entities...]",
    description: "load curated entities into the serving tables (A/B swap: readers never wait or fail)",
    load: metadata,
    writes: always,
  },
  {
    name: "query",
    usage: "[options] <sql>",
    description:
      "run SQL with DuckDB over the curated entity tables (sra_run, geo_series, pubmed_article, …) and the expression stores' tables (<dataset>_genes, _cells, _values, _group_stats)",
    load: metadata,
  },
  {
    name: "links",
    usage: "[options] <accessions...>",
    description:
      "every accession related to GEO, SRA, BioSample, BioProject accessions or PMIDs (--to srr: the nearest of one type, as gse-to-srr)",
    load: links,
  },
  {
    name: "assets",
    usage: "",
    description: "the asset graph: every flow's steps and configured datasets, with their state",
    load: assets,
  },
  {
    name: "materialize",
    usage: "[options]",
    description:
      "materialize assets in dependency order, with retries; a failed asset stops its downstream and keeps its previous data",
    load: materialize,
    writes: always,
  },
  {
    name: "daemon",
    usage: "[options]",
    description:
      "evaluate every asset's automation condition every [automation] interval and run what is due, in the foreground",
    load: daemon,
    writes: always,
  },
  {
    name: "publish",
    usage: "[options]",
    description:
      "publish the snapshot, curated Parquet and a relocatable DuckLake catalog with a manifest of sha256s (only changed files are sent)",
    load: publish,
    writes: always,
  },
  {
    name: "convert",
    usage: "[options] <input>",
    description:
      "convert a scientific file, folder or archive to Parquet (h5ad, 10x, mtx, RDS, pickle, CSV/TSV, GenBank, FASTQ/FASTA, tar/zip), detected by content",
    load: convert,
  },
  {
    name: "serve",
    usage: "[options]",
    description: "serve the REST API, its docs and the web dashboard for this lake",
    load: serve,
  },
  {
    name: "worker",
    usage: "[options]",
    description:
      "run asset-partitions queued on the lake's PostgreSQL server (by materialize, the daemon or the API), until SIGINT/SIGTERM",
    load: worker,
    writes: always,
  },
  {
    name: "backup",
    usage: "[options]",
    description:
      "back up the catalog and every object not yet in the destination's pool, verified, with a manifest",
    load: backup,
    writes: always,
  },
  {
    name: "backups",
    usage: "[id]",
    description: "list backups with their status, sizes and errors, or show one",
    load: backup,
  },
  {
    name: "restore",
    usage: "[options] <backup>",
    description: "build a new lake in an empty directory from a backup, verifying every object",
    load: restore,
  },
  {
    name: "expr",
    usage: "",
    description:
      "expression analytics on converted matrices: build a store, then genes, correlation, variability, subsets",
    load: expr,
    writes: subcommands("build"),
  },
  {
    name: "demo",
    usage: "[options]",
    description: "build a demo lake from generated data and serve it (the API and the web dashboard)",
    load: demo,
  },
];

/** The entry of a top-level command name, if there is one. */
export function commandEntry(name: string | undefined): CommandEntry | undefined {
  return COMMANDS.find((entry) => entry.name === name);
}
