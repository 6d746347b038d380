import { parseBioProject } from "../bioproject/bioproject-parser.js";
import { parseBioSample } from "../biosample/biosample-parser.js";
import { ParseError } from "../errors/parse-error.js";
import type { ParseWarningListener } from "../errors/parse-warning.js";
import { parseGenbank } from "../genbank/genbank-parser.js";
import { parseGeoSoft } from "../geo/geo-soft-parser.js";
import { parsePubmed } from "../pubmed/pubmed-parser.js";
import { parseSra } from "../sra/sra-parser.js";
import { parseSraAccessions } from "../sra-accessions/sra-accessions-parser.js";

/** The upstream formats `omicslake parse` understands. */
export const RECORD_FORMATS = [
  "sra",
  "geo",
  "biosample",
  "bioproject",
  "pubmed",
  "genbank",
  "sra-accessions",
] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

import type { ParsedRecord } from "./parsed-record.js";

/** What every parser of the registry takes; `withSequence` only formats that carry sequences (genbank). */
export interface RecordParserOptions {
  readonly file?: string;
  readonly withSequence?: boolean;
  /** Told about input the parser had to interpret (today: GEO SOFT and SRA_Accessions.tab lines decoded as Latin-1). */
  readonly onWarning?: ParseWarningListener;
}

export type RecordParser = (
  input: AsyncIterable<Uint8Array>,
  options: RecordParserOptions,
) => AsyncGenerator<ParsedRecord>;

/** The formats whose records can carry a sequence (`withSequence`). */
export const SEQUENCE_FORMATS: readonly RecordFormat[] = ["genbank"];

const PARSERS: Readonly<Record<RecordFormat, RecordParser>> = {
  sra: withoutSequence("sra", parseSra),
  geo: withoutSequence("geo", parseGeoSoft),
  biosample: withoutSequence("biosample", parseBioSample),
  bioproject: withoutSequence("bioproject", parseBioProject),
  pubmed: withoutSequence("pubmed", parsePubmed),
  genbank: parseGenbank,
  "sra-accessions": withoutSequence("sra-accessions", parseSraAccessions),
};

/** A metadata-only parser that refuses `withSequence` rather than ignore it. */
function withoutSequence(
  format: RecordFormat,
  parse: (
    input: AsyncIterable<Uint8Array>,
    options: { file?: string; onWarning?: ParseWarningListener },
  ) => AsyncGenerator<ParsedRecord>,
): RecordParser {
  return (input, options) => {
    if (options.withSequence === true) {
      throw new ParseError(
        "usage",
        `the ${format} format has no sequences to keep; withSequence applies to ${SEQUENCE_FORMATS.join(", ")} only`,
        { ...(options.file === undefined ? {} : { file: options.file }) },
        { hint: "Leave out --with-sequence for this format" },
      );
    }
    return parse(input, {
      ...(options.file === undefined ? {} : { file: options.file }),
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    });
  };
}

export function isRecordFormat(value: string): value is RecordFormat {
  return (RECORD_FORMATS as readonly string[]).includes(value);
}

/** The streaming parser for a format. */
export function recordParser(format: RecordFormat): RecordParser {
  return PARSERS[format];
}
