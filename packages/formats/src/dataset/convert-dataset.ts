import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { convertPath, type ConversionResult } from "@omicslake/formats";
import type { CatalogObject, Dataset, Run, SchemaVersion } from "@omicslake/core";
import { ValidationError } from "@omicslake/core";
import type { DatasetRef, Lake, StepOptions } from "@omicslake/core";

/**
 * Progress of the `convert` step: stages `download` (raw objects materialised), `convert` (the
 * converter's own measure, `items`) and `publish` (outputs stored). Aborting `signal` stops before
 * the next download, or after the conversion and before anything is published.
 */
export interface ConvertDatasetOptions extends StepOptions {
  /** Name of the processed dataset; defaults to the raw dataset's name. */
  readonly target?: string;
  /** Name of an object in the raw dataset holding cell metadata to join by barcode (10x, Matrix Market). */
  readonly cellMetadata?: string;
  /** Where inputs are materialised and outputs staged; defaults to the system temp directory. */
  readonly workDir?: string;
  /** GenBank only: keep the records of these taxids (a taxon's subtree). */
  readonly genbankTaxids?: { has(taxid: number): boolean; readonly size: number };
}

export interface ConvertDatasetResult {
  readonly dataset: Dataset;
  readonly run: Run;
  readonly conversion: ConversionResult;
  readonly schemaVersions: readonly SchemaVersion[];
}

/**
 * Converts a raw dataset's files to standardized Parquet in a processed dataset of the same name:
 * the converter is chosen by content, every output table gets a schema version (a new version, with
 * its diff, when a re-conversion changes the columns), the run records tool versions, input checksums
 * and row counts, and a `conversion` edge links processed to raw. A failed conversion publishes nothing.
 *
 * @example
 * await lake.addFiles(["pbmc.h5ad"], { dataset: "pbmc" });
 * const { dataset } = await convertDataset(lake, "pbmc");   // processed:pbmc with obs, var, matrix.X …
 */
export async function convertDataset(
  lake: Lake,
  ref: DatasetRef,
  options: ConvertDatasetOptions = {},
): Promise<ConvertDatasetResult> {
  const raw = await lake.dataset(ref);
  if (raw.layer !== "raw") {
    throw new ValidationError(`dataset "${raw.name}" is in ${raw.layer}; conversion reads a raw dataset`, {
      details: { dataset: raw.name, layer: raw.layer },
      hint: `Name the raw dataset, e.g. raw:${raw.name}`,
    });
  }
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), "omicslake-convert-"));
  try {
    const runOptions = {
      parameters: { dataset: raw.name, datasetId: raw.id },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    const { result, run } = await lake.withRun("convert", runOptions, async (ctx, step) => {
      const download = step.stage("download", "objects");
      const convert = step.stage("convert", "items");
      const publish = step.stage("publish", "objects");
      const objects = await allObjects(lake, raw);
      if (objects.length === 0) {
        throw new ValidationError(`raw dataset "${raw.name}" has no objects to convert`, {
          details: { dataset: raw.name },
        });
      }
      // Converters need files (HDF5 is random access), so inputs are materialised, verified on the way.
      const inputDir = join(work, "input");
      let downloaded = 0;
      for (const object of objects) {
        step.throwIfAborted();
        const path = join(inputDir, object.name);
        await mkdir(dirname(path), { recursive: true });
        await pipeline(await lake.readObject(object), createWriteStream(path));
        ctx.input({
          key: object.key,
          datasetId: raw.id,
          name: object.name,
          sha256: object.sha256,
          size: object.size,
        });
        download.report(++downloaded, objects.length, object.name);
      }
      const metadataName = options.cellMetadata;
      if (metadataName !== undefined && !objects.some((o) => o.name === metadataName)) {
        throw new ValidationError(
          `raw dataset "${raw.name}" has no object "${metadataName}" for cell metadata`,
          {
            details: { dataset: raw.name, cellMetadata: metadataName },
            hint: `Objects: ${objects.map((o) => o.name).join(", ")}`,
          },
        );
      }
      const single = objects.length === 1 || (objects.length === 2 && metadataName !== undefined);
      const input = single ? join(inputDir, objects.find((o) => o.name !== metadataName)!.name) : inputDir;
      const conversion = await convertPath(input, join(work, "output"), {
        ...(metadataName !== undefined ? { cellMetadata: join(inputDir, metadataName) } : {}),
        ...(options.genbankTaxids !== undefined ? { genbankTaxids: options.genbankTaxids } : {}),
        onProgress: (done, total) => convert.report(done, total),
      });
      // Converters run to the end once started; this is the last point before anything is published.
      step.throwIfAborted();
      for (const [tool, version] of Object.entries(conversion.toolVersions)) ctx.tool(tool, version);
      for (const warning of conversion.warnings) ctx.log(`warning: ${warning}`);

      const target = await lake.ensureDataset({
        name: options.target ?? raw.name,
        layer: "processed",
        source: raw.source,
        externalId: raw.externalId,
        tags: raw.tags,
        description: raw.description,
        metadata: { ...raw.metadata, format: conversion.format, converted_from: `raw:${raw.name}` },
      });
      // A re-conversion replaces the previous outputs: each is repointed atomically, stale ones go after.
      const fresh = new Set(conversion.outputs.map((o) => o.name));
      const previous = await allObjects(lake, target);
      let published = 0;
      for (const output of conversion.outputs) {
        const object = await lake.putObject(target, { file: output.path, name: output.name });
        ctx.output({
          key: object.key,
          datasetId: target.id,
          name: output.name,
          sha256: object.sha256,
          size: object.size,
          rows: output.rows,
        });
        if (output.table !== "manifest") ctx.rows(output.table, output.rows);
        publish.report(++published, conversion.outputs.length, output.name);
      }
      for (const old of previous) {
        if (fresh.has(old.name)) continue;
        await lake.removeObject(target, old.name);
      }
      const schemaVersions: SchemaVersion[] = [];
      const recorded = new Set<string>();
      for (const output of conversion.outputs) {
        // A matrix written in parts has one table (and schema) for all its files.
        if (output.fields.length === 0 || recorded.has(output.table)) continue;
        recorded.add(output.table);
        schemaVersions.push(await lake.catalog.recordSchema(target.id, output.table, output.fields, ctx.id));
      }
      await lake.catalog.addProvenance({
        outputDatasetId: target.id,
        inputDatasetId: raw.id,
        action: "conversion",
        runId: ctx.id,
        parameters: {
          format: conversion.format,
          ...(metadataName !== undefined ? { cellMetadata: metadataName } : {}),
        },
      });
      return { targetId: target.id, conversion, schemaVersions };
    });
    return {
      dataset: await lake.catalog.getDataset(result.targetId),
      run,
      conversion: result.conversion,
      schemaVersions: result.schemaVersions,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function allObjects(lake: Lake, dataset: Dataset): Promise<CatalogObject[]> {
  const objects: CatalogObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.catalog.listObjects(dataset.id, { limit: 500, ...(cursor ? { cursor } : {}) });
    objects.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return objects;
}
