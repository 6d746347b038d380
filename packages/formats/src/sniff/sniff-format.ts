import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { xz } from "@napi-rs/lzma";
import Bunzip from "seek-bzip";

export type SniffedFormat =
  | "h5ad"
  | "10x-h5"
  | "hdf5"
  | "10x-mtx-dir"
  | "mtx"
  | "rds"
  | "pickle"
  | "csv"
  | "tsv"
  | "tar"
  | "zip"
  | "gzip"
  | "parquet"
  | "genbank"
  | "fastq"
  | "fasta"
  | "unknown";

export interface SniffResult {
  readonly format: SniffedFormat;
  /** The compression wrapping the content (the format is of the decompressed content). */
  readonly compressed?: "gzip" | "bzip2" | "xz";
  /** What was seen: RDS version and encoding, pickle protocol, delimiter, HDF5 groups, 10x file names. */
  readonly details: Record<string, unknown>;
}

/** How many bytes of (decompressed) content the content checks look at. */
const HEAD_BYTES = 64 * 1024;
/** xz has no partial decoder here: files up to this size are decoded whole to look inside. */
const XZ_PEEK_LIMIT = 256 * 1024 * 1024;
/** bzip2's first block is at most 900 kB of compressed data. */
const BZIP2_PEEK_BYTES = 1024 * 1024;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Detects a file's format from its content (magic bytes and structure), never its name. Compressed files are
 * looked into: a gzip holding a tar is `tar` with `compressed: "gzip"`. A directory is a 10x Matrix Market
 * directory when it holds a Matrix Market matrix with barcodes and features/genes files.
 *
 * @example const { format, compressed } = await sniffFormat("upload.bin"); // { format: "rds", compressed: "xz" }
 */
export async function sniffFormat(path: string): Promise<SniffResult> {
  const st = await stat(path);
  if (st.isDirectory()) return sniffDirectory(path);
  const head = await readHead(path, Math.max(HEAD_BYTES, 1024));
  if (startsWith(head, [0x1f, 0x8b])) {
    const inner = await gunzipHead(path);
    return wrap(await sniffContent(inner, path, false), "gzip");
  }
  if (startsWith(head, [0x42, 0x5a, 0x68])) {
    try {
      const inner = Bunzip.decodeBlock(await readHead(path, BZIP2_PEEK_BYTES), 32);
      return wrap(await sniffContent(inner.subarray(0, HEAD_BYTES), path, false), "bzip2");
    } catch {
      return {
        format: "unknown",
        compressed: "bzip2",
        details: { reason: "the first bzip2 block could not be decoded" },
      };
    }
  }
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) {
    if (st.size > XZ_PEEK_LIMIT)
      return {
        format: "unknown",
        compressed: "xz",
        details: { reason: `xz file larger than ${XZ_PEEK_LIMIT} bytes is not opened to sniff` },
      };
    try {
      const { readFile } = await import("node:fs/promises");
      const inner = await xz.decompress(await readFile(path));
      return wrap(await sniffContent(inner.subarray(0, HEAD_BYTES), path, false), "xz");
    } catch {
      return {
        format: "unknown",
        compressed: "xz",
        details: { reason: "the xz stream could not be decoded" },
      };
    }
  }
  return sniffContent(head, path, true);
}

function wrap(r: SniffResult, compressed: "gzip" | "bzip2" | "xz"): SniffResult {
  if (r.format === "unknown")
    return { format: compressed === "gzip" ? "gzip" : "unknown", compressed, details: r.details };
  return { ...r, compressed };
}

/** Content checks on the first bytes; `isFile` allows checks that open the file itself (HDF5). */
export async function sniffContent(head: Uint8Array, path: string, isFile: boolean): Promise<SniffResult> {
  if (startsWith(head, HDF5_SIGNATURE))
    return isFile ? sniffHdf5(path) : { format: "hdf5", details: { reason: "compressed HDF5" } };
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31])) return { format: "parquet", details: {} };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]))
    return { format: "zip", details: {} };
  if (head.length >= 262 && ascii(head, 257, 5) === "ustar") return { format: "tar", details: {} };
  const rds = sniffRds(head);
  if (rds !== undefined) return rds;
  if (head[0] === 0x80 && (head[1] ?? 0) >= 2 && (head[1] ?? 0) <= 5)
    return { format: "pickle", details: { protocol: head[1] } };
  if (ascii(head, 0, 14) === "%%MatrixMarket") {
    const firstLine = ascii(head, 0, Math.min(head.length, 200)).split("\n")[0] ?? "";
    return { format: "mtx", details: { header: firstLine.trim() } };
  }
  const genbank = sniffGenbank(head);
  if (genbank !== undefined) return genbank;
  const reads = sniffReads(head);
  if (reads !== undefined) return reads;
  const text = sniffDelimited(head);
  if (text !== undefined) return text;
  return { format: "unknown", details: {} };
}

