import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { openDuckDb, sqlIdentifier, sqlString } from "@omicslake/core";
import { openInput, parseGenbank, type GenbankRecord } from "@omicslake/parsers";
import type { ConversionResult, ConvertOptions, OutputField } from "../convert/conversion-result.js";
import { commonOptions, type Converter } from "../convert/converter.js";
import { unsupported } from "../convert/unsupported-format.js";
import { parquetEngineVersion } from "../parquet/parquet-sink.js";
import { withStagedOutputDir } from "../parquet/staged-output-dir.js";

/** The table a GenBank conversion writes: one row per entry. */
export const GENBANK_RECORDS_TABLE = "genbank_records";

/**
 * Columns of `genbank_records.parquet`, named like the record's fields (the `features` summary flattened into
 * `featureCounts`, `cdsProducts`, `locusTags`). Lists are LIST columns and the counts a MAP, which DuckDB
 * queries directly: `SELECT accession, featureCounts['CDS'] FROM 'genbank_records.parquet'`.
 */
const COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ["accession", "VARCHAR"],
  ["secondaryAccessions", "VARCHAR[]"],
  ["version", "VARCHAR"],
  ["locus", "VARCHAR"],
  ["length", "BIGINT"],
  ["lengthUnit", "VARCHAR"],
  ["molecule", "VARCHAR"],
  ["strandedness", "VARCHAR"],
  ["topology", "VARCHAR"],
  ["division", "VARCHAR"],
  ["date", "DATE"],
  ["definition", "VARCHAR"],
  ["keywords", "VARCHAR[]"],
  ["dblink", "STRUCT(database VARCHAR, id VARCHAR)[]"],
  ["bioprojects", "VARCHAR[]"],
  ["biosamples", "VARCHAR[]"],
  ["source", "VARCHAR"],
  ["organism", "VARCHAR"],
  ["taxonomy", "VARCHAR[]"],
  ["taxid", "BIGINT"],
  [
    "references",
    'STRUCT("number" INTEGER, bases VARCHAR, authors VARCHAR, consortium VARCHAR, title VARCHAR, journal VARCHAR, pubmed BIGINT)[]',
  ],
  ["featureCounts", "MAP(VARCHAR, INTEGER)"],
  ["cdsProducts", "VARCHAR[]"],
  ["locusTags", "VARCHAR[]"],
];

/** NDJSON lines are written in batches of about this many characters. */
const FLUSH_CHARS = 1 << 20;

/** A record as one row of the table: the `features` summary flattened, the `kind` tag dropped. */
function toRow(record: GenbankRecord): Record<string, unknown> {
  const { kind: _kind, features, sequence: _sequence, ...fields } = record;
  return {
    ...fields,
    featureCounts: features.counts,
    cdsProducts: features.cdsProducts,
    locusTags: features.locusTags,
  };
}

/**
 * Converts a GenBank flat file (plain or gzip; a release `.seq` file too) to `genbank_records.parquet`, one row
 * per entry, without sequences. Records stream through a scratch NDJSON file that DuckDB reads with fixed column
 * types, so memory holds one record whatever the input size; the scratch file is removed before the output is
 * committed, and a parse error leaves nothing in `outDir`.
 *
 * @example await convertGenbank("gbbct1.seq.gz", "out/gbbct1")
 */
export async function convertGenbank(
  path: string,
  outDir: string,
  options: ConvertOptions & {
    readonly label?: string;
    readonly taxids?: { has(taxid: number): boolean; readonly size: number };
  } = {},
): Promise<ConversionResult> {
  const label = options.label ?? path;
  let records = 0;
  let dropped = 0;
  const divisions = new Map<string, number>();
  const { result, outputs } = await withStagedOutputDir(outDir, async (stage) => {
    const scratch = stage.path(".genbank-records.ndjson");
    const parquet = stage.path(`${GENBANK_RECORDS_TABLE}.parquet`);
    const out = createWriteStream(scratch);
    try {
      let buffer = "";
      const input = openInput(path, {
        ...(options.onProgress ? { onProgress: (done, total) => options.onProgress?.(done, total) } : {}),
      });
      for await (const record of parseGenbank(input, { file: label })) {
        options.signal?.throwIfAborted();
        if (
          options.taxids !== undefined &&
          (record.taxid === undefined || !options.taxids.has(record.taxid))
        ) {
          dropped++;
          continue;
        }
        buffer += `${JSON.stringify(toRow(record))}\n`;
        records++;
        if (record.division !== undefined)
          divisions.set(record.division, (divisions.get(record.division) ?? 0) + 1);
        if (buffer.length >= FLUSH_CHARS) {
          if (!out.write(buffer)) await once(out, "drain");
          buffer = "";
        }
      }
      out.end(buffer);
      await once(out, "finish");
    } finally {
      out.destroy();
    }
    const duck = await openDuckDb();
    try {
      const columns = COLUMNS.map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(", ");
      const select = COLUMNS.map(([name]) => sqlIdentifier(name)).join(", ");
      await duck.connection.run(
        `COPY (SELECT ${select} FROM read_ndjson(${sqlString(scratch)}, columns = {${columns}}, format = 'newline_delimited', maximum_object_size = 1073741824)) TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const described = await duck.connection.runAndReadAll(
        `DESCRIBE SELECT * FROM read_parquet(${sqlString(parquet)})`,
      );
      const fields: OutputField[] = described.getRowObjectsJS().map((r) => ({
        name: asText(r["column_name"]),
        type: asText(r["column_type"]),
        nullable: r["null"] !== "NO",
      }));
      await rm(scratch, { force: true });
      const { size } = await stat(parquet);
      stage.add(`${GENBANK_RECORDS_TABLE}.parquet`, GENBANK_RECORDS_TABLE, {
        rows: records,
        bytes: size,
        fields,
      });
      return { fields };
    } finally {
      duck.close();
    }
  });
  return {
    format: "genbank",
    input: path,
    outputs,
    manifest: {
      genbank: {
        records,
        divisions: Object.fromEntries(divisions),
        sequences: false,
        ...(options.taxids !== undefined ? { taxonFilter: { taxids: options.taxids.size, dropped } } : {}),
      },
      schema: result.fields,
    },
    warnings: [],
    toolVersions: { "omicslake-genbank-parser": "1", duckdb: parquetEngineVersion() },
  };
}

function asText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** GenBank flat files, plain or gzip (the parser inflates gzip itself; bzip2 and xz are refused). */
export const genbankConverter: Converter = {
  name: "genbank",
  formats: ["genbank"],
  reads: "GenBank flat files",
  convert: ({ path, sniff, outDir, options, label }) => {
    if (sniff.compressed === "bzip2" || sniff.compressed === "xz") {
      throw unsupported(
        label,
        `a GenBank flat file compressed with ${sniff.compressed}`,
        "Recompress it with gzip (NCBI distributes GenBank as .gz), or decompress it.",
      );
    }
    return convertGenbank(path, outDir, {
      ...commonOptions(options),
      label,
      ...(options.genbankTaxids !== undefined ? { taxids: options.genbankTaxids } : {}),
    });
  },
};
