import { mkdir } from "node:fs/promises";
import type { ConversionOutput, ConversionResult, ConvertOptions } from "../convert/conversion-result.js";
import { writeFrameOutput } from "../convert/frame-output.js";
import { parquetEngineVersion } from "../parquet/parquet-sink.js";
import { rValueToTables } from "./rds-frame.js";
import { readRdsBytes } from "./rds-reader.js";
import { readRdsStream } from "./rds-source.js";
import { commonOptions, type Converter } from "../convert/converter.js";

/**
 * Converts an RDS file to Parquet in `outDir`: a data.frame or matrix to `table.parquet`, a list to one file per
 * element (`a.parquet`, `nested.z.parquet`), a Matrix sparse matrix to long-format triplets. Closures,
 * environments and other code are refused (`unsupported_r_type`). The uncompressed stream is held in memory
 * (see readRdsStream); outputs are written file by file, so callers wanting all-or-nothing use convertPath.
 *
 * @example await convertRds("counts.rds", "out/counts")
 */
export async function convertRds(
  path: string,
  outDir: string,
  options: ConvertOptions = {},
): Promise<ConversionResult> {
  const { bytes, compression } = await readRdsStream(path);
  options.signal?.throwIfAborted();
  const { header, value } = readRdsBytes(bytes, path);
  const { tables, skipped } = rValueToTables(value, path);
  await mkdir(outDir, { recursive: true });
  const outputs: ConversionOutput[] = [];
  let done = 0;
  for (const t of tables) {
    options.signal?.throwIfAborted();
    outputs.push(await writeFrameOutput(t.frame, outDir, t.name, { "omicslake.r_class": t.rClass }));
    options.onProgress?.(++done, tables.length);
  }
  return {
    format: "rds",
    input: path,
    outputs,
    manifest: {
      rds: { ...header, compression, uncompressedBytes: bytes.length },
      tables: tables.map((t, i) => ({
        name: t.name,
        file: outputs[i]?.name,
        rClass: t.rClass,
        rows: t.frame.rowCount,
        columns: t.frame.columns.map((c) => ({ name: c.name, kind: c.type.kind })),
        rowNames: t.frame.index !== undefined,
      })),
    },
    warnings: skipped.map((s) => `RDS ${path}: skipped ${s}`),
    toolVersions: { "omicslake-rds-reader": "1", duckdb: parquetEngineVersion() },
  };
}

/** R's serialized objects (data frames, matrices, dgCMatrix), plain or gzip/bzip2/xz. */
export const rdsConverter: Converter = {
  name: "rds",
  formats: ["rds"],
  reads: "RDS",
  convert: ({ path, outDir, options }) => convertRds(path, outDir, commonOptions(options)),
};
