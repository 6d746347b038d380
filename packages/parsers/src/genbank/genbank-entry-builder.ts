import type { ErrorCode } from "@omicslake/core";
import { ParseError } from "../errors/parse-error.js";
import { parseLocusLine, type GenbankLocus } from "./genbank-locus-line.js";
import type { GenbankDblink, GenbankRecord, GenbankReference } from "./genbank-records.js";

export interface GenbankEntryOptions {
  readonly file?: string;
  /** Keep the ORIGIN sequence of each record. */
  readonly withSequence: boolean;
  /** Most header and feature-summary text one record may hold (the sequence is not counted). */
  readonly maxRecordBytes: number;
}

type Section = "outside" | "header" | "features" | "origin";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Draft {
  readonly locus: GenbankLocus;
  readonly line: number;
  accession?: string;
  secondaryAccessions: string[];
  version?: string;
  definition?: string;
  keywords: string[];
  dblink: GenbankDblink[];
  source?: string;
  organism?: string;
  taxonomy: string[];
  taxid?: number;
  references: Mutable<GenbankReference>[];
  counts: Map<string, number>;
  cdsProducts: string[];
  locusTags: Set<string>;
  sequence?: SequenceBuffer;
}

const CR = 0x0d;
const SPACE = 0x20;
const SLASH = 0x2f;
const QUOTE = 0x22;
const PREVIEW_CHARS = 80;
/** Qualifiers start in column 22; anything indented less inside FEATURES is a feature key line. */
const QUALIFIER_INDENT = 21;
/** Header keywords whose text a record keeps; the others (COMMENT, CONTIG, PRIMARY, …) are read past. */
const KEPT_KEYS = new Set([
  "DEFINITION",
  "ACCESSION",
  "VERSION",
  "DBLINK",
  "KEYWORDS",
  "SOURCE",
  "ORGANISM",
  "REFERENCE",
  "AUTHORS",
  "CONSRTM",
  "TITLE",
  "JOURNAL",
  "PUBMED",
]);
/** First line of a GenBank release file (`gbbct1.seq`): "GBBCT1.SEQ          Genetic Sequence Data Bank". */
const RELEASE_HEADER = /^GB[A-Z]{3}\d*\.SEQ\b|Genetic Sequence Data Bank/;
/** A release header is about ten lines; more text than this before the first LOCUS is not one. */
const MAX_RELEASE_HEADER_LINES = 100;

/**
 * Turns the lines of a GenBank flat file into records, one per `LOCUS … //` entry. Keeps only what a record
 * reports: header text of the kept keywords, and from the feature table the counts per key, CDS products, locus
 * tags and the source's taxon; every other qualifier is read only far enough to know where its quotes end.
 * Sequence lines are not decoded unless the sequence is wanted.
 */
export class GenbankEntryBuilder {
  readonly out: GenbankRecord[] = [];
  private readonly options: GenbankEntryOptions;
  private section: Section = "outside";
  private releaseHeader: "maybe" | "in" | "no" = "maybe";
  private records = 0;
  private draft: Draft | undefined;
  private held = 0;
  private line = 0;
  private byteOffset = 0;

  /** The header keyword being read and, when it is kept, its lines so far. */
  private key: string | undefined;
  private keyLines: string[] | undefined;

  /** The feature being read, its open qualifier and, when that is kept, its text so far. */
  private feature: string | undefined;
  private inLocation = false;
  private qualifier: string | undefined;
  private qualifierParts: string[] | undefined;
  private quoteOpen = false;

  constructor(options: GenbankEntryOptions) {
    this.options = options;
  }

  /** The accession (or LOCUS name) of the entry being read, for error locations. */
  get currentRecord(): string | undefined {
    return this.draft?.accession ?? this.draft?.locus.name;
  }

  /** The next line matters only by its first bytes: a sequence line whose letters are not kept. */
  get readsLineStartOnly(): boolean {
    return this.section === "origin" && !this.options.withSequence;
  }