/** IUPAC letters, gaps and stops: what a sequence line holds. */
const SEQUENCE_LINE = /^[A-Za-z*.-]+$/;

/**
 * FASTQ (`@name` line, then a sequence line) or FASTA (`>name` line, then a sequence line). Only the first record's
 * start is checked: a malformed record further on must reach the reader to be reported with its line, not turn
 * the file into one-column TSV. A sequence cut by the end of the head (a long read) still counts.
 */
function sniffReads(head: Uint8Array): SniffResult | undefined {
  const first = head[0];
  if (first !== 0x40 && first !== 0x3e) return undefined;
  const firstEnd = head.indexOf(0x0a);
  const secondEnd = firstEnd === -1 ? -1 : head.indexOf(0x0a, firstEnd + 1);
  const end = secondEnd === -1 ? Math.min(head.length, HEAD_BYTES) : secondEnd;
  const lines = Buffer.from(head.buffer, head.byteOffset, end)
    .toString("latin1")
    .split("\n", 2)
    .map((l) => l.replace(/\r$/, ""));
  const sequence = lines[1];
  if (sequence === undefined || !SEQUENCE_LINE.test(sequence)) return undefined;
  if (first === 0x40) return { format: "fastq", details: { firstRecord: lines[0]?.slice(0, 100) } };
  return { format: "fasta", details: { firstRecord: lines[0]?.slice(0, 100) } };
}

function sniffRds(head: Uint8Array): SniffResult | undefined {
  const m = head[0];
  if (head[1] !== 0x0a || (m !== 0x58 && m !== 0x41 && m !== 0x42)) return undefined;
  let version: number | undefined;
  if (m === 0x41) {
    const v = ascii(head, 2, 2);
    version = v === "2\n" ? 2 : v === "3\n" ? 3 : undefined;
  } else if (head.length >= 6) {
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const v = dv.getInt32(2, m === 0x58 ? false : true);
    version = v === 2 || v === 3 ? v : undefined;
  }
  if (version === undefined) return undefined;
  return {
    format: "rds",
    details: { serialization: m === 0x58 ? "xdr" : m === 0x41 ? "ascii" : "binary", version },
  };
}

/**
 * Delimited text: valid UTF-8 without NUL bytes whose first complete lines mostly split into the header's number
 * (> 1) of fields by tab (TSV) or by comma/semicolon/pipe (CSV). The delimiter found here is handed to DuckDB,
 * whose own sniffer falls back to one column on an inconsistent file instead of reporting the bad line.
 */
export function sniffDelimited(head: Uint8Array): SniffResult | undefined {
  if (head.length === 0 || head.includes(0)) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(trimPartialUtf8(head));
  } catch {
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  if (head.length >= HEAD_BYTES) lines.pop(); // the last line may be cut
  const sample = lines.filter((l) => l.length > 0 && !l.startsWith("#")).slice(0, 50);
  if (sample.length === 0) return undefined;
  for (const [delimiter, format] of [
    ["\t", "tsv"],
    [",", "csv"],
    [";", "csv"],
    ["|", "csv"],
  ] as const) {
    const counts = sample.map((l) => countOutsideQuotes(l, delimiter));
    const first = counts[0] ?? 0;
    // Most lines agreeing with the header is enough: a malformed row must reach the CSV reader to be reported
    // with its line number rather than make the file "unknown".
    const agreeing = counts.filter((c) => c === first).length;
    if (first > 0 && agreeing >= Math.max(1, Math.ceil(sample.length * 0.8))) {
      return {
        format,
        details: {
          delimiter,
          columns: first + 1,
          sampledLines: sample.length,
          consistent: agreeing === sample.length,
        },
      };
    }
    // R's write.table: the header has no field for the row names, so every row has one delimiter more.
    const rows = counts.slice(1);
    if (
      rows.length > 0 &&
      rows.every((c) => c === first + 1) &&
      (first > 0 || (delimiter === "\t" && sample.length > 1))
    ) {
      return {
        format,
        details: {
          delimiter,
          columns: first + 2,
          sampledLines: sample.length,
          consistent: true,
          rowNames: true,
        },
      };
    }
  }
  // One column of text (e.g. barcodes.tsv): tab-separated by convention.
  if (sample.every((l) => /^[\x21-\x7e]+$/.test(l)))
    return { format: "tsv", details: { delimiter: "\t", columns: 1, sampledLines: sample.length } };
  return undefined;
}

/** First line of a GenBank release division file (`gbbct1.seq`), before its header block. */
const GENBANK_RELEASE_HEADER = /^GB[A-Z]{3}\d*\.SEQ\b|Genetic Sequence Data Bank/;

/**
 * GenBank flat file: the first non-blank line is a `LOCUS` line, or the file opens with a release header block
 * and a `LOCUS` line follows it within the head.
 */
