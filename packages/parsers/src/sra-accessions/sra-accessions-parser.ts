import { isAscii, isUtf8 } from "node:buffer";
import { ParseError } from "../errors/parse-error.js";
import type { ParseWarningListener } from "../errors/parse-warning.js";
import { decodeWindows1252 } from "../geo/windows-1252-text.js";
import { driveChunks, type ChunkSink } from "../io/drive-chunks.js";
import type { SraAccessionsRecord } from "./sra-accessions-records.js";

export interface ParseSraAccessionsOptions {
  /** File name used in error messages. */
  readonly file?: string;
  /** Longest line accepted (a real line is a few hundred bytes). Default 1 MiB. */
  readonly maxLineBytes?: number;
  /** Told about lines that are not UTF-8 and were read as Latin-1 (Windows-1252). */
  readonly onWarning?: ParseWarningListener;
}

/** The columns of `SRA_Accessions.tab`, as its header names them. */
export const SRA_ACCESSIONS_COLUMNS = [
  "Accession",
  "Submission",
  "Status",
  "Updated",
  "Published",
  "Received",
  "Type",
  "Center",
  "Visibility",
  "Alias",
  "Experiment",
  "Sample",
  "Study",
  "Loaded",
  "Spots",
  "Bases",
  "Md5sum",
  "BioSample",
  "BioProject",
  "ReplacedBy",
] as const;

type Column = (typeof SRA_ACCESSIONS_COLUMNS)[number];

const NL = 0x0a;
const WHOLE = /^\d+$/;
/** Latin-1 lines warned about one by one; past this, one summary at the end of the input. */
const LATIN1_LINE_WARNINGS = 10;

/**
 * Streams the rows of NCBI's `SRA_Accessions.tab` (tens of GB upstream) as typed records, one per line after the
 * header. Memory holds one chunk and one line at most; a line that is not the header's twenty tab-separated
 * fields is a `ParseError` naming the file, line and byte offset.
 *
 * @example
 * for await (const r of parseSraAccessions(openInput("SRA_Accessions.tab"), { file: "SRA_Accessions.tab" }))
 *   if (r.status !== "live") console.log(r.accession, r.status, r.replacedBy);
 */
export function parseSraAccessions(
  input: AsyncIterable<Uint8Array>,
  options: ParseSraAccessionsOptions = {},
): AsyncGenerator<SraAccessionsRecord> {
  return driveChunks(input, new SraAccessionsReader(options));
}

/**
 * Why whole spans are decoded at once: cutting each chunk at its last newline and decoding everything before it
 * as one string, then splitting in JavaScript, costs one decoder call per chunk instead of one per line (the
 * splits are the engine's fast path). Only a cut is safe to decode: a newline is one byte in UTF-8, so no
 * character straddles it. The bytes after the last newline are copied, never kept as a view of the chunk.
 */
class SraAccessionsReader implements ChunkSink<SraAccessionsRecord> {
  readonly out: SraAccessionsRecord[] = [];
  private readonly file: string | undefined;
  private readonly maxLineBytes: number;
  private readonly onWarning: ParseWarningListener | undefined;
  private latin1Lines = 0;
  private lastLatin1Line = 0;
  /** Bytes of an unfinished line, copied out of earlier chunks. */
  private carry: Buffer | undefined;
  /** Byte offset where the carried bytes (or, without carry, the next chunk) start. */
  private offset = 0;
  private line = 0;
  /** For each known column, its field index in the file (the header may order them differently). */
  private index: Readonly<Record<Column, number>> | undefined;
  private fieldCount = 0;
  /** The fields of the line being read (only its first `count` entries are this line's). */
  private readonly fields: string[] = [];

  constructor(options: ParseSraAccessionsOptions) {
    this.file = options.file;
    this.maxLineBytes = options.maxLineBytes ?? 1 << 20;
    this.onWarning = options.onWarning;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const last = buf.lastIndexOf(NL);
    if (last < 0) {
      this.carry = this.carry === undefined ? Buffer.from(buf) : Buffer.concat([this.carry, buf]);
      this.checkLineLength(this.carry.length);
      return;
    }
    let from = 0;
    if (this.carry !== undefined) {
      // Only the carried line is joined up; the rest of the chunk is decoded where it lies.
      const first = buf.indexOf(NL);
      const line = Buffer.concat([this.carry, buf.subarray(0, first)]);
      this.carry = undefined;
      this.span(line, 0, line.length);
      from = first + 1;
    }
    if (from < last) this.span(buf, from, last);
    else if (from === last) this.span(buf, from, from);
    this.carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : undefined;
    if (this.carry !== undefined) this.checkLineLength(this.carry.length);
  }

