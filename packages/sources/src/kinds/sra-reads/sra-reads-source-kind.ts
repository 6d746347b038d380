import { existsSync } from "node:fs";
import { parseLayout, type LayoutName, type SourceKindProblem, type SourceKindSpec } from "@omicslake/core";
import type { DataItem, ItemListing, ItemProblem } from "../../items/data-item.js";
import { listTreeItems } from "../../items/tree-items.js";
import { UpstreamError } from "../../upstream-error.js";
import { datasetLayout, datasetTreeDir } from "../dataset-tree.js";
import type { SourceKind, SourceKindContext, SyncResult } from "../source-kind.js";
import { placeholdersOf, splitCommandLine } from "./command-line.js";
import { downloadRun } from "./run-download.js";

const RUN_ACCESSION = /^[SED]RR\d+$/;
const DOWNLOAD_PLACEHOLDERS = ["accession", "output", "threads"];

const spec: SourceKindSpec = {
  kind: "sra-reads",
  description:
    "Reads of SRA runs in a local mirror ({Species}/{run}_1.fastq.gz), fetched by a command you configure",
  sourceKeys: {
    download_command: {
      value: { type: "string", example: "fasterq-dump --split-files -O {output} {accession}" },
      meaning:
        "program run (without a shell) for each listed run missing from the mirror; placeholders {accession} {output} {threads}",
    },
    download_threads: { value: { type: "positive-integer" }, meaning: "the value of {threads} (default 1)" },
  },
  dataKeys: {
    accessions: {
      value: { type: "strings", pattern: RUN_ACCESSION, example: "SRR1234567" },
      meaning: "run accessions (SRR…, ERR…, DRR…) the dataset holds",
    },
    species: { value: { type: "string" }, meaning: "the species directory the listed runs are under" },
  },
  layouts: ["level1", "level0", "level2", "files"],
  path: "required",
  url: "refused",
  steps: ["ingest", "convert", "checksum"],
  check: checkSraReads,
};

function checkSraReads(
  source: Readonly<Record<string, unknown>>,
  data: Readonly<Record<string, unknown>> | undefined,
): SourceKindProblem[] {
  const problems: SourceKindProblem[] = [];
  const command = source["download_command"];
  if (typeof command === "string") {
    const argv = splitCommandLine(command);
    if (typeof argv === "string") {
      problems.push({
        section: "source",
        key: "download_command",
        message: `download_command ${JSON.stringify(command)} cannot be run: ${argv}`,
        hint: "It runs without a shell: write sh -c '…' around pipes, redirections and variables",
      });
    }
    for (const name of placeholdersOf(command)) {
      if (!DOWNLOAD_PLACEHOLDERS.includes(name)) {
        problems.push({
          section: "source",
          key: "download_command",
          message: `unknown placeholder {${name}} in download_command`,
          hint: `Placeholders: ${DOWNLOAD_PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}; write {{ and }} for literal braces`,
        });
      }
    }
    if (!placeholdersOf(command).includes("accession")) {
      problems.push({
        section: "source",
        key: "download_command",
        message: "download_command does not name the run it fetches",
        hint: 'Put {accession} where the run accession goes: "fasterq-dump --split-files -O {output} {accession}"',
      });
    }
  }
  if (data === undefined) return problems;
  const layout = layoutOf(source);
  const species = data["species"];
  const accessions = data["accessions"];
  if (species !== undefined && accessions === undefined) {
    problems.push({
      section: "data",
      key: "species",
      message: "species names where the listed runs go, and no runs are listed",
      hint: 'Add accessions = ["SRR…"], or remove species',
    });
  }
  if (typeof species === "string" && (species === "" || species.includes("/") || species.startsWith("."))) {
    problems.push({
      section: "data",
      key: "species",
      message: `species ${JSON.stringify(species)} must be one visible directory name`,
      hint: 'Write e.g. species = "Homo_sapiens"',
    });
  }
  if (species !== undefined && layout === "files") {
    problems.push({
      section: "data",
      key: "species",
      message: "a files tree has no species directories: species would be ignored",
      hint: "Remove species, or give the source a layout with species (level0, level1, level2)",
    });
  }
  if (accessions !== undefined && species === undefined && layout !== "files") {
    problems.push({
      section: "data",
      key: "accessions",
      message: `runs in a ${layout} tree are under a species directory, and species is not set`,
      hint: 'Add species = "…" (the directory the runs are under)',
    });
  }
  return problems;
}

function layoutOf(source: Readonly<Record<string, unknown>>): LayoutName {
  const layout = source["layout"];
  return (
    (typeof layout === "string" || typeof layout === "number" ? parseLayout(layout) : undefined) ?? "level1"
  );
}

