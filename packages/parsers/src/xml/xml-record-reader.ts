import { isAscii } from "node:buffer";
import type { ErrorCode } from "@omicslake/core";
import { ParseError } from "../errors/parse-error.js";
import { gzipDamageBehind } from "../io/open-input.js";
import type { XmlNode } from "./xml-node.js";
import { decodeXmlEntities } from "./xml-entities.js";
import {
  declaredEncoding,
  multiByteTextBoundary,
  UnsupportedXmlEncoding,
  UTF8_DECODING,
  windows1252,
  xmlTextDecoding,
  type XmlTextDecoding,
} from "./xml-encoding.js";

/*
 * Why a hand-written tokenizer and not saxes: on the same replicated SRA experiment-package file,
 * saxes events building the same record trees ran at about half the speed of this reader per CPU-second,
 * below the 150 MB/s target (bench/xml-parsers.bench.mjs prints both figures). saxes checks every
 * character against the XML name and character productions and emits one callback per token; here input
 * bytes are decoded once as latin1 (one char per byte, so offsets are free), delimiters are found with
 * String#indexOf, and only the strings a record keeps are sliced (and re-decoded as UTF-8, or as the XML
 * declaration's encoding, when not ASCII).
 * Outside record elements nothing is retained, so memory stays flat on multi-GB files. The price is
 * leniency: well-formedness is checked where it matters for correct records (tag balance, quoting, one
 * root), not character by character.
 */

export interface XmlRecordReaderOptions {
  /** Element names emitted as records wherever they appear (e.g. ["EXPERIMENT_PACKAGE"], ["BioSample"], ["PubmedArticle","DeleteCitation"]). */
  readonly records: readonly string[];
  /** Allowed document root element names; any other root -> ParseError code "unexpected_root" naming the root seen and the allowed ones. */
  readonly roots: readonly string[];
  /** Name used in error messages. */
  readonly file?: string;
  /** Maximum element nesting depth; deeper -> ParseError "too_deep". Default 256. */
  readonly maxDepth?: number;
  /** Maximum size of one record (and of any single markup token outside records); larger -> ParseError "record_too_large". Default 64 MiB. */
  readonly maxRecordBytes?: number;
  /**
   * Mixed content: elements with these names (inline markup such as PubMed's `<i>`, `<sup>`, `<mml:math>`) are
   * not built as children. Their text, and the text of everything inside them, is appended to the enclosing
   * element's text where it stands, so words keep their document order and spacing. Their tags are still
   * checked for balance, so error offsets stay those of the bytes read.
   */
  readonly inline?: readonly string[];
  /**
   * The document's encoding when reading starts past its XML declaration (a worker given a byte range of a
   * large file passes the {@link XmlRecordTokenizer.encoding} read at its start). Default UTF-8; a declaration
   * in the bytes read takes precedence.
   */
  readonly encoding?: string;
}

/** What the caller of a parser built on this reader sets: the file name for errors and the limits. */
export type XmlParseOptions = Omit<XmlRecordReaderOptions, "records" | "roots" | "inline">;

export interface XmlRecord {
  readonly node: XmlNode;
  /** Byte offset of the record's start tag in the uncompressed stream. */
  readonly byteOffset: number;
}

interface MutableNode {
  name: string;
  attrs: Record<string, string>;
  children: MutableNode[];
  text: string;
}

const EMPTY_ATTRS: Readonly<Record<string, string>> = Object.freeze({});
const EMPTY_CHILDREN: MutableNode[] = [];
const DEFAULT_MAX_DEPTH = 256;
const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** An incomplete token longer than this waits for a chunk containing `>` before being rescanned (keeps huge tokens linear). */
const RESCAN_THRESHOLD = 4096;
const INCOMPLETE = -1;
/** Measured on the bench files: 1,024 slots hashed on length and end characters missed 5–6% of lookups, 4,096 with the middle character 2% (SRA) and ~0 (BioSample). */
const NAME_SLOTS = 4096;
/** Bytes fed to the tokenizer at a time (measured: 32 KiB beats 1 MiB by ~40% on SRA packages, from GC). */
const FEED_SLICE = 32 * 1024;

const NOT_WHITESPACE = /[^ \t\r\n]/;
const NON_ASCII = /[\x80-\xff]/g;
/** Longest entity reference worth waiting for across a chunk boundary (`&#x10FFFF;` is 10). */
const MAX_ENTITY_LENGTH = 32;

/**
 * Streams records out of an XML document: every element whose name is in `records` is built into an
 * {@link XmlNode} tree and yielded with the byte offset of its start tag; everything outside records is
 * scanned and dropped.
 *
 * @example
 * for await (const { node } of readXmlRecords(openInput("biosample_set.xml.gz"), { records: ["BioSample"], roots: ["BioSampleSet", "BioSample"] })) {}
 */
