// Errors and inputs
export { ParseError, type ParseLocation } from "./errors/parse-error.js";
export {
  formatParseWarning,
  type ParseWarning,
  type ParseWarningCode,
  type ParseWarningListener,
} from "./errors/parse-warning.js";
export { isGzip, openInput, type OpenInputOptions } from "./io/open-input.js";

// The XML engine and its record-tree helpers
export type { XmlNode } from "./xml/xml-node.js";
export { allAt, at, child, childrenNamed, deepText, textAt } from "./xml/xml-node.js";
export {
  readXmlRecords,
  XmlRecordTokenizer,
  type XmlRecord,
  type XmlRecordReaderOptions,
} from "./xml/xml-record-reader.js";
export { decodeXmlEntities } from "./xml/xml-entities.js";
export { attrOf, toBool, toInt, toIsoDate, toNumber } from "./xml/xml-values.js";

// Parsers, one per upstream format
export { parseSra, SRA_RECORD_ELEMENTS, SRA_ROOTS, type ParseSraOptions } from "./sra/sra-parser.js";
export { parseBioSample, type ParseBioSampleOptions } from "./biosample/biosample-parser.js";
export { parseBioProject } from "./bioproject/bioproject-parser.js";
export { parseGeoSoft, type GeoSoftParseOptions } from "./geo/geo-soft-parser.js";
export { parsePubmed, type PubmedParseOptions } from "./pubmed/pubmed-parser.js";
export { parseGenbank, type GenbankParseOptions } from "./genbank/genbank-parser.js";
export {
  parseSraAccessions,
  SRA_ACCESSIONS_COLUMNS,
  type ParseSraAccessionsOptions,
} from "./sra-accessions/sra-accessions-parser.js";

// Record schemas and types
export * from "./sra/sra-records.js";
export * from "./biosample/biosample-records.js";
export * from "./bioproject/bioproject-records.js";
export * from "./geo/geo-records.js";
export * from "./pubmed/pubmed-records.js";
export * from "./genbank/genbank-records.js";
export * from "./sra-accessions/sra-accessions-records.js";
export { RECORD_KINDS, RECORD_SCHEMAS, recordJsonSchemas, type RecordKind } from "./parse/record-schemas.js";

// The format registry behind `omicslake parse`
export type { ParsedRecord } from "./parse/parsed-record.js";
export {
  RECORD_FORMATS,
  SEQUENCE_FORMATS,
  isRecordFormat,
  recordParser,
  type RecordFormat,
  type RecordParser,
  type RecordParserOptions,
} from "./parse/record-parsers.js";
export { writeNdjson, type NdjsonOptions } from "./parse/write-ndjson.js";