  /** One line of input (see `LineHandler`). */
  readonly onLine = (buf: Buffer, start: number, end: number, line: number, byteOffset: number): void => {
    let e = end;
    if (e > start && buf[e - 1] === CR) e--;
    // A byte order mark would make the first LOCUS line look like text before it.
    if (
      line === 1 &&
      e - start >= 3 &&
      buf[start] === 0xef &&
      buf[start + 1] === 0xbb &&
      buf[start + 2] === 0xbf
    )
      start += 3;
    this.line = line;
    this.byteOffset = byteOffset;
    if (this.section === "origin") {
      this.originLine(buf, start, e);
      return;
    }
    // The body of a long quoted qualifier nobody keeps (a /translation): only its quotes matter, and it is most
    // of a feature table's bytes, so it is not decoded.
    if (
      this.section === "features" &&
      this.quoteOpen &&
      this.qualifierParts === undefined &&
      indentedAtLeast(buf, start, e, QUALIFIER_INDENT)
    ) {
      if (countQuoteBytes(buf, start, e) % 2 === 1) this.quoteOpen = false;
      return;
    }
    const text = buf.toString("utf8", start, e);
    if (this.section === "features") this.featureLine(text);
    else if (this.section === "header") this.headerLine(text);
    else this.outsideLine(text);
  };

  /** Checks the input ended between entries; `lines` and `bytes` locate the end for the error. */
  end(lines: number, bytes: number): void {
    if (this.section !== "outside") {
      const draft = this.draft!;
      this.line = lines;
      this.byteOffset = bytes;
      throw this.error(
        "truncated_genbank",
        `GenBank: the input ends inside entry ${this.currentRecord} (LOCUS at line ${draft.line}) before its "//" line`,
        "The file is truncated; download it again",
      );
    }
    if (this.records === 0) {
      throw new ParseError(
        "empty_input",
        "GenBank input has no entry (no LOCUS line)",
        { file: this.options.file, byteOffset: 0 },
        { hint: "Check that the file is a GenBank flat file and is not empty" },
      );
    }
  }

  private outsideLine(text: string): void {
    if (text.trim() === "") return;
    if (isKeyword(text, "LOCUS")) {
      this.releaseHeader = "no";
      this.startEntry(text);
      return;
    }
    if (this.releaseHeader === "maybe" && RELEASE_HEADER.test(text)) {
      this.releaseHeader = "in";
      return;
    }
    if (this.releaseHeader === "in" && this.line <= MAX_RELEASE_HEADER_LINES) return;
    throw this.error(
      "malformed_genbank",
      this.records === 0
        ? `GenBank: expected a LOCUS line, got "${preview(text)}"`
        : `GenBank: expected a LOCUS line after "//", got "${preview(text)}"`,
      "Check that the file is a GenBank flat file (entries start with LOCUS and end with //)",
    );
  }

  private startEntry(text: string): void {
    const locus = parseLocusLine(text.slice(5));
    if (typeof locus === "string") {
      throw this.error(
        "malformed_genbank",
        `GenBank: cannot read the LOCUS line (${locus}): "${preview(text)}"`,
        'A LOCUS line reads "LOCUS  NAME  LENGTH bp  MOLECULE  TOPOLOGY  DIVISION  DD-MON-YYYY"',
      );
    }
    this.draft = {
      locus,
      line: this.line,
      secondaryAccessions: [],
      keywords: [],
      dblink: [],
      taxonomy: [],
      references: [],
      counts: new Map(),
      cdsProducts: [],
      locusTags: new Set(),
    };
    this.held = text.length;
    this.section = "header";
  }

  private headerLine(text: string): void {
    if (text.trim() === "") return;
    if (text.charCodeAt(0) !== SPACE) {
      if (text.startsWith("//")) {
        this.finishEntry();
        return;
      }
      if (isKeyword(text, "LOCUS")) throw this.missingEnd();
      if (isKeyword(text, "FEATURES")) {
        this.closeKey();
        this.section = "features";
        return;
      }
      if (isKeyword(text, "ORIGIN")) {
        this.closeKey();
        this.section = "origin";
        if (this.options.withSequence) this.draft!.sequence = new SequenceBuffer(this.draft!.locus.length);
        return;
      }
    }
    const indent = leadingSpaces(text);
    // Keywords start in column 1, sub-keywords (ORGANISM, AUTHORS, PUBMED) in columns 3–4; continuation lines
    // are indented 12.
    if (indent >= 5) {
      if (this.keyLines !== undefined) this.keep(this.keyLines, text.trim());
      return;
    }
    this.closeKey();
    const word = /^\S+/.exec(text.slice(indent))![0];
    this.key = word;
    if (KEPT_KEYS.has(word)) this.keyLines = [];
    if (this.keyLines !== undefined) this.keep(this.keyLines, text.slice(indent + word.length).trim());
  }

