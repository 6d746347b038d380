import { mkdir, readdir, rename, rm, stat, symlink } from "node:fs/promises";
import { basename, join, posix, relative, resolve, sep } from "node:path";
import { DEFAULT_ARCHIVE_LIMITS, extractArchive } from "../archive/archive-extractor.js";
import type { ExtractedMember } from "../archive/archive-extractor.js";
import { sniffFormat } from "../sniff/sniff-format.js";
import type { SniffResult } from "../sniff/sniff-format.js";
import type { ConversionOutput, ConversionResult } from "./conversion-result.js";
import type { ConvertPathOptions } from "./convert-path-options.js";
import { convertSingle } from "./convert-single.js";
import { unsupported } from "./unsupported-format.js";
import { FormatError } from "./format-error.js";
import { memberKey, uniqueKey } from "./member-key.js";
import { convertTenxUnit, tenxGroup } from "./tenx-grouping.js";

/** What the manifest records of one archive or folder member: converted, skipped (with why) or failed. */
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

export async function convertArchive(
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
export async function convertFolder(
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
      // An input error fails this member only; anything else is a bug and aborts the whole conversion.
      if (!(error instanceof FormatError)) throw error;
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