export async function* readXmlRecords(
  input: AsyncIterable<Uint8Array>,
  options: XmlRecordReaderOptions,
): AsyncGenerator<XmlRecord> {
  for await (const batch of readXmlRecordBatches(input, options)) for (const record of batch) yield record;
}

/**
 * {@link readXmlRecords} a batch at a time (the records completed by one slice of input, possibly none is
 * skipped): parsers that turn each record into typed records iterate these so that every record costs one
 * trip through an async generator (theirs), not two. A batch is not reused after the next one is requested.
 */
export async function* readXmlRecordBatches(
  input: AsyncIterable<Uint8Array>,
  options: XmlRecordReaderOptions,
): AsyncGenerator<XmlRecord[]> {
  const reader = new XmlRecordTokenizer(options);
  const out: XmlRecord[] = [];
  const iterator = input[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await iterator.next();
      finished = next.done === true;
      const chunk = finished ? undefined : (next.value as Uint8Array);
      // Large chunks are fed in slices and their records handed out after each slice: records then die
      // young (cheap for the garbage collector) instead of a whole megabyte of trees surviving together.
      const length = chunk === undefined ? 0 : chunk.byteLength;
      for (let offset = 0, end = 0; offset < length || (finished && offset === 0); offset = end) {
        end = chunk === undefined ? 0 : sliceEnd(chunk, offset);
        let failure: Error | undefined;
        try {
          if (chunk === undefined) reader.end(out);
          else reader.write(offset === 0 && end === length ? chunk : chunk.subarray(offset, end), out);
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
        }
        // Records completed before an error are still delivered; the error follows them.
        if (out.length > 0) yield out.splice(0, out.length);
        if (failure !== undefined) {
          if (!finished) {
            const damage = await gzipDamageBehind(input, iterator);
            if (damage !== undefined) throw damage;
          }
          throw failure;
        }
        if (chunk === undefined) break;
      }
      if (finished) return;
    }
  } finally {
    // Stopped early (an error, or the consumer left the loop): release the input (closes a file stream).
    if (!finished) await iterator.return?.();
  }
}

/**
 * Where the slice of `chunk` fed from `offset` ends: about FEED_SLICE bytes on, just after a `>` when there is
 * one, so that the tokenizer consumes the whole slice. A slice cut inside a tag leaves its start to be copied
 * in front of the next slice, and one cut inside text splits the text into two strings to join.
 */
function sliceEnd(chunk: Uint8Array, offset: number): number {
  const end = offset + FEED_SLICE;
  if (end >= chunk.byteLength) return chunk.byteLength;
  const gt = chunk.lastIndexOf(62 /* > */, end - 1);
  return gt >= offset + FEED_SLICE / 2 ? gt + 1 : end;
}

/**
 * The synchronous core of {@link readXmlRecords}: feed chunks with `write`, finish with `end`; completed
 * records are pushed to the array given. Exposed for callers that drive parsing themselves (workers, tests).
 */
export class XmlRecordTokenizer {
  private readonly recordNames: ReadonlySet<string>;
  private readonly roots: readonly string[];
  private readonly file: string | undefined;
  private readonly maxDepth: number;
  private readonly maxRecordBytes: number;
  private readonly inline: ReadonlySet<string> | undefined;
  /** How kept strings are decoded: UTF-8 unless the XML declaration names another encoding. */
  private decoding: XmlTextDecoding = UTF8_DECODING;
  private encodingLabel = "UTF-8";
  /** 3 after a UTF-8 byte order mark (the BOM then rules out any other declared encoding), else 0. */
  private declarationByte = 0;

  /**
   * Unconsumed input decoded as latin1, so one character is one byte: offsets are exact and free, and
   * multi-byte UTF-8 sequences split across chunks need no special care (every delimiter is ASCII).
   * Only the strings a record keeps are re-decoded as UTF-8, and only when the bytes were not all ASCII.
   */
  private buf = "";
  private bytes: Buffer = Buffer.alloc(0);
  /** Next character (= byte) of buf to scan. */
  private pos = 0;
  /** Byte offset of buf[0] in the uncompressed stream. */
  private bufByte = 0;
  private bufAscii = true;
  private totalBytes = 0;
  private firstChunk = true;

