import { copyFile, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { openDuckDb, sqlString } from "@omicslake/core";
import { parquetEngineVersion } from "../parquet/parquet-sink.js";
import type { ConversionResult, OutputField } from "./conversion-result.js";
import { FormatError } from "./format-error.js";
import type { Converter } from "./converter.js";

/** A Parquet input is copied as it is; DuckDB reads its schema and row count for the manifest. */
export async function copyParquet(input: string, dir: string): Promise<ConversionResult> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, "table.parquet");
  await copyFile(input, file);
  const duck = await openDuckDb();
  const connection = duck.connection;
  try {
    const lit = sqlString(file);
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
    duck.close();
  }
}

/** A DuckDB result cell as text (names and types are strings; anything else is shown as JSON). */
function text(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Parquet already: copied as it is, with its schema and row count read for the manifest. */
export const parquetConverter: Converter = {
  name: "parquet",
  formats: ["parquet"],
  reads: "Parquet",
  convert: ({ path, outDir }) => copyParquet(path, outDir),
};
