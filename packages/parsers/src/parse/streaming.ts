/*
 * What a command that streams files to records needs, without the record schemas (zod and every format's
 * schema module): `omicslake parse` imports this entry so that its start-up loads only the parsers it runs.
 * The same modules as the package root's exports.
 */
export { ParseError } from "../errors/parse-error.js";
export { formatParseWarning, type ParseWarning, type ParseWarningListener } from "../errors/parse-warning.js";
export { openInput, type OpenInputOptions } from "../io/open-input.js";
export type { ParsedRecord } from "./parsed-record.js";
export {
  RECORD_FORMATS,
  SEQUENCE_FORMATS,
  isRecordFormat,
  recordParser,
  type RecordFormat,
  type RecordParser,
  type RecordParserOptions,
} from "./record-parsers.js";
export { writeNdjson, type NdjsonOptions } from "./write-ndjson.js";
export {
  PARALLEL_FORMATS,
  parseInParallel,
  type NdjsonPiece,
  type ParallelInput,
  type ParallelParseOptions,
} from "../parallel/parse-in-parallel.js";
export { ParseWorkerPool } from "../parallel/parse-worker-pool.js";
