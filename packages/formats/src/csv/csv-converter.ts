import { rm, stat } from "node:fs/promises";
import { version as duckdbVersion } from "@duckdb/node-api";
import { openDuckDb, sqlString } from "@omicslake/core";
import { verifyCompressedFile } from "../compression/compressed-file.js";
import { isGzipFile, readTextLines } from "../compression/read-decompressed.js";
import type { DecompressedReadOptions } from "../compression/read-decompressed.js";
import type { OutputField } from "../convert/conversion-result.js";
import { FormatError } from "../convert/format-error.js";
import { sniffFormat } from "../sniff/sniff-format.js";

export interface CsvToParquetResult {
  readonly rows: number;
  readonly bytes: number;
  readonly fields: OutputField[];
  /** What DuckDB's sniffer decided: delimiter, quote, header, column types. */
  readonly dialect: { readonly delimiter: string; readonly quote: string; readonly header: boolean };
  readonly duckdbVersion: string;
}

/**
 * Converts a CSV/TSV file (optionally gzip-compressed) to Parquet entirely inside DuckDB: `read_csv` sniffs the
 * delimiter, header and column types, and `COPY ... TO` streams it out, so no row passes through JavaScript and
 * memory stays bounded by DuckDB's buffers. A malformed row fails with the file and line DuckDB reports.
 *
 * DuckDB's gzip reader stops quietly at a cut: a truncated `.csv.gz` would convert as its first rows. So a gzip
 * input is also inflated by zlib, streaming, while DuckDB reads it, checking every byte up to the trailer's CRC
 * and length; a failure there discards the output and reports the file and compressed byte offset.
 *
 * @example await csvToParquet("cells.tsv.gz", "out/table.parquet")
 */
export async function csvToParquet(
  input: string,
  output: string,
  options: { readonly delimiter?: string } = {},
): Promise<CsvToParquetResult> {
  const gzip = await isGzipFile(input);
  // Settled to a value (never rejected) so that a failure is not unhandled while DuckDB is still busy.
  const verification: Promise<Error | undefined> = gzip
    ? verifyCompressedFile(input, "gzip").then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      )
    : Promise.resolve(undefined);
  const verified = async (): Promise<void> => {
    const failure = await verification;
    if (failure !== undefined) throw failure;
  };
  const duck = await openDuckDb();
  const { connection } = duck;
  try {
    // Our delimiter, not DuckDB's guess: on a file with a bad row DuckDB's sniffer settles for one column and
    // the error goes unnoticed; with the delimiter fixed, strict mode reports the row.
    let delimiter = options.delimiter;
    if (delimiter === undefined) {
      const sniffed = await sniffFormat(input);
      const d = sniffed.details["delimiter"];
      if (typeof d === "string") delimiter = d;
    }
    // DuckDB's 'auto' compression goes by the file extension; uploads are named anything, so decide by magic bytes.
    const args = [
      sqlString(input),
      "auto_detect = true",
      `compression = '${gzip ? "gzip" : "none"}'`,
      "strict_mode = true",
    ];
    if (delimiter !== undefined) args.push(`delim = ${sqlString(delimiter)}`);
    const source = `read_csv(${args.join(", ")})`;
    let dialect = { delimiter: delimiter ?? ",", quote: '"', header: true };
    try {
      const sniffArgs = [
        sqlString(input),
        `compression = '${gzip ? "gzip" : "none"}'`,
        ...(delimiter === undefined ? [] : [`delim = ${sqlString(delimiter)}`]),
      ];
      const sniffed = await connection.runAndReadAll(
        `SELECT Delimiter, Quote, HasHeader FROM sniff_csv(${sniffArgs.join(", ")})`,
      );
      const row = sniffed.getRowObjectsJS()[0];
      if (row !== undefined)
        dialect = {
          delimiter: text(row["Delimiter"]),
          quote: text(row["Quote"]),
          header: row["HasHeader"] === true,
        };
    } catch {
      // sniff_csv only informs the manifest; read_csv below reports real problems with their line.
    }
    try {
      await connection.run(
        `COPY (SELECT * FROM ${source}) TO ${sqlString(output)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    } catch (cause) {
      // A damaged gzip explains any row error DuckDB saw in it: report the damage.
      await verified();
      // When the bad row falls in DuckDB's sniffing sample it reports "could not detect the dialect" without a
      // line; find the row ourselves so the user gets the line either way.
      const bad =
        /Line:\s*\d+/i.test(String(cause)) || delimiter === undefined
          ? undefined
          : await findInconsistentRow(input, delimiter);
      throw csvError(input, cause, bad);
    }
    await verified();
    const counted = await connection.runAndReadAll(
      `SELECT count(*) AS n FROM read_parquet(${sqlString(output)})`,
    );
    const rows = Number(counted.getRowObjectsJS()[0]?.["n"] ?? 0);
    const described = await connection.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet(${sqlString(output)})`,
    );
    const fields: OutputField[] = described.getRowObjectsJS().map((r) => ({
      name: text(r["column_name"]),
      type: text(r["column_type"]),
      nullable: r["null"] !== "NO",
    }));
    const { size } = await stat(output);
    return { rows, bytes: size, fields, dialect, duckdbVersion: duckdbVersion() };
  } catch (error) {
    // Never leave a partial or unverified Parquet file behind.
    await verification;
    await rm(output, { force: true });
    throw error;
  } finally {
    duck.close();
  }
}

function csvError(
  file: string,
  cause: unknown,
  bad: { line: number; reason: string } | undefined,
): FormatError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const reported = /Line:\s*(\d+)/i.exec(message)?.[1];
  const line = bad?.line ?? (reported === undefined ? undefined : Number(reported));
  const first = bad?.reason ?? message.split("\n").find((l) => l.trim().length > 0) ?? message;
  return new FormatError("csv_malformed", `CSV: ${first.replace(/^Invalid Input Error:\s*/, "")}`, {
    file,
    ...(line === undefined ? {} : { line }),
    hint: "Fix the row (a quote left open or a different number of fields is the usual cause), or export the table again from its source.",
    cause,
  });
}

/**
 * The first record whose field count differs from the header's (quotes may span lines), streaming the file.
 * Only used to locate an error DuckDB reported without a line.
 */
export async function findInconsistentRow(
  file: string,
  delimiter: string,
  options: DecompressedReadOptions = {},
): Promise<{ line: number; reason: string } | undefined> {
  let expected: number | undefined;
  let fields = 0;
  let quoted = false;
  let recordStart = 0;
  for await (const { text: line, line: lineNo } of readTextLines(file, options)) {
    if (!quoted) {
      recordStart = lineNo;
      fields = 1;
      if (line.length === 0) continue;
    }
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === delimiter && !quoted) fields++;
    }
    if (quoted) continue;
    if (expected === undefined) expected = fields;
    else if (fields !== expected) {
      return {
        line: recordStart,
        reason: `expected ${expected} fields (as in the header) but found ${fields}`,
      };
    }
  }
  if (quoted) return { line: recordStart, reason: "a quoted field is never closed" };
  return undefined;
}

/** A DuckDB result cell as text (names and types are strings; anything else is shown as JSON). */
function text(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
