import { isUtf8 } from "node:buffer";
import type { ErrorCode } from "@omicslake/core";
import { ParseError } from "../errors/parse-error.js";
import type { ParseWarningListener } from "../errors/parse-warning.js";
import { decodeWindows1252 } from "./windows-1252-text.js";

/** What the scanner reports, in file order. Called synchronously from `push`/`end`. */
export interface GeoSoftScanHandler {
  /** A `^TYPE = accession` line; `type` is upper-case. */
  entity(type: string, accession: string, line: number, byteOffset: number): void;
  /** A `!key = value` line; `key` is without the leading `!`, `value` untrimmed. */
  field(key: string, value: string): void;
  /** A `#column = description` line. */
  column(name: string, description: string): void;
  /** The end of a data table: its header cells (if any) and how many data rows it had. */
  table(header: readonly string[] | undefined, rowCount: number): void;
}

export interface GeoSoftScannerOptions {
  readonly file?: string;
  /** Longest metadata line kept in memory; data-table lines are never kept. Default 64 MiB. */
  readonly maxLineBytes?: number;
  /** Told about lines that are not UTF-8 and were read as Latin-1. */
  readonly onWarning?: ParseWarningListener;
}

const NL = 0x0a;
const CR = 0x0d;
const BANG = 0x21;
const CARET = 0x5e;
const HASH = 0x23;
const PREVIEW_CHARS = 80;
/** Latin-1 lines warned about one by one; past this, one summary at the end of the input. */
const LATIN1_LINE_WARNINGS = 10;

/**
 * Splits SOFT bytes into lines and classifies them without building a string per data-table row:
 * inside `!x_table_begin … !x_table_end` a row costs one `indexOf` and a counter increment, which is
 * what keeps family files (mostly tables) at scanning speed.
 */
export class GeoSoftScanner {
  private readonly file: string | undefined;
  private readonly maxLineBytes: number;
  private readonly handler: GeoSoftScanHandler;

  /** Lines fully processed so far. */
  private lines = 0;
  /** Bytes of input consumed before the current chunk. */
  private consumed = 0;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryOffset = 0;
  /** The pending partial line is a data row whose bytes were dropped (only its existence matters). */
  private carryIsSkippedRow = false;
  private inTable = false;
  private tableHeader: string[] | undefined;
  private tableRows = 0;
  private record: string | undefined;
  private sawEntity = false;
  private sawBytes = false;
  private readonly onWarning: ParseWarningListener | undefined;
  private latin1Lines = 0;
  private lastLatin1Line = 0;

  constructor(handler: GeoSoftScanHandler, options: GeoSoftScannerOptions = {}) {
    this.handler = handler;
    this.file = options.file;
    this.maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
    this.onWarning = options.onWarning;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (!this.sawBytes) {
      this.sawBytes = true;
      // A UTF-8 byte order mark would otherwise make the first `^` line look malformed.
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        this.consumed += 3;
      }
    }
    const n = buf.length;
    let p = 0;

