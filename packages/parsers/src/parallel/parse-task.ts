import type { ErrorCode } from "@omicslake/core";
import { ParseError, type ParseLocation } from "../errors/parse-error.js";
import type { RecordFormat } from "../parse/record-parsers.js";

/**
 * One slice of one file for a worker: the slice's bytes, preceded by the document's preamble (so the
 * reader starts where the serial reader stands at a record boundary) and, unless it is the file's last
 * slice, followed by the closing tags of the preamble's open elements (so a slice cut at a wrong place
 * fails inside those tags instead of passing unnoticed).
 */
export interface ParseTask {
  readonly format: RecordFormat;
  /** The file name used in errors, as the serial parser is given it. */
  readonly file: string;
  readonly prefix: Uint8Array;
  readonly body: Uint8Array;
  /** Closing tags appended after the body; absent for a file's last slice. */
  readonly suffix?: string;
  /** Record kinds to keep (all when absent). */
  readonly kinds?: readonly string[];
  /**
   * Tag each line for processing: `{"_i":segment,"_l":n,` then the record's fields, `n` counting the slice's
   * records from 0, and the lines grouped by kind (`KindLines`) instead of one NDJSON run.
   */
  readonly segment?: number;
}

/** The tagged lines of one record kind, in input order. */
export interface KindLines {
  readonly kind: string;
  readonly ndjson: Uint8Array;
  readonly count: number;
}

/** A ParseError taken apart to cross the thread boundary (errors lose their class in a structured clone). */
export interface SentParseError {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly location: ParseLocation;
  readonly hint?: string;
}

export type TaskResult =
  | {
      readonly ok: true;
      /** The slice's records as NDJSON, one line each, exactly as the serial writer makes them. */
      readonly ndjson: Uint8Array;
      readonly count: number;
      /** With `segment`: the lines by kind (`ndjson` is then empty). */
      readonly byKind?: readonly KindLines[];
      /** The task's body, handed back (it was transferred to the worker): a slice joined to the next needs it. */
      readonly body: Uint8Array;
    }
  | {
      readonly ok: false;
      /**
       * `body`: the error arose while the slice's own bytes were read, so the serial parser meets it too
       * (at the same offset once shifted). `tail`: only the appended closing tags or the end of input
       * exposed it — the cut was not between records, and the slice is parsed again joined to the next.
       */
      readonly phase: "body" | "tail";
      readonly ndjson: Uint8Array;
      readonly count: number;
      readonly byKind?: readonly KindLines[];
      readonly body: Uint8Array;
      readonly parseError?: SentParseError;
      /** A failure that is not a ParseError (a bug): its message and stack. */
      readonly bug?: { readonly message: string; readonly stack?: string };
    };

export function sendParseError(error: ParseError): SentParseError {
  return {
    code: error.code,
    reason: error.reason,
    location: error.location,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  };
}

/**
 * The ParseError the serial parser would have thrown: a worker's byte offsets count from its preamble,
 * so they are moved to where its body starts in the file.
 */
export function receiveParseError(sent: SentParseError, shift: number): ParseError {
  const { byteOffset } = sent.location;
  const location: ParseLocation = {
    ...sent.location,
    ...(byteOffset === undefined ? {} : { byteOffset: byteOffset + shift }),
  };
  return new ParseError(sent.code, sent.reason, location, sent.hint === undefined ? {} : { hint: sent.hint });
}
