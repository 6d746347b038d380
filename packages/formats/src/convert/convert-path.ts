import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { sniffFormat } from "../sniff/sniff-format.js";
import type { ConversionOutput, ConversionResult } from "./conversion-result.js";
import { convertArchive, convertFolder } from "./convert-members.js";
import type { ConvertPathOptions } from "./convert-path-options.js";
import { convertSingle } from "./convert-single.js";
import { FormatError } from "./format-error.js";
import { stagePrefix, sweepStaleStages } from "./stale-stages.js";

export type { ConvertPathOptions } from "./convert-path-options.js";

/**
 * Converts a file or directory to Parquet by what its content is (see sniffFormat): RDS, pickle, CSV/TSV,
 * h5ad, 10x (HDF5 or Matrix Market directory), Matrix Market, Parquet, or a tar/zip archive whose members are
 * each converted by content. All outputs and `manifest.json` appear in `outDir` at once: the work happens in a
 * temporary directory next to it that is renamed into place, so a failed conversion leaves nothing in `outDir`.
 * `outDir` must not exist or be empty.
 *
 * @example const result = await convertPath("upload.zip", "converted/upload");
 */
export async function convertPath(
  input: string,
  outDir: string,
  options: ConvertPathOptions = {},
): Promise<ConversionResult> {
  const target = resolve(outDir);
  await assertOutDirFree(target);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  // Partial output of an earlier conversion here that was killed is dead: clear it before starting.
  await sweepStaleStages(parent, basename(target));
  const stage = await mkdtemp(stagePrefix(parent, basename(target), "converting"));
  const scratch: string[] = [];
  try {
    const sniff = await sniffFormat(input);
    options.signal?.throwIfAborted();
    let result: ConversionResult;
    if (sniff.format === "tar" || sniff.format === "zip") {
      const extractDir = await mkdtemp(stagePrefix(parent, basename(target), "extract"));
      scratch.push(extractDir);
      result = await convertArchive(input, sniff, stage, extractDir, options);
    } else if (sniff.format === "unknown" && sniff.details["directory"] === true) {
      const linkDir = await mkdtemp(stagePrefix(parent, basename(target), "links"));
      scratch.push(linkDir);
      result = await convertFolder(input, stage, linkDir, options);
    } else {
      result = await convertSingle(input, sniff, stage, options, input);
    }
    const outputs = result.outputs.map((o) => relocate(o, stage, target));
    const manifestPath = join(stage, "manifest.json");
    const manifest = {
      format: result.format,
      input: resolve(input),
      detected: sniff,
      outputs: outputs.map((o) => ({
        name: o.name,
        table: o.table,
        rows: o.rows,
        bytes: o.bytes,
        fields: o.fields,
      })),
      warnings: result.warnings,
      toolVersions: result.toolVersions,
      ...result.manifest,
    };
    await writeFile(manifestPath, `${JSON.stringify(manifest, jsonReplacer, 2)}\n`);
    const manifestOutput: ConversionOutput = {
      name: "manifest.json",
      path: join(target, "manifest.json"),
      table: "manifest",
      rows: 1,
      bytes: (await stat(manifestPath)).size,
      fields: [],
    };
    options.signal?.throwIfAborted();
    await rmdir(target).catch(() => undefined); // an empty outDir is replaced; a non-empty one was refused above
    await rename(stage, target);
    return { ...result, outputs: [...outputs.filter((o) => o.name !== "manifest.json"), manifestOutput] };
  } catch (error) {
    await rm(stage, { recursive: true, force: true });
    throw error;
  } finally {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  }
}

async function assertOutDirFree(target: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (entries.length > 0) {
    throw new FormatError("output_exists", `the output directory is not empty (${entries.length} entries)`, {
      file: target,
      hint: "Choose a new output directory or remove the old conversion first; conversions never mix with earlier files.",
    });
  }
}

function relocate(o: ConversionOutput, stage: string, target: string): ConversionOutput {
  const rel = relative(stage, o.path);
  if (rel.startsWith("..") || rel === "") return o;
  return { ...o, name: rel.split(sep).join("/"), path: join(target, rel) };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
