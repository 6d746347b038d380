import { basename } from "node:path";
import { version as nodeVersion } from "node:process";
import type { ConversionResult, ConvertOptions } from "../convert/conversion-result.js";
import { commonOptions, type Converter } from "../convert/converter.js";
import type { Column, DataFrame } from "../frame/data-frame.js";
import { writeDataFrameParquet } from "../parquet/data-frame-parquet-writer.js";
import { parquetEngineVersion } from "../parquet/parquet-sink.js";
import { withStagedOutputDir } from "../parquet/staged-output-dir.js";
import { readStats } from "./read-stats.js";
import type { ReadStats } from "./read-tally.js";

export interface ReadsConvertOptions extends ConvertOptions {
  readonly format: "fastq" | "fasta";
  readonly compressed?: "gzip" | "bzip2" | "xz";
  /** How errors name the input (default: the path). */
  readonly label?: string;
  /** The `file` column's value (default: the input's base name, or an archive member's path). */
  readonly fileName?: string;
  /** Largest piece of decompressed input scanned at once (tests go down to 1 byte). */
  readonly chunkSize?: number;
}

/**
 * Converts a FASTQ or FASTA file to its statistics, as `seqkit stats -a` reports them: `read_stats.parquet`
 * (one row: reads, bases, lengths, N50, GC and N fractions, and for FASTQ the quality encoding, mean quality,
 * Q20/Q30 fractions), `read_length_histogram.parquet` and, for FASTQ, `read_quality_by_position.parquet`.
 * The input is read once, streaming; the files appear in `outDir` only when all are written.
 *
 * @example await convertReads("x_1.fastq.gz", "out/x_1", { format: "fastq", compressed: "gzip" })
 */
export async function convertReads(
  path: string,
  outDir: string,
  options: ReadsConvertOptions,
): Promise<ConversionResult> {
  const label = options.label ?? path;
  const file = options.fileName ?? fileNameOf(label);
  const stats = await readStats(path, options.format, {
    label,
    ...(options.compressed !== undefined ? { compressed: options.compressed } : {}),
    ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const warnings: string[] = [];
  if (stats.reads === 0) warnings.push(`${file}: the file holds no ${options.format.toUpperCase()} record`);
  if (stats.quality?.ambiguous === true)
    warnings.push(
      `${file}: every quality character fits both Phred+33 and Phred+64; assumed Phred+33 (Illumina 1.8+)`,
    );
  const metadata = { "omicslake.read_stats": JSON.stringify({ file, format: stats.format }) };
  const { outputs } = await withStagedOutputDir(outDir, async (stage) => {
    const write = async (table: string, frame: DataFrame): Promise<void> => {
      const name = `${table}.parquet`;
      stage.add(name, table, await writeDataFrameParquet(frame, stage.path(name), { metadata }));
    };
    await write("read_stats", statsFrame(file, stats));
    await write("read_length_histogram", histogramFrame(file, stats));
    if (stats.format === "fastq") await write("read_quality_by_position", positionFrame(file, stats));
  });
  return {
    format: stats.format,
    input: path,
    outputs,
    manifest: {
      reads: {
        file,
        format: stats.format,
        compressed: options.compressed ?? null,
        reads: stats.reads,
        bases: stats.bases,
        quality_encoding: stats.quality?.encoding ?? null,
        quality_encoding_ambiguous: stats.quality?.ambiguous ?? null,
        positions_one_based: true,
      },
    },
    warnings,
    toolVersions: { duckdb: parquetEngineVersion(), node: nodeVersion },
  };
}

/** An archive member's path (after the archive's `!`), else the base name. */
function fileNameOf(label: string): string {
  const bang = label.lastIndexOf("!");
  return bang === -1 ? basename(label) : label.slice(bang + 1);
}

const fileColumn = (file: string, rows: number): Column => ({
  name: "file",
  type: { kind: "string" },
  values: Array.from({ length: rows }, () => file),
});

/** A one-row column, null when `value` is null. */
function single(name: string, kind: "int64" | "float64" | "string", value: number | string | null): Column {
  return {
    name,
    type: { kind },
    values: [value ?? (kind === "string" ? "" : 0)],
    ...(value === null ? { valid: Uint8Array.of(0) } : {}),
  };
}

function statsFrame(file: string, s: ReadStats): DataFrame {
  const q = s.quality;
  return {
    rowCount: 1,
    columns: [
      fileColumn(file, 1),
      single("format", "string", s.format),
      single("reads", "int64", s.reads),
      single("bases", "int64", s.bases),
      single("min_length", "int64", s.minLength),
      single("mean_length", "float64", s.meanLength),
      single("max_length", "int64", s.maxLength),
      single("n50", "int64", s.n50),
      single("gc_fraction", "float64", s.gcFraction),
      single("n_fraction", "float64", s.nFraction),
      single("quality_encoding", "string", q?.encoding ?? null),
      single("mean_quality", "float64", q?.meanQuality ?? null),
      single("q20_fraction", "float64", q?.q20Fraction ?? null),
      single("q30_fraction", "float64", q?.q30Fraction ?? null),
    ],
  };
}

function histogramFrame(file: string, s: ReadStats): DataFrame {
  const h = s.lengthHistogram;
  return {
    rowCount: h.length,
    columns: [
      fileColumn(file, h.length),
      { name: "length", type: { kind: "int64" }, values: Float64Array.from(h, (x) => x.length) },
      { name: "count", type: { kind: "int64" }, values: Float64Array.from(h, (x) => x.count) },
    ],
  };
}

function positionFrame(file: string, s: ReadStats): DataFrame {
  const p = s.quality?.byPosition ?? [];
  return {
    rowCount: p.length,
    columns: [
      fileColumn(file, p.length),
      { name: "position", type: { kind: "int32" }, values: Int32Array.from(p, (x) => x.position) },
      { name: "mean_quality", type: { kind: "float64" }, values: Float64Array.from(p, (x) => x.meanQuality) },
      { name: "reads", type: { kind: "int64" }, values: Float64Array.from(p, (x) => x.reads) },
    ],
  };
}

/** FASTQ and FASTA, plain or gzip/bzip2/xz, converted to read statistics. */
export const readsConverter: Converter = {
  name: "reads",
  formats: ["fastq", "fasta"],
  reads: "FASTQ/FASTA (read statistics)",
  convert: ({ path, sniff, outDir, options, label }) =>
    convertReads(path, outDir, {
      ...commonOptions(options),
      format: sniff.format === "fasta" ? "fasta" : "fastq",
      ...(sniff.compressed !== undefined ? { compressed: sniff.compressed } : {}),
      label,
    }),
};