  private featureLine(text: string): void {
    if (text.trim() === "") return;
    if (text.charCodeAt(0) !== SPACE) {
      this.closeQualifier();
      this.feature = undefined;
      this.section = "header";
      this.headerLine(text);
      return;
    }
    const indent = leadingSpaces(text);
    // Continuation lines of a quoted value are indented like qualifiers too: a line indented less is the next
    // feature even when a quote was left open, so one unbalanced quote cannot swallow the rest of the table.
    if (indent < QUALIFIER_INDENT) {
      this.closeQualifier();
      const key = /^\S+/.exec(text.slice(indent))![0];
      const draft = this.draft!;
      draft.counts.set(key, (draft.counts.get(key) ?? 0) + 1);
      this.feature = key;
      this.inLocation = true;
      return;
    }
    if (this.feature === undefined) {
      throw this.error(
        "malformed_genbank",
        `GenBank: a feature location or qualifier line without a feature key before it: "${preview(text)}"`,
        "Feature lines start with a key in column 6 (source, gene, CDS, …); continuation lines follow it",
      );
    }
    const content = text.slice(indent);
    if (this.quoteOpen) {
      this.appendQualifier(content);
      if (countQuotes(content) % 2 === 1) this.quoteOpen = false;
      return;
    }
    if (content.charCodeAt(0) === SLASH) {
      this.closeQualifier();
      this.openQualifier(content);
      this.inLocation = false;
      return;
    }
    // A location continued over lines (join(…), complement(…)): not kept.
    if (this.inLocation) return;
    // An unquoted value continued on the next line.
    this.appendQualifier(content);
  }

  private originLine(buf: Buffer, start: number, end: number): void {
    if (start === end) return;
    const c = buf[start]!;
    if (c === SLASH && buf[start + 1] === SLASH) {
      this.finishEntry();
      return;
    }
    // Sequence lines start with the position, right-aligned in 9 columns (so in column 1 past 999,999,999).
    if (c === SPACE || (c >= 0x30 && c <= 0x39)) {
      this.draft!.sequence?.append(buf, start, end);
      return;
    }
    const text = buf.toString("utf8", start, end);
    if (isKeyword(text, "LOCUS")) throw this.missingEnd();
    throw this.error(
      "malformed_genbank",
      `GenBank: expected a sequence line or "//" in the ORIGIN block, got "${preview(text)}"`,
      "Sequence lines start with a position followed by bases; the entry ends with //",
    );
  }

  private openQualifier(content: string): void {
    const eq = content.indexOf("=");
    const name = eq < 0 ? content.slice(1).trim() : content.slice(1, eq);
    const value = eq < 0 ? undefined : content.slice(eq + 1);
    this.qualifier = name;
    this.quoteOpen = value !== undefined && value.charCodeAt(0) === QUOTE && countQuotes(value) % 2 === 1;
    if (value !== undefined && this.keepsQualifier(name)) {
      this.qualifierParts = [];
      this.appendQualifier(value);
    }
  }

  private keepsQualifier(name: string): boolean {
    if (name === "locus_tag") return true;
    if (name === "product") return this.feature === "CDS";
    if (name === "db_xref") return this.feature === "source" && this.draft!.taxid === undefined;
    return false;
  }

  private appendQualifier(content: string): void {
    if (this.qualifierParts !== undefined) this.keep(this.qualifierParts, content);
  }

  private closeQualifier(): void {
    const parts = this.qualifierParts;
    const name = this.qualifier;
    this.qualifier = undefined;
    this.qualifierParts = undefined;
    this.quoteOpen = false;
    if (parts === undefined || name === undefined) return;
    const value = unquote(parts.join(" "));
    const draft = this.draft!;
    if (name === "locus_tag") draft.locusTags.add(value);
    else if (name === "product") draft.cdsProducts.push(value);
    else if (name === "db_xref") {
      const taxon = /^taxon:(\d+)$/.exec(value.trim());
      if (taxon !== null) draft.taxid = Number(taxon[1]);
    }
  }

