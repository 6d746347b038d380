import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { ConversionResult, ConvertOptions } from "../convert/conversion-result.js";
import { csvToParquet } from "./csv-converter.js";
import { commonOptions, type Converter } from "../convert/converter.js";
import { unsupported } from "../convert/unsupported-format.js";

/**
 * Converts a CSV/TSV file (gzip allowed) to `table.parquet` through DuckDB.
 *
 * @example await convertCsv("cells.tsv.gz", "out/cells")
 */
export async function convertCsv(
  path: string,
  outDir: string,
  options: ConvertOptions & { readonly delimiter?: string } = {},
): Promise<ConversionResult> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, "table.parquet");
  const r = await csvToParquet(
    path,
    file,
    options.delimiter === undefined ? {} : { delimiter: options.delimiter },
  );
  options.onProgress?.(r.rows, r.rows);
  return {
    format: r.dialect.delimiter === "\t" ? "tsv" : "csv",
    input: path,
    outputs: [
      { name: "table.parquet", path: file, table: "table", rows: r.rows, bytes: r.bytes, fields: r.fields },
    ],
    manifest: { csv: r.dialect, rows: r.rows, schema: r.fields },
    warnings: [],
    toolVersions: { duckdb: r.duckdbVersion },
  };
}

/** Delimited text, plain or gzip; DuckDB reads it, so bzip2 and xz are refused with what to do. */
export const delimitedTextConverter: Converter = {
  name: "csv",
  formats: ["csv", "tsv"],
  reads: "CSV/TSV",
  convert: ({ path, sniff, outDir, options, label }) => {
    if (sniff.compressed === "bzip2" || sniff.compressed === "xz") {
      throw unsupported(
        label,
        `${sniff.format.toUpperCase()} compressed with ${sniff.compressed}`,
        "Recompress it with gzip (DuckDB reads gzip text directly).",
      );
    }
    const delimiter = sniff.details["delimiter"];
    return convertCsv(path, outDir, {
      ...commonOptions(options),
      ...(typeof delimiter === "string" ? { delimiter } : {}),
    });
  },
};