/** The run accession an item holds: its accession, or what its key starts with in a files tree. */
function runOf(item: DataItem): string | undefined {
  const name = item.accession ?? item.key.slice(item.key.lastIndexOf("/") + 1);
  return /^[SED]RR\d+(?![0-9])/.exec(name)?.[0];
}

interface RunsInMirror {
  readonly listing: ItemListing;
  /** Listed runs with no item in the mirror, in the configured order. */
  readonly missing: readonly string[];
}

async function runsInMirror(context: SourceKindContext): Promise<RunsInMirror> {
  const dir = datasetTreeDir(context);
  const accessions = (context.data["accessions"] as readonly string[] | undefined) ?? undefined;
  if (accessions === undefined) {
    return { listing: await listTreeItems(dir, datasetLayout(context)), missing: [] };
  }
  const species = context.data["species"] as string | undefined;
  const listing = existsSync(dir)
    ? await listTreeItems(dir, datasetLayout(context))
    : { items: [], problems: [] };
  // The dataset is the listed runs: other runs in the same directory belong to other datasets.
  const wanted = new Set(accessions);
  const items = listing.items.filter((item) => {
    const run = runOf(item);
    return run !== undefined && wanted.has(run) && (species === undefined || item.species === species);
  });
  const present = new Set(items.map(runOf));
  return {
    listing: { items, problems: listing.problems },
    missing: accessions.filter((accession) => !present.has(accession)),
  };
}

function missingProblem(context: SourceKindContext, accession: string): ItemProblem {
  const command = context.source["download_command"] !== undefined;
  return {
    name: accession,
    message: `run ${accession} is not in the mirror under ${datasetTreeDir(context)}: ${
      command
        ? "a sync fetches it with download_command"
        : `put its files there, or add download_command to [source.${context.sourceName}]`
    }`,
  };
}

/**
 * `sra-reads`: the reads of SRA runs in a local mirror under the source's `path`, one item per run (its
 * `_1`/`_2` mates paired). With `accessions`, the dataset is those runs: each one missing from the mirror is
 * a problem of the listing, and `sync` fetches it with the source's `download_command`.
 */
export const sraReadsSourceKind: SourceKind = {
  spec,
  async items(context) {
    const { listing, missing } = await runsInMirror(context);
    return {
      items: listing.items,
      problems: [...listing.problems, ...missing.map((a) => missingProblem(context, a))].sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      ),
    };
  },
  async sync(context): Promise<SyncResult> {
    const { listing, missing } = await runsInMirror(context);
    const unchanged = listing.items.flatMap((item) => item.files.map((f) => f.name));
    if (missing.length === 0) return { fetched: [], unchanged };
    const dir = datasetTreeDir(context);
    const command = context.source["download_command"] as string | undefined;
    if (command === undefined) {
      throw new UpstreamError(
        `dataset "${context.dataset.name}": runs missing from the mirror at ${dir}: ${missing.join(", ")}`,
        {
          details: { dataset: context.dataset.name, directory: dir, missing },
          hint: `Put their files there, or add download_command = "fasterq-dump --split-files -O {output} {accession}" to [source.${context.sourceName}]`,
        },
      );
    }
    const fetched: string[] = [];
    const failures: { accession: string; message: string; exitCode?: number }[] = [];
    for (const accession of missing) {
      context.log(`${context.dataset.name}: fetching ${accession}`);
      const outcome = await downloadRun({
        command,
        accession,
        datasetDir: dir,
        layout: context.dataset.layout,
        ...(context.data["species"] !== undefined ? { species: context.data["species"] as string } : {}),
        threads: (context.source["download_threads"] as number | undefined) ?? 1,
        ...(context.step.signal ? { signal: context.step.signal } : {}),
      });
      if (outcome.ok) {
        fetched.push(...outcome.names);
        context.log(`${context.dataset.name}: ${accession}: ${outcome.names.join(", ")}`);
      } else {
        failures.push({
          accession,
          message: outcome.message,
          ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
        });
        context.log(`${context.dataset.name}: ${accession} failed: ${outcome.message}`);
      }
    }
    if (failures.length > 0) {
      throw new UpstreamError(
        `dataset "${context.dataset.name}": ${failures.length} of ${missing.length} runs could not be fetched:\n${failures
          .map((f) => `  ${f.accession}: ${f.message}`)
          .join("\n")}`,
        {
          details: { dataset: context.dataset.name, failures, fetched },
          hint: "Fix the command or the runs named; runs fetched before stay in the mirror and are not fetched again",
        },
      );
    }
    return { fetched: fetched.sort(), unchanged };
  },
};