  private closeKey(): void {
    const key = this.key;
    const lines = this.keyLines;
    this.key = undefined;
    this.keyLines = undefined;
    if (key === undefined || lines === undefined) return;
    const draft = this.draft!;
    const joined = lines.join(" ").trim();
    const reference = draft.references.at(-1);
    switch (key) {
      case "DEFINITION":
        draft.definition = joined;
        break;
      case "ACCESSION": {
        const [primary, ...rest] = joined.split(/\s+/).filter((w) => w !== "");
        if (primary !== undefined) draft.accession = primary;
        draft.secondaryAccessions.push(...rest);
        break;
      }
      case "VERSION": {
        const version = joined.split(/\s+/)[0];
        if (version !== undefined && version !== "") draft.version = version;
        break;
      }
      case "DBLINK":
        draft.dblink.push(...parseDblink(lines));
        break;
      case "KEYWORDS":
        draft.keywords.push(...splitList(joined));
        break;
      case "SOURCE":
        draft.source = joined;
        break;
      case "ORGANISM": {
        // A long name wraps onto the next lines; lineage lines are "a; b;" and the last one ends the block,
        // so leading lines without ";" before the last belong to the name.
        let n = 1;
        while (n < lines.length - 1 && !lines[n]!.includes(";")) n++;
        const name = lines.slice(0, n).join(" ").trim();
        if (name !== "") draft.organism = name;
        draft.taxonomy.push(...splitList(lines.slice(n).join(" ")));
        break;
      }
      case "REFERENCE": {
        const m = /^(\d+)\s*(.*)$/.exec(joined);
        if (m === null) {
          throw this.error(
            "malformed_genbank",
            `GenBank: a REFERENCE without its number: "REFERENCE   ${preview(joined)}"`,
            'A REFERENCE line reads "REFERENCE   1  (bases 1 to 9609)"',
          );
        }
        const bases = m[2]!.replace(/^\(|\)$/g, "").trim();
        draft.references.push({ number: Number(m[1]), ...(bases === "" ? {} : { bases }) });
        break;
      }
      case "AUTHORS":
        if (reference !== undefined) reference.authors = joined;
        break;
      case "CONSRTM":
        if (reference !== undefined) reference.consortium = joined;
        break;
      case "TITLE":
        if (reference !== undefined) reference.title = joined;
        break;
      case "JOURNAL":
        if (reference !== undefined) reference.journal = joined;
        break;
      case "PUBMED":
        if (reference !== undefined && /^\d+$/.test(joined)) reference.pubmed = Number(joined);
        break;
    }
  }

  private finishEntry(): void {
    this.closeKey();
    this.closeQualifier();
    this.feature = undefined;
    const d = this.draft!;
    const { locus } = d;
    const idsOf = (database: string): string[] =>
      d.dblink.filter((x) => x.database.toLowerCase() === database).map((x) => x.id);
    const record: GenbankRecord = {
      kind: "genbank_record",
      accession: d.accession ?? locus.name,
      secondaryAccessions: d.secondaryAccessions,
      ...(d.version === undefined ? {} : { version: d.version }),
      locus: locus.name,
      length: locus.length,
      lengthUnit: locus.lengthUnit,
      ...(locus.molecule === undefined ? {} : { molecule: locus.molecule }),
      ...(locus.strandedness === undefined ? {} : { strandedness: locus.strandedness }),
      ...(locus.topology === undefined ? {} : { topology: locus.topology }),
      ...(locus.division === undefined ? {} : { division: locus.division }),
      ...(locus.date === undefined ? {} : { date: locus.date }),
      ...(d.definition === undefined ? {} : { definition: d.definition }),
      keywords: d.keywords,
      dblink: d.dblink,
      bioprojects: idsOf("bioproject"),
      biosamples: idsOf("biosample"),
      ...(d.source === undefined ? {} : { source: d.source }),
      ...(d.organism === undefined ? {} : { organism: d.organism }),
      taxonomy: d.taxonomy,
      ...(d.taxid === undefined ? {} : { taxid: d.taxid }),
      references: d.references,
      features: {
        counts: Object.fromEntries(d.counts),
        cdsProducts: d.cdsProducts,
        locusTags: [...d.locusTags],
      },
      ...(d.sequence === undefined ? {} : { sequence: d.sequence.toString() }),
    };
    this.out.push(record);
    this.records++;
    this.draft = undefined;
    this.section = "outside";
  }