  /** Complete lines `buf[from, end)` (the newline at `end` excluded); `offset` is where they start. */
  private span(buf: Buffer, from: number, end: number): void {
    const start = this.offset;
    this.offset += end - from + 1;
    // ASCII (nearly every byte of the file) decodes to a one-byte string by a copy; only the rest needs UTF-8.
    const bytes = buf.subarray(from, end);
    if (isAscii(bytes)) return this.lines(buf.toString("latin1", from, end), start);
    const text = buf.toString("utf8", from, end);
    if (!text.includes("\uFFFD") || isUtf8(bytes)) return this.lines(text, start);
    // A submitter's alias or centre in Latin-1 would become U+FFFD for good: such a line is read as Latin-1
    // (Windows-1252), deciding line by line so the UTF-8 lines around it stay right, as for GEO SOFT.
    for (let at = from; ;) {
      let nl = buf.indexOf(NL, at);
      if (nl < 0 || nl > end) nl = end;
      const line = buf.subarray(at, nl);
      const lineStart = start + (at - from);
      if (isUtf8(line)) this.lines(line.toString("utf8"), lineStart);
      else {
        const decoded = decodeWindows1252(line);
        this.latin1(this.line + 1, lineStart, decoded);
        this.lines(decoded, lineStart);
      }
      if (nl === end) return;
      at = nl + 1;
    }
  }

  private latin1(line: number, byteOffset: number, text: string): void {
    this.latin1Lines++;
    this.lastLatin1Line = line;
    if (this.latin1Lines > LATIN1_LINE_WARNINGS) return;
    const tab = text.indexOf("\t");
    const record = tab > 0 ? text.slice(0, Math.min(tab, 100)) : undefined;
    this.onWarning?.({
      code: "latin1_decoded",
      message: `SRA_Accessions.tab ${this.file ?? "input"} line ${line}${record === undefined ? "" : ` (${record})`}: not valid UTF-8; decoded as Latin-1 (Windows-1252)`,
      location: { file: this.file, line, byteOffset, ...(record === undefined ? {} : { record }) },
    });
  }

  end(): void {
    if (this.carry !== undefined) {
      const line = this.carry;
      this.carry = undefined;
      this.span(line, 0, line.length);
    }
    if (this.latin1Lines > LATIN1_LINE_WARNINGS) {
      this.onWarning?.({
        code: "latin1_decoded_more",
        message: `SRA_Accessions.tab ${this.file ?? "input"}: ${this.latin1Lines - LATIN1_LINE_WARNINGS} more line(s) after the first ${LATIN1_LINE_WARNINGS} were not UTF-8 and were decoded as Latin-1 (Windows-1252), ${this.latin1Lines} in all, the last at line ${this.lastLatin1Line}`,
        location: { file: this.file, line: this.lastLatin1Line },
      });
    }
    if (this.index === undefined) {
      throw new ParseError(
        "empty_input",
        "SRA_Accessions.tab: the input is empty; expected a header line and rows",
        { file: this.file, byteOffset: 0 },
        { hint: "Fetch the file again; an interrupted download leaves it empty" },
      );
    }
  }

  /** The lines of `text` (complete lines, newlines removed), which starts at byte `start` of the input. */
  private lines(text: string, start: number): void {
    const length = text.length;
    let from = 0;
    for (;;) {
      let nl = text.indexOf("\n", from);
      if (nl < 0) nl = length;
      // A CRLF file keeps its \r before the newline: it is not part of the last field.
      const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line++;
      if (end > from) this.row(text, from, end, start);
      if (nl === length) return;
      from = nl + 1;
    }
  }

