import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { ConversionResult, ConvertOptions } from "../convert/conversion-result.js";
import { csvToParquet } from "./csv-converter.js";

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
