import { parseBioProject } from "../bioproject/bioproject-parser.js";
import { parseBioSample } from "../biosample/biosample-parser.js";
import { parseGeoSoft } from "../geo/geo-soft-parser.js";
import { parsePubmed } from "../pubmed/pubmed-parser.js";
import { parseSra } from "../sra/sra-parser.js";

/** The upstream formats `omicslake parse` understands. */
export const RECORD_FORMATS = ["sra", "geo", "biosample", "bioproject", "pubmed"] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

import type { ParsedRecord } from "./parsed-record.js";

export type RecordParser = (
  input: AsyncIterable<Uint8Array>,
  options: { file?: string },
) => AsyncGenerator<ParsedRecord>;

const PARSERS: Readonly<Record<RecordFormat, RecordParser>> = {
  sra: parseSra,
  geo: parseGeoSoft,
  biosample: parseBioSample,
  bioproject: parseBioProject,
  pubmed: parsePubmed,
};

export function isRecordFormat(value: string): value is RecordFormat {
  return (RECORD_FORMATS as readonly string[]).includes(value);
}

/** The streaming parser for a format. */
export function recordParser(format: RecordFormat): RecordParser {
  return PARSERS[format];
}