  /** One line, `text[at, end)`: its fields are cut straight out of the span, into one reused array. */
  private row(text: string, at: number, end: number, start: number): void {
    const fields = this.fields;
    let count = 0;
    for (let p = at; ;) {
      const tab = text.indexOf("\t", p);
      if (tab < 0 || tab >= end) {
        fields[count++] = text.slice(p, end);
        break;
      }
      fields[count++] = text.slice(p, tab);
      p = tab + 1;
    }
    if (this.index === undefined) {
      this.header(fields.slice(0, count), start + Buffer.byteLength(text.slice(0, at)));
      return;
    }
    if (count !== this.fieldCount) {
      throw this.malformed(
        `${count} tab-separated fields, the header has ${this.fieldCount}`,
        text,
        at,
        start,
        fields[0],
      );
    }
    const i = this.index;
    const accession = value(fields[i.Accession]);
    if (accession === undefined) {
      throw this.malformed("no Accession", text, at, start, undefined);
    }
    this.out.push({
      kind: "sra_accessions",
      accession,
      submission: value(fields[i.Submission]),
      status: value(fields[i.Status]),
      updated: value(fields[i.Updated]),
      published: value(fields[i.Published]),
      received: value(fields[i.Received]),
      type: value(fields[i.Type]),
      center: value(fields[i.Center]),
      visibility: value(fields[i.Visibility]),
      alias: value(fields[i.Alias]),
      experiment: value(fields[i.Experiment]),
      sample: value(fields[i.Sample]),
      study: value(fields[i.Study]),
      loaded: this.whole(fields[i.Loaded], "Loaded", text, at, start, accession),
      spots: this.whole(fields[i.Spots], "Spots", text, at, start, accession),
      bases: this.whole(fields[i.Bases], "Bases", text, at, start, accession),
      md5sum: value(fields[i.Md5sum]),
      biosample: value(fields[i.BioSample]),
      bioproject: value(fields[i.BioProject]),
      replacedBy: value(fields[i.ReplacedBy]),
    });
  }

  private header(fields: readonly string[], byteOffset: number): void {
    const names = fields.map((f) => f.trim());
    const missing = SRA_ACCESSIONS_COLUMNS.filter((c) => !names.includes(c));
    const unknown = names.filter((n) => !(SRA_ACCESSIONS_COLUMNS as readonly string[]).includes(n));
    const repeated = names.filter((n, k) => names.indexOf(n) !== k);
    if (missing.length > 0 || unknown.length > 0 || repeated.length > 0) {
      const problems = [
        missing.length > 0 ? `missing ${missing.join(", ")}` : "",
        unknown.length > 0 ? `unknown ${unknown.map((u) => JSON.stringify(u)).join(", ")}` : "",
        repeated.length > 0 ? `repeated ${repeated.join(", ")}` : "",
      ].filter((p) => p !== "");
      throw new ParseError(
        "unexpected_tab_header",
        `the header is not the twenty columns of SRA_Accessions.tab (${problems.join("; ")})`,
        { file: this.file, line: this.line, byteOffset },
        {
          hint: `Expected the tab-separated header ${SRA_ACCESSIONS_COLUMNS.join(" ")}; if NCBI changed the file's columns, the parser must learn them before the file can be read`,
        },
      );
    }
    this.index = Object.fromEntries(SRA_ACCESSIONS_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<
      Column,
      number
    >;
    this.fieldCount = names.length;
  }

  private whole(
    field: string | undefined,
    column: Column,
    text: string,
    at: number,
    start: number,
    accession: string,
  ): number | undefined {
    const v = value(field);
    if (v === undefined) return undefined;
    const n = WHOLE.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) {
      throw this.malformed(
        `${column} is ${JSON.stringify(v)}, expected a whole number or "-"`,
        text,
        at,
        start,
        accession,
      );
    }
    return n;
  }

  private malformed(
    problem: string,
    text: string,
    at: number,
    start: number,
    record: string | undefined,
  ): ParseError {
    return new ParseError(
      "malformed_tab_line",
      `SRA_Accessions.tab: ${problem}`,
      {
        file: this.file,
        line: this.line,
        // Counted only here, on the way to an error: the byte offset of the line's first byte.
        byteOffset: start + Buffer.byteLength(text.slice(0, at)),
        ...(record === undefined || record === "" ? {} : { record }),
      },
      { hint: "The file is damaged or cut: fetch it again (omicslake ingest re-fetches a changed file)" },
    );
  }

  private checkLineLength(bytes: number): void {
    if (bytes <= this.maxLineBytes) return;
    throw new ParseError(
      "record_too_large",
      `SRA_Accessions.tab: a line is longer than ${this.maxLineBytes} bytes`,
      { file: this.file, line: this.line + 1, byteOffset: this.offset },
      {
        hint: "The input is not SRA_Accessions.tab (its lines are a few hundred bytes), or raise maxLineBytes",
      },
    );
  }
}

/** `-` is upstream's empty field. */
function value(field: string | undefined): string | undefined {
  return field === undefined || field === "" || field === "-" ? undefined : field;
}
