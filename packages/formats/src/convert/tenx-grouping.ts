import { posix } from "node:path";
import type { ExtractedMember } from "../archive/archive-extractor.js";
import { readTextLines } from "../compression/read-decompressed.js";
import type { SniffResult } from "../sniff/sniff-format.js";
import { convertTenx } from "../tenx/tenx-converter.js";
import type { ConversionResult } from "./conversion-result.js";
import type { ConvertPathOptions } from "./convert-path-options.js";
import { cellMetadataOption } from "./converter.js";

const TENX_BARCODES = /^barcodes\.tsv(\.gz)?$/;
const TENX_FEATURES = /^(features|genes)\.tsv(\.gz)?$/;

/** A 10x triplet found in an archive or folder, gathered under 10x's file names in `dir`. */
export async function convertTenxUnit(
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
export async function tenxGroup(
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