  /** Adds `text` to a list the record holds, enforcing the per-record limit. */
  private keep(list: string[], text: string): void {
    this.held += text.length;
    if (this.held > this.options.maxRecordBytes) {
      throw this.error(
        "record_too_large",
        `GenBank entry ${this.currentRecord} holds more than ${this.options.maxRecordBytes} bytes of metadata`,
        "The input is not a normal GenBank file, or raise maxRecordBytes",
      );
    }
    list.push(text);
  }

  private missingEnd(): ParseError {
    return this.error(
      "malformed_genbank",
      `GenBank: entry ${this.currentRecord} (LOCUS at line ${this.draft!.line}) has no "//" line before the next LOCUS`,
      'Every entry ends with a line "//"; the file may have been cut and joined',
    );
  }

  private error(code: ErrorCode, message: string, hint: string): ParseError {
    return new ParseError(
      code,
      message,
      { file: this.options.file, line: this.line, byteOffset: this.byteOffset, record: this.currentRecord },
      { hint },
    );
  }
}

/** Most bytes reserved up front from the LOCUS length: a wrong length must not reserve gigabytes. */
const MAX_INITIAL_SEQUENCE = 64 * 1024 * 1024;

/**
 * The letters of an ORIGIN block gathered as bytes: one copy per line and a single string at the end, instead
 * of a string and a regular expression per line.
 */
class SequenceBuffer {
  private bytes: Buffer;
  private length = 0;

  constructor(expected: number) {
    this.bytes = Buffer.allocUnsafe(Math.max(64, Math.min(expected, MAX_INITIAL_SEQUENCE)));
  }

  /** Adds the residues of a sequence line: everything but the position digits and whitespace. */
  append(buf: Buffer, start: number, end: number): void {
    if (this.length + (end - start) > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + (end - start)));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    const out = this.bytes;
    let n = this.length;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      // Space, tab, CR and digits are layout; every other byte is a residue (letters, `*`, `-`).
      if (c > 0x39 || (c > 0x20 && c < 0x30)) out[n++] = c;
    }
    this.length = n;
  }

  toString(): string {
    return this.bytes.toString("latin1", 0, this.length);
  }
}

/** `DBLINK` lines: "Database: id, id" with ids possibly continued on the next lines. */
function parseDblink(lines: readonly string[]): GenbankDblink[] {
  const out: GenbankDblink[] = [];
  let database: string | undefined;
  for (const line of lines) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    let ids = line;
    if (m !== null) {
      database = m[1]!.trim();
      ids = m[2]!;
    }
    if (database === undefined) continue;
    for (const id of ids.split(",")) {
      const trimmed = id.trim();
      if (trimmed !== "") out.push({ database, id: trimmed });
    }
  }
  return out;
}

/** "a; b; c." → ["a", "b", "c"]; "." → []. */
function splitList(text: string): string[] {
  const body = text.trim().replace(/\.$/, "");
  return body
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A qualifier value without its quotes, `""` read as one quote. */
function unquote(value: string): string {
  const v = value.trim();
  if (v.charCodeAt(0) !== QUOTE) return v;
  const inner = v.length > 1 && v.endsWith('"') ? v.slice(1, -1) : v.slice(1);
  return inner.replaceAll('""', '"');
}

function countQuoteBytes(buf: Buffer, start: number, end: number): number {
  let n = 0;
  // A plain loop: indexOf would search past `end` into the rest of the chunk.
  for (let i = start; i < end; i++) if (buf[i] === QUOTE) n++;
  return n;
}

function countQuotes(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/** Leading whitespace (spaces, and tabs some writers use); `text` is not blank. */
function leadingSpaces(text: string): number {
  return text.length - text.trimStart().length;
}

/** The line `buf[start, end)` starts with at least `n` spaces and has text after them. */
function indentedAtLeast(buf: Buffer, start: number, end: number, n: number): boolean {
  if (end - start <= n) return false;
  for (let i = start; i < start + n; i++) if (buf[i] !== SPACE) return false;
  return true;
}

/** `text` starts with `word` followed by a space or nothing. */
function isKeyword(text: string, word: string): boolean {
  return text.startsWith(word) && (text.length === word.length || text.charCodeAt(word.length) === SPACE);
}

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