  /** Chunks held back while a long token waits for its closing `>`. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private waiting = false;

  private readonly names: Array<string | undefined> = new Array<string | undefined>(NAME_SLOTS).fill(
    undefined,
  );

  /** Open elements above the current record (names only). */
  private readonly outer: string[] = [];
  /** Open elements of the record being built; empty outside records. */
  private readonly nodes: MutableNode[] = [];
  /** Open inline elements (and elements inside them) being folded into the text of the innermost node. */
  private readonly folded: string[] = [];
  private recordByte = 0;
  private rootSeen = false;
  /** A processing instruction, comment or DOCTYPE was read: an XML declaration after it is not one. */
  private prologSeen = false;
  /** Position of the next `&` at or after pos (or -1), so text without entities is never searched twice. */
  private nextAmp = -2;
  /** Position of the next non-ASCII byte at or after the last kept string (or -1). */
  private nextHigh = -2;

  constructor(options: XmlRecordReaderOptions) {
    this.recordNames = new Set(options.records);
    this.roots = options.roots;
    this.file = options.file;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.inline =
      options.inline !== undefined && options.inline.length > 0 ? new Set(options.inline) : undefined;
    if (options.encoding !== undefined) this.setEncoding(options.encoding, 0, "the encoding option");
  }

  /** The encoding text is decoded as: the one the XML declaration names (once read), else UTF-8 or the option. */
  get encoding(): string {
    return this.encodingLabel;
  }

  /** Bytes received so far (uncompressed). */
  get bytesRead(): number {
    return this.totalBytes;
  }

