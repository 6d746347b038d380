import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join, posix, relative, resolve, sep } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { DEFAULT_ARCHIVE_LIMITS, extractArchive } from "../archive/archive-extractor.js";
import { verifyCompressedFile } from "../compression/compressed-file.js";
import { readTextLines } from "../compression/read-decompressed.js";
import type { ArchiveLimits, ExtractedMember } from "../archive/archive-extractor.js";
import { convertCsv } from "../csv/csv-path-converter.js";
import { convertH5ad } from "../h5ad/h5ad-converter.js";
import { convertMtx } from "../mtx/mtx-converter.js";
import { parquetEngineVersion } from "../parquet/parquet-sink.js";
import { convertPickle } from "../pickle/pickle-converter.js";
import { convertRds } from "../rds/rds-converter.js";
import { sniffFormat } from "../sniff/sniff-format.js";
import { convertTenx } from "../tenx/tenx-converter.js";
import type { SniffResult } from "../sniff/sniff-format.js";
import type { ConversionOutput, ConversionResult, ConvertOptions, OutputField } from "./conversion-result.js";
import { FormatError } from "./format-error.js";
import { stagePrefix, sweepStaleStages } from "./stale-stages.js";
import { safeTableName } from "./frame-output.js";

export interface ConvertPathOptions extends ConvertOptions {
  /** A CSV/TSV cell metadata table joined by barcode onto 10x / Matrix Market cells. */
  readonly cellMetadata?: string;
  /** Overrides of the archive safety limits (size, member count, compression ratio). */
  readonly archiveLimits?: Partial<ArchiveLimits>;
}

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
    throw new FormatError(
      "output_exists",
      `the output directory is not empty (${entries.length} entries)`,
      {
        file: target,
        hint: "Choose a new output directory or remove the old conversion first; conversions never mix with earlier files.",
      },
    );
  }
}

