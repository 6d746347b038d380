import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConversionOutput, ConversionResult, ConvertOptions } from "../convert/conversion-result.js";
import { writeFrameOutput } from "../convert/frame-output.js";
import { parquetEngineVersion } from "../parquet/parquet-sink.js";
import { readRdsStream } from "../rds/rds-source.js";
import { readPickleBytes } from "./pickle-reader.js";
import { commonOptions, type Converter } from "../convert/converter.js";

/**
 * Converts a pickle (optionally gzip/bzip2/xz-compressed, as `df.to_pickle("x.pkl.gz")` writes) without running
 * Python: a pandas DataFrame/Series to `table.parquet`; plain data to `value.json`, plus `table.parquet` when it
 * is a list of records or a dict of equal-length lists. Foreign globals are refused (`unsafe_pickle_global`).
 *
 * @example await convertPickle("df.pkl", "out/df")
 */
export async function convertPickle(
  path: string,
  outDir: string,
  options: ConvertOptions = {},
): Promise<ConversionResult> {
  // Same magic-byte decompression as RDS: pickles are commonly saved as .pkl.gz / .pkl.bz2 / .pkl.xz.
  const { bytes, compression } = await readRdsStream(path);
  options.signal?.throwIfAborted();
  const content = readPickleBytes(bytes, path);
  await mkdir(outDir, { recursive: true });
  const outputs: ConversionOutput[] = [];
  if (content.frame !== undefined)
    outputs.push(
      await writeFrameOutput(content.frame, outDir, "table", { "omicslake.pickle_kind": content.kind }),
    );
  if (content.kind === "plain") {
    const file = join(outDir, "value.json");
    await writeFile(file, `${JSON.stringify(content.value, null, 2)}\n`);
    outputs.push({
      name: "value.json",
      path: file,
      table: "value",
      rows: 1,
      bytes: (await stat(file)).size,
      fields: [],
    });
  }
  options.onProgress?.(bytes.length, bytes.length);
  const frame = content.frame;
  return {
    format: "pickle",
    input: path,
    outputs,
    manifest: {
      pickle: {
        protocol: content.protocol,
        compression,
        kind: content.kind,
        ...(content.kind === "pandas" ? { pandasClass: content.pandasClass } : {}),
      },
      ...(frame === undefined
        ? {}
        : {
            rows: frame.rowCount,
            columns: frame.columns.map((c) => ({ name: c.name, kind: c.type.kind })),
            index: frame.index?.type.kind ?? null,
          }),
    },
    warnings: [],
    toolVersions: { "omicslake-pickle-reader": "1", duckdb: parquetEngineVersion() },
  };
}

/** Python pickles of pandas frames and NumPy arrays, plain or compressed; code references are refused. */
export const pickleConverter: Converter = {
  name: "pickle",
  formats: ["pickle"],
  reads: "pickle",
  convert: ({ path, outDir, options }) => convertPickle(path, outDir, commonOptions(options)),
};