  write(chunk: Uint8Array, out: XmlRecord[]): void {
    if (chunk.byteLength === 0) return;
    let bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.totalBytes += bytes.byteLength;
    if (this.firstChunk) {
      if (this.bytes.byteLength + bytes.byteLength < 3) {
        this.bytes = Buffer.concat([this.bytes, bytes]);
        return;
      }
      this.firstChunk = false;
      if (this.bytes.byteLength > 0) {
        bytes = Buffer.concat([this.bytes, bytes]);
        this.bytes = Buffer.alloc(0);
      }
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
        this.bufByte += 3;
        this.declarationByte = 3;
      } else if (looksUtf16(bytes)) {
        throw this.error("unsupported_format", "the input is UTF-16 text, which cannot be read", 0, {
          hint: "Convert the file to UTF-8 (iconv -f UTF-16 -t UTF-8) and parse it again",
        });
      }
    }
    if (this.waiting) {
      // A copy: the caller may reuse the chunk's memory once write returns.
      this.pending.push(Buffer.from(bytes));
      this.pendingLength += bytes.byteLength;
      this.checkTokenSize();
      if (bytes.indexOf(62 /* > */) === -1) return;
      this.waiting = false;
      bytes = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingLength = 0;
    }
    this.rebuild(bytes);
    this.scan(out);
    this.retainTail();
    if (this.nodes.length > 0 && this.bufByte + this.buf.length - this.recordByte > this.maxRecordBytes)
      this.tooLarge();
  }

  end(out: XmlRecord[]): void {
    if (this.firstChunk && this.bytes.byteLength > 0) {
      const tiny = this.bytes;
      this.bytes = Buffer.alloc(0);
      this.firstChunk = false;
      this.rebuild(tiny);
    }
    if (this.waiting) {
      this.waiting = false;
      this.rebuild(Buffer.concat(this.pending));
      this.pending = [];
    }
    this.scan(out);
    const leftover = this.pos < this.buf.length;
    if (this.totalBytes === 0) {
      throw this.error("empty_input", "the input is empty", 0, {
        hint: "Check that the download finished and that the right file was given",
      });
    }
    if (!this.rootSeen) {
      if (leftover && NOT_WHITESPACE.test(this.buf.slice(this.pos)))
        this.truncated("inside markup before the root element");
      throw this.error("empty_input", "the input contains no root element", this.totalBytes, {
        hint: `Expected one of ${this.roots.join(", ")}`,
      });
    }
    if (this.nodes.length > 0 || this.outer.length > 0) {
      const open =
        this.folded.length > 0
          ? this.folded[this.folded.length - 1]!
          : this.nodes.length > 0
            ? this.nodes[this.nodes.length - 1]!.name
            : this.outer[this.outer.length - 1]!;
      this.truncated(`inside <${open}>`);
    }
    if (leftover && NOT_WHITESPACE.test(this.buf.slice(this.pos)))
      this.truncated("inside markup after the root element");
  }

  // ---- buffer management -------------------------------------------------------------------------

  /** Makes buf the unconsumed bytes followed by `bytes`, as one flat string. */
  private rebuild(bytes: Buffer): void {
    const consumed = this.pos;
    const leftover = this.bytes.subarray(consumed);
    this.bufByte += consumed;
    const joined = leftover.byteLength > 0 ? Buffer.concat([leftover, bytes]) : bytes;
    this.bytes = joined;
    this.buf = joined.toString("latin1");
    this.bufAscii = isAscii(joined);
    this.pos = 0;
    this.nextAmp = -2;
    this.nextHigh = -2;
  }

  /**
   * Drops the consumed part of the buffer and copies the rest (an incomplete token, usually a few bytes): `bytes`
   * may be a view of the caller's chunk, whose memory the caller may reuse for its next chunk once write returns.
   */
  private retainTail(): void {
    const consumed = this.pos;
    const rest = this.bytes.subarray(consumed);
    this.bytes = rest.byteLength > 0 ? Buffer.from(rest) : Buffer.alloc(0);
    this.buf = consumed > 0 ? this.buf.slice(consumed) : this.buf;
    this.bufByte += consumed;
    this.pos = 0;
    this.nextAmp = -2;
    this.nextHigh = -2;
  }

  /** Byte offset in the uncompressed stream of character `i` of the buffer. */
  private offsetOf(i: number): number {
    return this.bufByte + i;
  }

  /**
   * An element or attribute name. Names repeat endlessly, so they are looked up in a small cache (checked
   * against the buffer without slicing) and the same string object is reused: fewer allocations, and
   * property stores with an already-internalized key.
   */
  private name(from: number, to: number): string {
    const cached = this.cachedName(from, to);
    if (cached !== undefined) return cached;
    let name = this.keep(from, to, false);
    // Only ASCII names can be compared with the latin1 buffer. Only names that would pass as attribute
    // names are cached, so a cache hit also proves an attribute name well-formed (see startTag).
    if (name.length === to - from && cacheableName(name)) {
      name = internalized(name);
      this.names[slotOf(this.buf, from, to)] = name;
    }
    return name;
  }

  /** The cached name equal to buf[from, to), if any. */
  private cachedName(from: number, to: number): string | undefined {
    const candidate = this.names[slotOf(this.buf, from, to)];
    return candidate !== undefined && candidate.length === to - from && sameChars(this.buf, from, candidate)
      ? candidate
      : undefined;
  }

  /** A kept string: bytes re-decoded (UTF-8 or the declared encoding) when they are not ASCII, then entity references replaced. */
  private keep(from: number, to: number, entities: boolean): string {
    let text: string;
    const kind = this.decoding.kind;
    if (this.bufAscii || kind === "latin1") text = this.buf.slice(from, to);
    else if (kind === "windows-1252") text = windows1252(this.buf.slice(from, to));
    else {
      // Like hasAmp: the next non-ASCII position is found once and reused until passed.
      let high = this.nextHigh;
      if (high !== -1 && high < from) {
        NON_ASCII.lastIndex = from;
        high = this.nextHigh = NON_ASCII.exec(this.buf)?.index ?? -1;
      }
      text = high !== -1 && high < to ? this.decode(from, to) : this.buf.slice(from, to);
    }
    return entities ? decodeXmlEntities(text) : text;
  }

  /** bytes[from, to), which hold a non-ASCII byte, decoded as the document's encoding. */
  private decode(from: number, to: number): string {
    const decoding = this.decoding;
    if (decoding.kind !== "decoder") return this.bytes.toString("utf8", from, to);
    try {
      return decoding.decoder.decode(this.bytes.subarray(from, to));
    } catch (error) {
      throw this.error(
        "malformed_xml",
        `bytes that are not valid ${decoding.name}, the encoding the XML declaration names`,
        this.offsetOf(from),
        { hint: "Fix the encoding in the XML declaration or convert the file to UTF-8", cause: error },
      );
    }
  }

  /** Where text ending a chunk can be cut without cutting a multi-byte character (`to` when any cut is safe). */
  private textBoundary(from: number, to: number): number {
    const decoding = this.decoding;
    if (decoding.kind === "utf8") return this.bufAscii ? to : Math.max(from, utf8Boundary(this.bytes, to));
    if (decoding.kind === "decoder" && decoding.multiByte) return multiByteTextBoundary(this.bytes, from, to);
    return to;
  }

  /** Stops scanning at `from` until more input arrives; long tokens wait for a `>` instead of being rescanned per chunk. */
  private suspend(from: number): void {
    this.pos = from;
    if (this.buf.length - from > RESCAN_THRESHOLD) {
      this.waiting = true;
      this.checkTokenSize();
    }
  }

  private checkTokenSize(): void {
    const size =
      this.pendingLength +
      (this.nodes.length > 0 ? this.bufByte + this.buf.length - this.recordByte : this.buf.length - this.pos);
    if (size > this.maxRecordBytes) this.tooLarge();
  }

  // ---- scanning ----------------------------------------------------------------------------------

  private scan(out: XmlRecord[]): void {
    const buf = this.buf;
    const len = buf.length;
    let pos = this.pos;
    while (pos < len) {
      const lt = buf.indexOf("<", pos);
      const textEnd = lt === -1 ? len : lt;
      if (textEnd > pos) {
        if (this.nodes.length > 0) {
          if (lt === -1) {
            // Hold back a possibly split entity reference (`&am` + `p;`) for the next chunk; flush the rest now.
            // Only the tail can hold a split reference: look for its `&` there, not through the whole buffer.
            let amp = -1;
            for (let k = len - 1, stop = Math.max(pos, len - MAX_ENTITY_LENGTH); k >= stop; k--) {
              if (buf.charCodeAt(k) === 38 /* & */) {
                amp = k;
                break;
              }
            }
            let safeEnd = amp !== -1 && buf.indexOf(";", amp) === -1 ? amp : len;
            // Nor cut a multi-byte character in two.
            if (safeEnd === len) safeEnd = this.textBoundary(pos, len);
            this.appendText(pos, safeEnd);
            pos = safeEnd;
            break;
          }
          this.appendText(pos, textEnd);
        } else if (this.outer.length === 0 && NOT_WHITESPACE.test(buf.slice(pos, textEnd))) {
          throw this.error(
            "malformed_xml",
            this.rootSeen ? "text after the root element" : "text before the root element",
            this.offsetOf(pos),
            { hint: "The file is not XML or has been corrupted" },
          );
        }
        if (lt === -1) {
          pos = len;
          break;
        }
      }
      pos = lt;
      if (lt + 1 >= len) {
        this.suspend(lt);
        return;
      }
      const c = buf.charCodeAt(lt + 1);
      let next: number;
      if (c === 47 /* / */) next = this.endTag(lt, out);
      else if (c === 33 /* ! */) {
        this.prologSeen = true;
        next = this.bang(lt);
      } else if (c === 63 /* ? */) next = this.processingInstruction(lt);
      else next = this.startTag(lt, out);
      if (next === INCOMPLETE) {
        this.suspend(lt);
        return;
      }
      pos = next;
    }
    this.pos = pos;
  }

  /** Whether buf[from, to) contains `&`; calls must come in increasing `from` order between rebuilds. */
  private hasAmp(from: number, to: number): boolean {
    let amp = this.nextAmp;
    if (amp !== -1 && amp < from) amp = this.nextAmp = this.buf.indexOf("&", from);
    return amp !== -1 && amp < to;
  }

  private appendText(from: number, to: number): void {
    if (from >= to) return;
    const text = this.keep(from, to, this.hasAmp(from, to));
    const node = this.nodes[this.nodes.length - 1]!;
    node.text = node.text.length === 0 ? text : node.text + text;
  }

  private startTag(lt: number, out: XmlRecord[]): number {
    const buf = this.buf;
    const len = buf.length;
    let i = lt + 1;
    for (; i < len; i++) {
      const c = buf.charCodeAt(i);
      // Any control character counts as whitespace: cheaper than four comparisons, and lenient.
      if (c <= 32 || c === 62 || c === 47) break;
    }
    if (i >= len) return INCOMPLETE;
    if (i === lt + 1) {
      throw this.error("malformed_xml", `"<" is not followed by an element name`, this.offsetOf(lt), {
        hint: 'Characters "<" and "&" in text must be escaped as &lt; and &amp;',
      });
    }
    const name = this.name(lt + 1, i);
    const inRecord = this.nodes.length > 0;
    const depth = this.outer.length + this.nodes.length + this.folded.length;
    if (depth === 0) {
      if (this.rootSeen) {
        throw this.error(
          "malformed_xml",
          `a second top-level element <${name}> after the root element`,
          this.offsetOf(lt),
          {
            hint: "An XML document has exactly one root element; concatenated files must be split",
          },
        );
      }
      if (!this.roots.includes(name)) {
        throw this.error(
          "unexpected_root",
          `unexpected root element <${name}>, expected one of ${this.roots.map((r) => `<${r}>`).join(", ")}`,
          this.offsetOf(lt),
          { hint: "Check that the file matches the parser chosen" },
        );
      }
    }
    if (depth + 1 > this.maxDepth) {
      throw this.error(
        "too_deep",
        `elements nested deeper than ${this.maxDepth} levels at <${name}>`,
        this.offsetOf(lt),
        {
          hint: "NCBI metadata never nests this deep; the file is probably corrupt or hostile",
        },
      );
    }
    // Inline markup and everything inside it only contributes text (see XmlRecordReaderOptions.inline).
    const fold = inRecord && (this.folded.length > 0 || (this.inline !== undefined && this.inline.has(name)));
    const capture = !fold && (inRecord || this.recordNames.has(name));
    let attrs = EMPTY_ATTRS as Record<string, string>;
    let selfClosing = false;
    // Attributes. No read goes past the end of the buffer (where a slice usually cuts a tag): charCodeAt out
    // of bounds deoptimizes this function, the hottest of the reader, and it took megabytes to recover.
    for (;;) {
      while (i < len && buf.charCodeAt(i) <= 32) i++;
      if (i >= len) return INCOMPLETE;
      let c = buf.charCodeAt(i);
      if (c === 62 /* > */) {
        i++;
        break;
      }
      if (c === 47 /* / */) {
        if (i + 1 >= len) return INCOMPLETE;
        if (buf.charCodeAt(i + 1) !== 62) this.malformedTag(name, i);
        selfClosing = true;
        i += 2;
        break;
      }
      const nameStart = i;
      // Usually `name="`: jump to the `=` and check the name in between has no delimiter.
      const eq = buf.indexOf("=", i);
      // A cached name is plain (see name()): a hit spares the character check and the second lookup.
      let cached: string | undefined;
      let plain = false;
      if (eq !== -1 && eq - i < 64) {
        cached = this.cachedName(i, eq);
        plain = cached !== undefined || plainName(buf, i, eq);
      }
      if (plain) {
        i = eq;
        c = 61;
      } else {
        while (c > 32 && c !== 61 /* = */ && c !== 62 && c !== 47 && ++i < len) c = buf.charCodeAt(i);
      }
      const nameEnd = i;
      while (i < len && buf.charCodeAt(i) <= 32) i++;
      if (i >= len) return INCOMPLETE;
      c = buf.charCodeAt(i);
      if (c !== 61 || nameEnd === nameStart) this.malformedTag(name, i);
      i++;
      while (i < len && buf.charCodeAt(i) <= 32) i++;
      if (i >= len) return INCOMPLETE;
      c = buf.charCodeAt(i);
      if (c !== 34 && c !== 39) {
        throw this.error("malformed_xml", `attribute value in <${name}> is not quoted`, this.offsetOf(i), {
          hint: "Attribute values must be enclosed in double or single quotes",
        });
      }
      const close = buf.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close === -1) return INCOMPLETE;
      if (capture) {
        // keep() must be called in increasing buffer order: the name before its value.
        const attrName = cached ?? this.name(nameStart, nameEnd);
        const value = this.keep(i + 1, close, this.hasAmp(i + 1, close));
        if (attrs === EMPTY_ATTRS) attrs = {};
        if (attrName === "__proto__")
          Object.defineProperty(attrs, attrName, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else attrs[attrName] = value;
      }
      i = close + 1;
    }

    if (depth === 0) this.rootSeen = true;
    if (fold) {
      if (!selfClosing) this.folded.push(name);
      return i;
    }
    if (!capture) {
      if (!selfClosing) this.outer.push(name);
      return i;
    }
    const node: MutableNode = { name, attrs, children: EMPTY_CHILDREN, text: "" };
    if (inRecord) {
      // Most elements are leaves: their children array is allocated only when a first child arrives.
      const parent = this.nodes[this.nodes.length - 1]!;
      if (parent.children === EMPTY_CHILDREN) parent.children = [node];
      else parent.children.push(node);
    } else {
      this.recordByte = this.offsetOf(lt);
    }
    if (selfClosing) {
      if (!inRecord) out.push({ node, byteOffset: this.recordByte });
    } else {
      this.nodes.push(node);
    }
    return i;
  }

  private endTag(lt: number, out: XmlRecord[]): number {
    const buf = this.buf;
    const gt = buf.indexOf(">", lt + 2);
    if (gt === -1) return INCOMPLETE;
    const nodes = this.nodes;
    const folded = this.folded;
    const expected =
      folded.length > 0
        ? folded[folded.length - 1]
        : nodes.length > 0
          ? nodes[nodes.length - 1]!.name
          : this.outer[this.outer.length - 1];
    if (expected === undefined) {
      throw this.error(
        "malformed_xml",
        `closing tag </${buf.slice(lt + 2, gt).trim()}> with no open element`,
        this.offsetOf(lt),
        {
          hint: "The file is not well-formed XML",
        },
      );
    }
    // Fast path: the name matches exactly and is followed by `>`.
    if (!(gt === lt + 2 + expected.length && sameChars(buf, lt + 2, expected))) {
      const seen = this.keep(lt + 2, gt, false).trimEnd();
      if (seen !== expected) {
        throw this.error(
          "malformed_xml",
          `closing tag </${seen}> does not match the open element <${expected}>`,
          this.offsetOf(lt),
          {
            hint: "The file is not well-formed XML (a tag is missing or misspelled)",
          },
        );
      }
    }
    if (folded.length > 0) {
      folded.pop();
    } else if (nodes.length > 0) {
      const node = nodes.pop()!;
      if (nodes.length === 0) out.push({ node, byteOffset: this.recordByte });
    } else {
      this.outer.pop();
    }
    return gt + 1;
  }

  /** `<!--`, `<![CDATA[`, `<!DOCTYPE`. */
  private bang(lt: number): number {
    const buf = this.buf;
    if (buf.length - lt < 9) {
      // Too short to tell which construct this is, unless it is already a complete short comment.
      if (!buf.startsWith("<!--", lt) || buf.indexOf("-->", lt + 4) === -1) return INCOMPLETE;
    }
    if (buf.startsWith("<!--", lt)) {
      const close = buf.indexOf("-->", lt + 4);
      return close === -1 ? INCOMPLETE : close + 3;
    }
    if (buf.startsWith("<![CDATA[", lt)) {
      const close = buf.indexOf("]]>", lt + 9);
      if (close === -1) return INCOMPLETE;
      if (this.nodes.length > 0) {
        const node = this.nodes[this.nodes.length - 1]!;
        node.text += this.keep(lt + 9, close, false);
      } else if (this.outer.length === 0) {
        throw this.error("malformed_xml", "CDATA section outside the root element", this.offsetOf(lt), {
          hint: "The file is not well-formed XML",
        });
      }
      return close + 3;
    }
    if (buf.startsWith("<!DOCTYPE", lt)) {
      if (this.rootSeen) {
        throw this.error("malformed_xml", "DOCTYPE inside the document", this.offsetOf(lt), {
          hint: "The file is not well-formed XML",
        });
      }
      return skipDoctype(buf, lt + 9);
    }
    throw this.error("malformed_xml", `unknown markup "${buf.slice(lt, lt + 9)}"`, this.offsetOf(lt), {
      hint: "Expected a comment, CDATA section or DOCTYPE after <!",
    });
  }

  private processingInstruction(lt: number): number {
    const buf = this.buf;
    const close = buf.indexOf("?>", lt + 2);
    if (close === -1) return INCOMPLETE;
    // The declaration is the first markup; only whitespace may stand before it (a file saved with a blank
    // first line still says how it is encoded: ignoring that would read its Latin-1 letters as U+FFFD).
    if (!this.rootSeen && !this.prologSeen && buf.startsWith("<?xml", lt) && buf.charCodeAt(lt + 5) <= 32)
      this.declaration(lt, close);
    this.prologSeen = true;
    return close + 2;
  }

  /** The XML declaration (`<?xml … encoding="ISO-8859-1"?>`, only at the start): sets how text is decoded. */
  private declaration(lt: number, close: number): void {
    const text = this.buf.slice(lt, close);
    const label = declaredEncoding(text);
    if (label !== undefined) this.setEncoding(label, this.offsetOf(lt), "the XML declaration");
    else if (/\sencoding\s*=/.test(text)) {
      // A declaration that names an encoding unreadably must not fall back to UTF-8 in silence.
      throw this.error(
        "malformed_xml",
        `the XML declaration's encoding is not a quoted name: ${JSON.stringify(text.slice(0, 200))}`,
        this.offsetOf(lt),
        { hint: 'Write it as encoding="ISO-8859-1" (matching quotes), or convert the file to UTF-8' },
      );
    }
  }

  private setEncoding(label: string, byteOffset: number, source: string): void {
    let decoding: XmlTextDecoding;
    try {
      decoding = xmlTextDecoding(label);
    } catch (error) {
      if (!(error instanceof UnsupportedXmlEncoding)) throw error;
      throw this.error("unsupported_format", `${source} names encoding ${error.message}`, byteOffset, {
        hint: `Convert the file to UTF-8 (iconv -f ${label} -t UTF-8) and fix its declaration`,
        cause: error,
      });
    }
    if (decoding.kind !== "utf8" && this.declarationByte === 3) {
      throw this.error(
        "malformed_xml",
        `the input starts with a UTF-8 byte order mark but its XML declaration names encoding "${label}"`,
        byteOffset,
        { hint: "Remove the byte order mark or fix the encoding in the XML declaration" },
      );
    }
    this.decoding = decoding;
    this.encodingLabel = label;
  }

  // ---- errors ------------------------------------------------------------------------------------

  private malformedTag(name: string, i: number): never {
    throw this.error("malformed_xml", `malformed attribute list in <${name}>`, this.offsetOf(i), {
      hint: 'Attributes must be written name="value"',
    });
  }

  private tooLarge(): never {
    throw this.error(
      "record_too_large",
      this.nodes.length > 0
        ? `record larger than ${this.maxRecordBytes} bytes`
        : `markup token larger than ${this.maxRecordBytes} bytes`,
      this.nodes.length > 0 ? this.recordByte : this.offsetOf(this.pos),
      { hint: "Raise maxRecordBytes if the file is genuine" },
    );
  }

  private truncated(where: string): never {
    throw this.error("truncated_xml", `the input ended ${where}`, this.totalBytes, {
      hint: "The file is incomplete; download it again",
    });
  }

  private error(
    code: ErrorCode,
    message: string,
    byteOffset: number,
    options: { hint?: string; cause?: unknown } = {},
  ): ParseError {
    const record = this.currentRecord();
    return new ParseError(code, message, { file: this.file, byteOffset, record }, options);
  }

  /** The element name and, if already seen, the accession of the record being read. */
  private currentRecord(): string | undefined {
    const root = this.nodes[0];
    if (root === undefined) return undefined;
    const accession = findAccession(root, 0);
    return accession === undefined ? root.name : `${root.name} ${accession}`;
  }
}