/** One non-archive input (a file, a 10x directory) converted into `dir`. */
async function convertSingle(
  input: string,
  sniff: SniffResult,
  dir: string,
  options: ConvertPathOptions,
  label: string,
): Promise<ConversionResult> {
  const passOn = {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  switch (sniff.format) {
    case "rds":
      return convertRds(input, dir, passOn);
    case "pickle":
      return convertPickle(input, dir, passOn);
    case "csv":
    case "tsv": {
      if (sniff.compressed === "bzip2" || sniff.compressed === "xz") {
        throw unsupported(
          label,
          `${sniff.format.toUpperCase()} compressed with ${sniff.compressed}`,
          "Recompress it with gzip (DuckDB reads gzip text directly).",
        );
      }
      const delimiter = sniff.details["delimiter"];
      return convertCsv(input, dir, { ...passOn, ...(typeof delimiter === "string" ? { delimiter } : {}) });
    }
    case "mtx":
      return convertMtx(input, dir, { ...passOn, ...cellMetadataOption(options) });
    case "h5ad":
      return convertH5ad(input, dir, passOn);
    case "10x-h5":
    case "10x-mtx-dir":
      return convertTenx(input, dir, { ...passOn, ...cellMetadataOption(options) });
    case "parquet":
      return copyParquet(input, dir);
    case "hdf5":
      throw unsupported(
        label,
        typeof sniff.details["reason"] === "string"
          ? `an HDF5 file: ${sniff.details["reason"]}`
          : "an HDF5 file that is neither AnnData (h5ad) nor a 10x Genomics matrix",
        "Export the data as h5ad (AnnData.write_h5ad) or CSV.",
      );
    case "tar":
    case "zip":
      throw unsupported(
        label,
        "an archive inside an archive",
        "Unpack the inner archive and convert it on its own.",
      );
    case "gzip":
      // Damage can hide what a file holds: report the damage rather than an unknown format.
      await verifyCompressedFile(input, "gzip");
      throw unsupported(
        label,
        "gzip-compressed content of an unknown format",
        "Check what the file holds (zcat | head); supported: RDS, pickle, CSV/TSV, Matrix Market, tar.",
      );
    case "unknown":
      if (sniff.compressed !== undefined) await verifyCompressedFile(input, sniff.compressed);
      throw unsupported(
        label,
        `content of an unknown format${sniff.compressed ? ` (${sniff.compressed}-compressed)` : ""}`,
        "Supported: h5ad, 10x (HDF5 or matrix.mtx/barcodes/features), Matrix Market, RDS, pickle, CSV/TSV, Parquet, tar/zip of those.",
      );
  }
}

function cellMetadataOption(options: ConvertPathOptions): { cellMetadata?: string } {
  return options.cellMetadata === undefined ? {} : { cellMetadata: options.cellMetadata };
}

function unsupported(file: string, what: string, hint: string): FormatError {
  return new FormatError("unsupported_format", `cannot convert ${what}`, { file, hint });
}

async function copyParquet(input: string, dir: string): Promise<ConversionResult> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, "table.parquet");
  await copyFile(input, file);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const lit = `'${file.replaceAll("'", "''")}'`;
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit})`);
    const fields: OutputField[] = described.getRowObjectsJS().map((r) => ({
      name: text(r["column_name"]),
      type: text(r["column_type"]),
      nullable: r["null"] !== "NO",
    }));
    const counted = await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${lit})`);
    const rows = Number(counted.getRowObjectsJS()[0]?.["n"] ?? 0);
    return {
      format: "parquet",
      input,
      outputs: [
        { name: "table.parquet", path: file, table: "table", rows, bytes: (await stat(file)).size, fields },
      ],
      manifest: { parquet: { copied: true } },
      warnings: [],
      toolVersions: { duckdb: parquetEngineVersion() },
    };
  } catch (cause) {
    throw new FormatError(
      "unsupported_format",
      `Parquet magic bytes but DuckDB cannot read it: ${(cause as Error).message}`,
      { file: input, hint: "The Parquet file is truncated or corrupt.", cause },
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// ---- archives ----------------------------------------------------------------------------------------------

interface MemberReport {
  path: string;
  bytes: number;
  format: string;
  compressed?: string;
  status: "converted" | "skipped" | "failed";
  reason?: string;
  error?: { code: string; message: string };
  outputs: string[];
}

const TENX_BARCODES = /^barcodes\.tsv(\.gz)?$/;
const TENX_FEATURES = /^(features|genes)\.tsv(\.gz)?$/;

async function convertArchive(
  input: string,
  sniff: SniffResult,
  stage: string,
  extractDir: string,
  options: ConvertPathOptions,
): Promise<ConversionResult> {
  if (sniff.compressed !== undefined && sniff.compressed !== "gzip") {
    throw unsupported(input, `a ${sniff.compressed}-compressed tar`, "Recompress it as .tar.gz or zip.");
  }
  const kind = sniff.format === "zip" ? "zip" : "tar";
  const extracted = await extractArchive(input, extractDir, kind, {
    ...(sniff.compressed === "gzip" ? { compressed: "gzip" as const } : {}),
    ...(options.archiveLimits ? { limits: options.archiveLimits } : {}),
  });
  return convertMembers({
    input,
    container: { kind, compressed: sniff.compressed ?? null },
    members: extracted.members,
    skipped: extracted.skipped,
    stage,
    scratch: extractDir,
    // Extracted files are ours: grouping a 10x triplet may move them.
    place: (from, to) => rename(from, to),
    options,
  });
}

/**
 * A directory that is not a 10x directory: every regular file in it (recursively, hidden files aside) is
 * converted by content like an archive member; the user's files are linked, never moved.
 */
async function convertFolder(
  input: string,
  stage: string,
  scratch: string,
  options: ConvertPathOptions,
): Promise<ConversionResult> {
  const maxMembers = options.archiveLimits?.maxMembers ?? DEFAULT_ARCHIVE_LIMITS.maxMembers;
  const members: ExtractedMember[] = [];
  for (const entry of await readdir(input, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const path = relative(input, file).split(sep).join("/");
    if (path.split("/").some((part) => part.startsWith("."))) continue;
    members.push({ path, file, bytes: (await stat(file)).size });
    if (members.length > maxMembers) {
      throw new FormatError("archive_limit_exceeded", `the folder holds more than ${maxMembers} files`, {
        file: input,
        hint: "Convert sub-folders one at a time or raise maxMembers.",
      });
    }
  }
  members.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return convertMembers({
    input,
    container: { kind: "directory", compressed: null },
    members,
    skipped: [],
    stage,
    scratch,
    place: (from, to) => symlink(resolve(from), to),
    options,
  });
}

async function convertMembers(args: {
  readonly input: string;
  readonly container: { readonly kind: "zip" | "tar" | "directory"; readonly compressed: string | null };
  readonly members: readonly ExtractedMember[];
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  readonly stage: string;
  readonly scratch: string;
  readonly place: (from: string, to: string) => Promise<void>;
  readonly options: ConvertPathOptions;
}): Promise<ConversionResult> {
  const { input, stage, options, place } = args;
  const extractDir = args.scratch;
  const extracted = { members: args.members, skipped: args.skipped };
  const sniffed = new Map<ExtractedMember, SniffResult>();
  for (const m of extracted.members) sniffed.set(m, await sniffFormat(m.file));

  const reports: MemberReport[] = [];
  const outputs: ConversionOutput[] = [];
  const warnings: string[] = [];
  const memberManifests: Record<string, unknown> = {};
  const toolVersions: Record<string, string> = {};
  const handled = new Set<ExtractedMember>();
  const units: {
    label: string;
    input: string;
    sniff: SniffResult;
    members: ExtractedMember[];
    options?: Record<string, unknown>;
  }[] = [];

  // 10x triplets: a Matrix Market member with its barcodes and features next to it is one matrix.
  for (const m of extracted.members) {
    const s = sniffed.get(m);
    if (s?.format !== "mtx") continue;
    const group = await tenxGroup(m, s, extracted.members, sniffed);
    if (group === undefined) continue;
    const dir = join(extractDir, `.tenx-${units.length}`);
    await mkdir(dir);
    const gz = (x: ExtractedMember): string => (sniffed.get(x)?.compressed === "gzip" ? ".gz" : "");
    await place(m.file, join(dir, `matrix.mtx${gz(m)}`));
    await place(group.barcodes.file, join(dir, `barcodes.tsv${gz(group.barcodes)}`));
    await place(group.features.file, join(dir, `features.tsv${gz(group.features)}`));
    const folder = posix.dirname(m.path);
    const members = [m, group.barcodes, group.features];
    for (const x of members) handled.add(x);
    units.push({
      label: folder === "." ? basename(m.path) : folder,
      input: dir,
      sniff: {
        format: "10x-mtx-dir",
        details: { members: members.map((x) => x.path), matchedBy: group.matchedBy },
      },
      members,
    });
  }
  for (const m of extracted.members) {
    if (!handled.has(m))
      units.push({
        label: m.path,
        input: m.file,
        sniff: sniffed.get(m) ?? { format: "unknown", details: {} },
        members: [m],
      });
  }

  let done = 0;
  const usedKeys = new Set<string>();
  for (const unit of units) {
    options.signal?.throwIfAborted();
    const key = uniqueKey(memberKey(unit.label), usedKeys);
    const memberDir = join(stage, ...key.split("/"));
    const report: MemberReport = {
      path: unit.label,
      bytes: unit.members.reduce((n, m) => n + m.bytes, 0),
      format: unit.sniff.format,
      ...(unit.sniff.compressed ? { compressed: unit.sniff.compressed } : {}),
      status: "converted",
      outputs: [],
    };
    try {
      let result: ConversionResult;
      if (unit.sniff.format === "10x-mtx-dir") result = await convertTenxUnit(unit.input, memberDir, options);
      else
        result = await convertSingle(
          unit.input,
          unit.sniff,
          memberDir,
          { ...options, onProgress: undefined },
          `${input}!${unit.label}`,
        );
      for (const o of result.outputs) {
        if (o.name === "manifest.json") continue; // the archive's manifest carries each member's manifest
        const name = `${key}/${o.name}`;
        outputs.push({ ...o, name, table: `${key.replaceAll("/", ".")}.${o.table}` });
        report.outputs.push(name);
      }
      memberManifests[unit.label] = result.manifest;
      Object.assign(toolVersions, result.toolVersions);
      warnings.push(...result.warnings.map((w) => `${unit.label}: ${w}`));
    } catch (error) {
      if (!isUserError(error)) throw error;
      await rm(memberDir, { recursive: true, force: true });
      const skippedKind = error.code === "unsupported_format";
      report.status = skippedKind ? "skipped" : "failed";
      report.error = { code: error.code, message: error.message };
      if (skippedKind) report.reason = error.message;
      warnings.push(`${unit.label}: ${skippedKind ? "skipped" : "failed"}: ${error.message}`);
    }
    reports.push(report);
    options.onProgress?.(++done, units.length);
  }
  for (const s of extracted.skipped) {
    reports.push({
      path: s.path,
      bytes: 0,
      format: "link",
      status: "skipped",
      reason: s.reason,
      outputs: [],
    });
    warnings.push(`${s.path}: skipped: ${s.reason}`);
  }
  if (!reports.some((r) => r.status === "converted")) {
    throw new FormatError(
      "unsupported_format",
      `no member could be converted (${reports.length} members: ${reports.map((r) => `${r.path} → ${r.status}`).join(", ") || "none"})`,
      {
        file: input,
        hint: "The archive holds no file of a supported format; see each member's reason.",
      },
    );
  }
  return {
    format: args.container.kind === "directory" ? "directory" : "archive",
    input,
    outputs,
    manifest: { archive: { ...args.container, members: reports }, memberManifests },
    warnings,
    toolVersions,
  };
}

/**
 * Input errors of any converter (FormatError here, the Matrix Market and h5ad converters' own classes): a stable
 * string `code` and the offending `file`. Anything else is a bug and aborts the whole conversion.
 */
function isUserError(e: unknown): e is Error & { code: string; file: string } {
  return (
    e instanceof Error &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { file?: unknown }).file === "string"
  );
}

/** A 10x triplet found in an archive or folder, gathered under 10x's file names in `dir`. */
async function convertTenxUnit(
  dir: string,
  outDir: string,
  options: ConvertPathOptions,
): Promise<ConversionResult> {
  return convertTenx(dir, outDir, cellMetadataOption(options));
}

/**
 * The barcodes and features files of a Matrix Market member: by 10x's names in the same folder, else by content —
 * the delimited files in that folder whose line counts equal the matrix's row count (features) and column count
 * (barcodes).
 */
async function tenxGroup(
  mtx: ExtractedMember,
  s: SniffResult,
  members: readonly ExtractedMember[],
  sniffed: ReadonlyMap<ExtractedMember, SniffResult>,
): Promise<
  { barcodes: ExtractedMember; features: ExtractedMember; matchedBy: "name" | "line-count" } | undefined
> {
  const folder = posix.dirname(mtx.path);
  const siblings = members.filter((x) => x !== mtx && posix.dirname(x.path) === folder);
  const byName = (re: RegExp): ExtractedMember | undefined =>
    siblings.find((x) => re.test(posix.basename(x.path)));
  const b = byName(TENX_BARCODES);
  const f = byName(TENX_FEATURES);
  if (b !== undefined && f !== undefined) return { barcodes: b, features: f, matchedBy: "name" };
  const dims = await mtxDimensions(mtx.file);
  if (dims === undefined) return undefined;
  const textual = siblings.filter((x) => {
    const fmt = sniffed.get(x)?.format;
    return fmt === "tsv" || fmt === "csv";
  });
  let features: ExtractedMember | undefined;
  let barcodes: ExtractedMember | undefined;
  for (const x of textual) {
    const lines = await countLines(x.file);
    if (lines === dims.rows && features === undefined) features = x;
    else if (lines === dims.cols && barcodes === undefined) barcodes = x;
  }
  return features !== undefined && barcodes !== undefined
    ? { barcodes, features, matchedBy: "line-count" }
    : undefined;
}

async function mtxDimensions(file: string): Promise<{ rows: number; cols: number } | undefined> {
  for await (const { text: line } of readTextLines(file)) {
    if (line.startsWith("%") || line.trim() === "") continue;
    const [r, c] = line.trim().split(/\s+/).map(Number);
    return r !== undefined && c !== undefined && Number.isInteger(r) && Number.isInteger(c)
      ? { rows: r, cols: c }
      : undefined;
  }
  return undefined;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const { text } of readTextLines(file)) if (text.length > 0) n++;
  return n;
}

/** A member path as a safe relative output folder: each segment cleaned, `/` kept. */
function memberKey(path: string): string {
  return (
    path
      .split("/")
      .filter((p) => p !== "" && p !== "." && p !== "..")
      .map(safeTableName)
      .join("/") || "member"
  );
}

function uniqueKey(key: string, used: Set<string>): string {
  let k = key;
  for (let i = 2; used.has(k); i++) k = `${key}_${i}`;
  used.add(k);
  return k;
}

function relocate(o: ConversionOutput, stage: string, target: string): ConversionOutput {
  const rel = relative(stage, o.path);
  if (rel.startsWith("..") || rel === "") return o;
  return { ...o, name: rel.split(sep).join("/"), path: join(target, rel) };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** A DuckDB result cell as text (names and types are strings; anything else is shown as JSON). */
function text(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
