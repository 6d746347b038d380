import { stat } from "node:fs/promises";
import { convertDataset } from "@omicslake/formats";
import type { Lake, LakeConfig, LocalFile, StepOptions } from "@omicslake/core";
import { directoryFiles } from "@omicslake/core";
import { ingestAndProcess } from "@omicslake/metadata";
import type { Command } from "commander";
import { withLongCommand } from "../long-command.js";
import type { Output } from "../output/output.js";
import { humanBytes, table } from "../output/output.js";
import type { ProgressRenderer } from "../output/progress-renderer.js";

interface IngestOptions {
  dataset?: string;
  source?: string;
  externalId?: string;
  tag?: string[];
  cellMetadata?: string;
}

/** Files → raw dataset → processed Parquet (the scientific-files flow), with progress and a summary. */
async function ingestFiles(
  lake: Lake,
  out: Output,
  files: string[],
  options: IngestOptions & { dataset: string },
  step: StepOptions,
): Promise<void> {
  if (files.length > 0) {
    const entries = await localEntries(files);
    let bar: ReturnType<Output["progress"]> | undefined;
    const { objects } = await lake.addFiles(entries, {
      dataset: options.dataset,
      ...(options.source !== undefined ? { source: options.source } : {}),
      ...(options.externalId !== undefined ? { externalId: options.externalId } : {}),
      ...(options.tag !== undefined ? { tags: options.tag } : {}),
      // Ctrl-C must stop a long copy into raw too, not only the conversion after it.
      ...(step.signal !== undefined ? { signal: step.signal } : {}),
      onProgress: ({ bytes, totalBytes }) => {
        bar ??= out.progress("adding to raw", totalBytes, "bytes");
        bar.update(bytes);
      },
    });
    bar?.stop();
    out.info(`raw/${options.dataset}: ${objects.length} file(s) added`);
  }
  const result = await convertDataset(lake, `raw:${options.dataset}`, {
    ...(options.cellMetadata !== undefined ? { cellMetadata: options.cellMetadata } : {}),
    ...step,
  });
  const { dataset, run, conversion, schemaVersions } = result;
  out.data(
    {
      dataset,
      run: run.id,
      format: conversion.format,
      outputs: conversion.outputs,
      schemaVersions,
      warnings: conversion.warnings,
    },
    () =>
      [
        `${conversion.format} → processed/${dataset.name} (run ${run.id})`,
        table(
          ["OUTPUT", "ROWS", "SIZE", "SCHEMA"],
          conversion.outputs.map((o) => {
            const version = schemaVersions.find((s) => s.tableName === o.table);
            const changed =
              version && version.version > 1
                ? ` (+${version.diff.added.length} -${version.diff.removed.length} ~${version.diff.retyped.length})`
                : "";
            return [
              o.name,
              o.rows,
              humanBytes(o.bytes),
              version ? `${o.table} v${version.version}${changed}` : "",
            ];
          }),
        ),
        ...conversion.warnings.map((w) => `warning: ${w}`),
      ].join("\n"),
  );
}

/**
 * The files to add: a file as itself, a folder (a 10x matrix folder) as every file in it under its path inside
 * the folder, so the conversion later sees the folder as `convert DIR` would.
 */
async function localEntries(paths: readonly string[]): Promise<(string | LocalFile)[]> {
  const entries: (string | LocalFile)[] = [];
  for (const path of paths) {
    const isDirectory = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDirectory) entries.push(...(await directoryFiles(path)));
    else entries.push(path);
  }
  return entries;
}

export function registerIngest(program: Command): void {
  program
    .command("ingest")
    .description(
      "bring data into the lake: configured [data.X] datasets are fetched from upstream into raw and parsed to processed Parquet; with --dataset, local files go into raw and are converted",
    )
    .argument(
      "[names...]",
      "configured datasets to ingest (default: all fetchable ones), or with --dataset the files or folders to add",
    )
    .option("-d, --dataset <name>", "raw dataset to ingest into and convert")
    .option("-s, --source <source>", "where the data came from")
    .option("--external-id <id>", "upstream accession")
    .option("-t, --tag <tag>", "tag the dataset (repeatable)", (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option("--cell-metadata <name>", "object in the dataset holding cell metadata to join by barcode")
    .action(async (files: string[], options: IngestOptions, command: Command) => {
      await withLongCommand(command, (lake, out, config, step, progress) =>
        ingest(lake, out, config, files, options, step, progress),
      );
    });
}

async function ingest(
  lake: Lake,
  out: Output,
  config: LakeConfig,
  files: string[],
  options: IngestOptions,
  step: StepOptions,
  progress: ProgressRenderer,
): Promise<void> {
  if (options.dataset !== undefined) {
    await ingestFiles(lake, out, files, { ...options, dataset: options.dataset }, step);
    return;
  }
  const summaries = await ingestAndProcess(
    lake,
    config,
    files,
    (line) => progress.info(line, (l) => out.info(l)),
    step,
  );
  out.data(
    summaries.map((s) => ({
      dataset: s.name,
      fetched: s.fetched,
      unchanged: s.skipped,
      rows: s.processed?.rowCounts ?? {},
      ...(s.error !== undefined ? { error: errorMessage(s.error) } : {}),
    })),
    () =>
      table(
        ["DATASET", "FETCHED", "UNCHANGED", "ROWS", "STATUS"],
        summaries.map((s) => [
          s.name,
          s.fetched,
          s.skipped,
          Object.entries(s.processed?.rowCounts ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
          s.error === undefined ? "ok" : `failed: ${errorMessage(s.error)}`,
        ]),
      ),
  );
  const failed = summaries.filter((s) => s.error !== undefined).map((s) => s.name);
  if (failed.length > 0) {
    // Raw keeps what earlier ingests fetched; processing it needs no upstream. Say so only for
    // datasets whose raw holds something: a first ingest that failed has nothing to reprocess.
    const rebuildable: string[] = [];
    for (const name of failed) {
      const raw = await lake.catalog.findDataset(name, "raw");
      if (raw !== undefined && raw.objectCount > 0) rebuildable.push(name);
    }
    if (rebuildable.length > 0) {
      out.info(
        `raw is unchanged; to rebuild processed from it without the network: omicslake reprocess ${rebuildable.join(" ")}`,
      );
    }
    process.exitCode = 1;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : JSON.stringify(error);
}
