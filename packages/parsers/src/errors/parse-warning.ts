import type { ParseLocation } from "./parse-error.js";

/** What a warning is about; stable, so callers and tests can tell warnings apart without reading text. */
export type ParseWarningCode =
  /** A line was not valid UTF-8 and was decoded as Latin-1 (Windows-1252) instead. */
  | "latin1_decoded"
  /** More lines than were warned about one by one were decoded as Latin-1: their count. */
  | "latin1_decoded_more";

/**
 * Something a parser read but had to interpret, where the records are still right and nothing was
 * dropped: the input's own place (file, line, byte offset, record) and what was done. Parsers hand
 * warnings to the caller's listener; the CLI prints them, processing writes them to the run's log.
 */
export interface ParseWarning {
  readonly code: ParseWarningCode;
  readonly message: string;
  readonly location: ParseLocation;
}

export type ParseWarningListener = (warning: ParseWarning) => void;

/** `warning: <message>`, the form the CLI and the run log show. */
export function formatParseWarning(warning: ParseWarning): string {
  return `warning: ${warning.message}`;
}
