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
  /** What DuckDB's sniffer decided (delimiter, quote, header), and how row names and missing values were read. */
  readonly dialect: {
    readonly delimiter: string;
    readonly quote: string;
    readonly header: boolean;
    /** The header is one field short (R's row names): the first column became `ROW_NAME_COLUMN`. */
    readonly rowNames: boolean;
    /** Unquoted fields read as null in every column. */
    readonly nullStrings: readonly string[];
  };
  readonly duckdbVersion: string;
}

/**
 * The column that holds R-style row names: a header one field shorter than the rows (`write.table`'s default,
 * Seurat's `pbmc_raw.txt`) or whose first name is empty (`write.csv`'s `""`, pandas' unnamed index). `_index`, as
 * AnnData, pickled pandas frames and RDS data frames name their row index in this project.
 */
export const ROW_NAME_COLUMN = "_index";

/**
 * Fields read as missing, as R (`NA`, `NaN`) and pandas (empty) write them: null in any column, so a numeric
 * column stays numeric. Only unquoted: R quotes its strings and writes NA bare, so a quoted `"NA"` is the text
 * NA (and makes a numeric column text); an empty quoted `""` is the empty string.
 */
export const NULL_STRINGS = ["NA", "NaN", ""] as const;

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
      `nullstr = [${NULL_STRINGS.map(sqlString).join(", ")}]`,
      "allow_quoted_nulls = false",
    ];
    if (delimiter !== undefined) args.push(`delim = ${sqlString(delimiter)}`);
    const names = delimiter === undefined ? undefined : await rowNameHeader(input, delimiter);
    // The header is read here, so DuckDB reads the rest as data under these names.
    // Row names are names, whatever they look like: R's default row names (1, 2, 3) or sample numbers would
    // otherwise be sniffed as a BIGINT index, unlike every other index in the project (AnnData, pandas, RDS).
    if (names !== undefined)
      args.push(
        "header = false",
        "skip = 1",
        `names = [${names.map(sqlString).join(", ")}]`,
        `types = {${sqlString(ROW_NAME_COLUMN)}: 'VARCHAR'}`,
      );
    const source = `read_csv(${args.join(", ")})`;
    let dialect = {
      delimiter: delimiter ?? ",",
      quote: '"',
      header: true,
      rowNames: names !== undefined,
      nullStrings: [...NULL_STRINGS],
    };
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
          ...dialect,
          delimiter: text(row["Delimiter"]),
          quote: text(row["Quote"]),
          header: names !== undefined || row["HasHeader"] === true,
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
 * The column names of a table with R-style row names, or undefined for an ordinary header: the header is one
 * field shorter than the first row (`write.table`), or has the same length with an empty first name
 * (`write.csv`, pandas `to_csv`). Reads the first two records only; quoted names are unquoted.
 */
export async function rowNameHeader(
  file: string,
  delimiter: string,
  options: DecompressedReadOptions = {},
): Promise<string[] | undefined> {
  const records: string[][] = [];
  let pending = "";
  for await (const { text: line } of readTextLines(file, options)) {
    pending = pending === "" ? line : `${pending}\n${line}`;
    // A quote left open continues the record on the next line (up to a bound: a stray quote is no header).
    if ((pending.match(/"/g)?.length ?? 0) % 2 === 1) {
      if (pending.length > MAX_HEADER_CHARS) return undefined;
      continue;
    }
    if (pending.trim() !== "") records.push(splitRecord(pending, delimiter));
    pending = "";
    if (records.length === 2) break;
  }
  const [header, first] = records;
  if (header === undefined || first === undefined) return undefined;
  if (first.length === header.length + 1) return [ROW_NAME_COLUMN, ...header];
  if (first.length === header.length && header.length > 1 && header[0] === "")
    return [ROW_NAME_COLUMN, ...header.slice(1)];
  return undefined;
}

const MAX_HEADER_CHARS = 1 << 24;

/** Fields of one record, quotes removed (`""` inside quotes is a quote). */
function splitRecord(record: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i]!;
    if (quoted) {
      if (ch === '"' && record[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
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