function sniffGenbank(head: Uint8Array): SniffResult | undefined {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString("latin1");
  const lines = text.replace(/^\xef\xbb\xbf/, "").split(/\r?\n/, 200);
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0) return undefined;
  const isLocus = (l: string): boolean => /^LOCUS\s+\S+\s+\d+\s+(bp|aa|rc)\b/i.test(l);
  const locus = (l: string): string => l.split(/\s+/)[1] ?? "";
  if (isLocus(lines[first]!)) return { format: "genbank", details: { locus: locus(lines[first]!) } };
  if (!GENBANK_RELEASE_HEADER.test(lines[first]!)) return undefined;
  const entry = lines.slice(first + 1).find(isLocus);
  if (entry === undefined) return undefined;
  return {
    format: "genbank",
    details: { locus: locus(entry), releaseHeader: lines[first]!.trim().split(/\s+/)[0] },
  };
}

function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === d && !quoted) n++;
  }
  return n;
}

/** Drops a UTF-8 sequence cut at the end of the head so a fatal decoder does not reject valid text. */
function trimPartialUtf8(b: Uint8Array): Uint8Array {
  let end = b.length;
  let i = end - 1;
  let back = 0;
  while (i >= 0 && back < 4 && ((b[i] ?? 0) & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i >= 0) {
    const lead = b[i] ?? 0;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (need > back + 1) end = i;
  }
  return b.subarray(0, end);
}

/** HDF5: AnnData has X/obs/var (or encoding-type "anndata"); 10x has a `matrix` group (v3) or genome groups (v2). */
async function sniffHdf5(path: string): Promise<SniffResult> {
  // Loaded on demand: the WebAssembly HDF5 library is only needed for HDF5 files.
  const { loadHdf5, hdf5Reason } = await import("../h5ad/hdf5-runtime.js");
  const h5wasm = await loadHdf5();
  let file: InstanceType<typeof h5wasm.File> | undefined;
  try {
    file = new h5wasm.File(path, "r");
    const keys = file.keys();
    const encoding = file.attrs["encoding-type"]?.value;
    if (encoding === "anndata" || (keys.includes("X") && keys.includes("obs") && keys.includes("var"))) {
      return { format: "h5ad", details: { groups: keys, encodingType: encoding ?? null } };
    }
    const tenxKeys = ["barcodes", "data", "indices", "indptr", "shape"];
    const isTenxGroup = (name: string): boolean => {
      const g = file?.get(name);
      return g instanceof h5wasm.Group && tenxKeys.every((k) => g.keys().includes(k));
    };
    if (keys.includes("matrix") && isTenxGroup("matrix"))
      return { format: "10x-h5", details: { groups: keys, layout: "v3" } };
    const genome = keys.find(isTenxGroup);
    if (genome !== undefined) return { format: "10x-h5", details: { groups: keys, layout: "v2", genome } };
    return { format: "hdf5", details: { groups: keys } };
  } catch (error) {
    return {
      format: "hdf5",
      details: { reason: `HDF5 signature but the file cannot be opened: ${hdf5Reason(error)}` },
    };
  } finally {
    file?.close();
  }
}

const TENX_MATRIX = /^matrix\.mtx(\.gz)?$/;
const TENX_BARCODES = /^barcodes\.tsv(\.gz)?$/;
const TENX_FEATURES = /^(features|genes)\.tsv(\.gz)?$/;

/**
 * A directory is a 10x Matrix Market directory when it holds the three files 10x names (directories carry no
 * magic bytes; the matrix itself is still checked by content).
 */
async function sniffDirectory(path: string): Promise<SniffResult> {
  const names = await readdir(path);
  const matrix = names.find((n) => TENX_MATRIX.test(n));
  const barcodes = names.find((n) => TENX_BARCODES.test(n));
  const features = names.find((n) => TENX_FEATURES.test(n));
  if (matrix !== undefined && barcodes !== undefined && features !== undefined) {
    const inner = await sniffFormat(join(path, matrix));
    if (inner.format === "mtx")
      return {
        format: "10x-mtx-dir",
        details: { matrix, barcodes, features, version: features.startsWith("features") ? 3 : 2 },
      };
  }
  return {
    format: "unknown",
    details: {
      directory: true,
      reason: "a directory that is not a 10x Matrix Market directory",
      entries: names.length,
    },
  };
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The first HEAD_BYTES of a gzip file's content, without inflating the rest. */
async function gunzipHead(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const source = createReadStream(path, { highWaterMark: 64 * 1024 });
  const gunzip = createGunzip();
  try {
    for await (const chunk of source.pipe(gunzip)) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= HEAD_BYTES) break;
    }
  } catch {
    // A truncated or corrupt gzip still tells us what it starts with.
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, HEAD_BYTES);
}

function startsWith(b: Uint8Array, sig: readonly number[]): boolean {
  return sig.every((x, i) => b[i] === x);
}

function ascii(b: Uint8Array, from: number, n: number): string {
  return String.fromCharCode(...b.subarray(from, from + n));
}