function findAccession(node: MutableNode, depth: number): string | undefined {
  const own = node.attrs.accession ?? node.attrs.acc;
  if (own !== undefined) return own;
  if (depth > 3) return undefined;
  for (const c of node.children) {
    const found = findAccession(c, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Skips a DOCTYPE declaration (with an internal subset) without interpreting it: entities are never expanded. */
function skipDoctype(buf: string, from: number): number {
  let bracket = 0;
  let quote = 0;
  for (let i = from; i < buf.length; i++) {
    const c = buf.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 91) bracket++;
    else if (c === 93) bracket--;
    else if (c === 62 && bracket <= 0) return i + 1;
  }
  return INCOMPLETE;
}

/** Whether the input starts like UTF-16: a byte order mark, or `<` with a zero byte beside it. */
function looksUtf16(bytes: Uint8Array): boolean {
  const [a, b] = bytes;
  return (
    (a === 0xff && b === 0xfe) ||
    (a === 0xfe && b === 0xff) ||
    (a === 0x3c && b === 0) ||
    (a === 0 && b === 0x3c)
  );
}

/** The largest index <= end at which no UTF-8 character of bytes[0, end) is cut. */
function utf8Boundary(bytes: Buffer, end: number): number {
  for (let back = 1; back <= 4 && back <= end; back++) {
    const b = bytes[end - back]!;
    if (b < 0x80) return end;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return back >= need ? end : end - back;
    }
  }
  return end;
}

/**
 * The engine's internalized copy of `s` (the one object every equal property key and string literal
 * shares). Names are compared with literals on every lookup of the record builders (`child(node, "TITLE")`)
 * and used as property keys: with the internalized copy a comparison is a pointer check and a property
 * store needs no string-table lookup, where a string sliced from the input is compared character by character.
 */
function internalized(s: string): string {
  const o: Record<string, number> = {};
  o[s] = 0;
  // "__proto__" sets no key: the string itself is kept.
  return Object.keys(o)[0] ?? s;
}

/** The name cache slot of buf[from, to): direct-mapped, a colliding name simply replaces the previous one. */
function slotOf(buf: string, from: number, to: number): number {
  const length = to - from;
  return (
    (length * 31 +
      buf.charCodeAt(from) * 7 +
      buf.charCodeAt(to - 1) * 3 +
      buf.charCodeAt(from + (length >> 1)) * 131) &
    (NAME_SLOTS - 1)
  );
}

/** Whether a name could have been read as an attribute name by plainName (no delimiter, no `=`). */
function cacheableName(name: string): boolean {
  return plainName(name, 0, name.length) && name.indexOf("=") === -1;
}

/** Whether buf[from, to) contains no whitespace, `>`, `/` or quote: a plain attribute name. */
function plainName(buf: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = buf.charCodeAt(k);
    if (c <= 32 || c === 62 || c === 47 || c === 34 || c === 39) return false;
  }
  return to > from;
}

/**
 * Whether buf holds `s` at `from` (the caller has checked the length fits). A plain loop: names are short, and
 * String#startsWith with a position was the single hottest line of the reader in profiles.
 */
function sameChars(buf: string, from: number, s: string): boolean {
  for (let k = 0; k < s.length; k++) if (buf.charCodeAt(from + k) !== s.charCodeAt(k)) return false;
  return true;
}