    if (this.carryBytes > 0 || this.carryIsSkippedRow) {
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.extendCarry(buf, 0, n);
        this.consumed += n;
        return;
      }
      this.finishCarry(buf, nl);
      p = nl + 1;
    }

    while (p < n) {
      if (this.inTable && this.tableHeader !== undefined) {
        const c = buf[p];
        if (c !== BANG) {
          const nl = buf.indexOf(NL, p);
          if (nl < 0) {
            this.startCarry(buf, p, n);
            break;
          }
          if (!(nl === p || (nl === p + 1 && c === CR))) this.tableRows++;
          this.lines++;
          p = nl + 1;
          continue;
        }
      }
      const nl = buf.indexOf(NL, p);
      if (nl < 0) {
        this.startCarry(buf, p, n);
        break;
      }
      this.processLine(buf, p, nl, this.consumed + p);
      this.lines++;
      p = nl + 1;
    }
    this.consumed += n;
  }

  /** Processes a last line without a newline and checks the input was complete. */
  end(): void {
    if (this.carryIsSkippedRow) {
      this.tableRows++;
      this.lines++;
      this.carryIsSkippedRow = false;
    } else if (this.carryBytes > 0) {
      const line = Buffer.concat(this.carry, this.carryBytes);
      this.carry = [];
      this.carryBytes = 0;
      this.processLine(line, 0, line.length, this.carryOffset);
      this.lines++;
    }
    if (this.latin1Lines > LATIN1_LINE_WARNINGS) {
      const more = this.latin1Lines - LATIN1_LINE_WARNINGS;
      this.onWarning?.({
        code: "latin1_decoded_more",
        message: `GEO SOFT ${this.file ?? "input"}: ${more} more line(s) after the first ${LATIN1_LINE_WARNINGS} were not UTF-8 and were decoded as Latin-1 (Windows-1252), ${this.latin1Lines} in all, the last at line ${this.lastLatin1Line}`,
        location: { file: this.file, line: this.lastLatin1Line },
      });
    }
    if (this.inTable) {
      throw this.error(
        "truncated_soft_table",
        `GEO SOFT: the input ended inside a data table (no "!…_table_end" line)`,
        this.lines,
        this.consumed,
        "The file is truncated; download it again",
      );
    }
    if (!this.sawEntity) {
      throw new ParseError(
        "empty_input",
        'GEO SOFT input has no entity (no "^SERIES = …", "^SAMPLE = …" or similar line)',
        { file: this.file, byteOffset: 0 },
        { hint: "Check that the file is a GEO SOFT file and is not empty" },
      );
    }
  }

  private startCarry(buf: Buffer, start: number, end: number): void {
    this.carryOffset = this.consumed + start;
    const c = buf[start];
    if (this.inTable && this.tableHeader !== undefined && c !== BANG && c !== CR) {
      this.carryIsSkippedRow = true;
      return;
    }
    this.extendCarry(buf, start, end);
  }

  private extendCarry(buf: Buffer, start: number, end: number): void {
    if (this.carryIsSkippedRow) return;
    this.carryBytes += end - start;
    if (this.carryBytes > this.maxLineBytes) {
      throw this.error(
        "soft_line_too_long",
        `GEO SOFT: a line longer than ${this.maxLineBytes} bytes`,
        this.lines + 1,
        this.carryOffset,
        "The input is not a GEO SOFT file, or raise maxLineBytes",
      );
    }
    // Copy: the caller may reuse the chunk's memory after push returns.
    this.carry.push(Buffer.from(buf.subarray(start, end)));
  }

  private finishCarry(buf: Buffer, nl: number): void {
    if (this.carryIsSkippedRow) {
      this.carryIsSkippedRow = false;
      this.tableRows++;
      this.lines++;
      return;
    }
    this.extendCarry(buf, 0, nl);
    const line = Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    this.processLine(line, 0, line.length, this.carryOffset);
    this.lines++;
  }

  private processLine(buf: Buffer, start: number, end: number, byteOffset: number): void {
    let e = end;
    while (e > start && buf[e - 1] === CR) e--;
    if (e === start) return;
    const lineNo = this.lines + 1;
    const first = buf[start];

    if (this.inTable) {
      if (first === BANG) {
        const text = this.decode(buf, start, e, lineNo, byteOffset).trimEnd();
        // Any `_table_end` closes the table: real files pair `!platform_table_begin` with `!sample_table_end`.
        if (text.endsWith("_table_end")) {
          this.inTable = false;
          this.handler.table(this.tableHeader, this.tableRows);
          this.tableHeader = undefined;
          this.tableRows = 0;
          return;
        }
      }
      if (this.tableHeader === undefined)
        this.tableHeader = this.decode(buf, start, e, lineNo, byteOffset).split("\t");
      else this.tableRows++;
      return;
    }

    const text = this.decode(buf, start, e, lineNo, byteOffset);
    if (first === CARET) {
      const eq = text.indexOf(" = ");
      const type = eq > 1 ? text.slice(1, eq).trim().toUpperCase() : "";
      const accession = eq > 1 ? text.slice(eq + 3).trim() : "";
      if (type === "" || accession === "" || !/^[A-Z_]+$/.test(type)) {
        throw this.malformed(lineNo, byteOffset, '"^ENTITY = accession"', text);
      }
      this.record = accession;
      this.sawEntity = true;
      this.handler.entity(type, accession, lineNo, byteOffset);
      return;
    }
    if (first === BANG || first === HASH) {
      const eq = text.indexOf(" = ");
      let key: string;
      let value: string;
      if (eq > 1) {
        key = text.slice(1, eq);
        value = text.slice(eq + 3);
      } else if (text.length > 3 && text.trimEnd().endsWith(" =")) {
        // `!Series_summary =` with nothing after it: an empty paragraph, not an error.
        key = text.trimEnd().slice(1, -2);
        value = "";
      } else if (first === BANG && this.record !== undefined && /^![A-Za-z]+_table_begin\s*$/.test(text)) {
        this.inTable = true;
        this.tableHeader = undefined;
        this.tableRows = 0;
        return;
      } else {
        throw this.malformed(
          lineNo,
          byteOffset,
          first === HASH ? '"#column = description"' : '"key = value"',
          text,
        );
      }
      if (this.record === undefined) {
        throw this.error(
          "malformed_soft_line",
          `GEO SOFT: "${preview(text)}" comes before any "^ENTITY = accession" line`,
          lineNo,
          byteOffset,
          "Check that the file is a complete GEO SOFT file",
        );
      }
      key = key.trim();
      if (first === BANG) this.handler.field(key, value);
      else this.handler.column(key, value);
      return;
    }
    throw this.malformed(lineNo, byteOffset, 'a "^", "!" or "#" line', text);
  }

  /**
   * One line's text. SOFT is UTF-8, but files GEO built from old submissions carry Latin-1 bytes; decoding
   * those as UTF-8 would turn each into U+FFFD and lose the letter for good. The decision is made per
   * line, so a UTF-8 file with one Latin-1 line reads both right. Only a line whose UTF-8 decoding holds
   * U+FFFD is checked (a real U+FFFD in valid UTF-8 is kept), so clean lines cost one scan of the string.
   */
  private decode(buf: Buffer, start: number, end: number, line: number, byteOffset: number): string {
    const text = buf.toString("utf8", start, end);
    if (!text.includes("\uFFFD")) return text;
    const bytes = buf.subarray(start, end);
    if (isUtf8(bytes)) return text;
    this.latin1Lines++;
    this.lastLatin1Line = line;
    if (this.latin1Lines <= LATIN1_LINE_WARNINGS) {
      this.onWarning?.({
        code: "latin1_decoded",
        message: `GEO SOFT ${this.file ?? "input"} line ${line}${this.record === undefined ? "" : ` (${this.record})`}: not valid UTF-8; decoded as Latin-1 (Windows-1252)`,
        location: {
          file: this.file,
          line,
          byteOffset,
          ...(this.record === undefined ? {} : { record: this.record }),
        },
      });
    }
    return decodeWindows1252(bytes);
  }

  private malformed(line: number, byteOffset: number, expected: string, got: string): ParseError {
    return this.error(
      "malformed_soft_line",
      `GEO SOFT: expected ${expected}, got "${preview(got)}"`,
      line,
      byteOffset,
      "Check that the file is GEO SOFT text and not truncated or edited by hand",
    );
  }

  private error(
    code: ErrorCode,
    message: string,
    line: number,
    byteOffset: number,
    hint: string,
  ): ParseError {
    return new ParseError(
      code,
      message,
      { file: this.file, line, byteOffset, record: this.record },
      { hint },
    );
  }
}

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
