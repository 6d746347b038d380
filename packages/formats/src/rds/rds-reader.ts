import { FormatError } from "../convert/format-error.js";
import { NO_ATTRIBUTES } from "./r-value.js";
import type { RAttributes, RValue } from "./r-value.js";

/** What the serialization header says; recorded in the conversion manifest. */
export interface RdsHeader {
  readonly format: "xdr" | "ascii" | "binary";
  readonly version: number;
  /** R version that wrote the file, e.g. `4.2.2`. */
  readonly writerVersion: string;
  readonly minReaderVersion: string;
  /** Native encoding of the writer (format version 3 only). */
  readonly nativeEncoding?: string;
}

// SEXP type codes from R's Rinternals.h and serialize.c.
const SEXP_NAMES: Readonly<Record<number, string>> = {
  0: "NILSXP",
  1: "SYMSXP",
  2: "LISTSXP",
  3: "CLOSXP",
  4: "ENVSXP",
  5: "PROMSXP",
  6: "LANGSXP",
  7: "SPECIALSXP",
  8: "BUILTINSXP",
  9: "CHARSXP",
  10: "LGLSXP",
  13: "INTSXP",
  14: "REALSXP",
  15: "CPLXSXP",
  16: "STRSXP",
  17: "DOTSXP",
  18: "ANYSXP",
  19: "VECSXP",
  20: "EXPRSXP",
  21: "BCODESXP",
  22: "EXTPTRSXP",
  23: "WEAKREFSXP",
  24: "RAWSXP",
  25: "S4SXP",
  238: "ALTREP_SXP",
  239: "ATTRLISTSXP",
  240: "ATTRLANGSXP",
  241: "BASEENV_SXP",
  242: "EMPTYENV_SXP",
  243: "BCREPREF",
  244: "BCREPDEF",
  245: "GENERICREFSXP",
  246: "CLASSREFSXP",
  247: "PERSISTSXP",
  248: "PACKAGESXP",
  249: "NAMESPACESXP",
  250: "BASENAMESPACE_SXP",
  251: "MISSINGARG_SXP",
  252: "UNBOUNDVALUE_SXP",
  253: "GLOBALENV_SXP",
  254: "NILVALUE_SXP",
  255: "REFSXP",
};

/** Human names for the R types we refuse, so the error says what the user saved. */
const UNSUPPORTED_DESCRIPTIONS: Readonly<Record<number, string>> = {
  3: "an R closure (function)",
  4: "an R environment",
  5: "an R promise (lazy argument)",
  6: "an R call / language object",
  7: "an R special function",
  8: "an R builtin function",
  17: "an R ... (dots) object",
  20: "an R expression vector",
  21: "R byte code",
  22: "an R external pointer",
  23: "an R weak reference",
  240: "an R call / language object",
  243: "R byte code",
  244: "R byte code",
  245: "an R generic reference",
  246: "an R class reference",
};

const NA_INTEGER = -2147483648;
const R_NA_LOW_WORD = 1954;

const HAS_ATTR_BIT = 1 << 9;
const HAS_TAG_BIT = 1 << 10;
const UTF8_MASK = 1 << 3;
const LATIN1_MASK = 1 << 2;
const BYTES_MASK = 1 << 1;

const latin1Decoder = new TextDecoder("latin1");
const utf8Decoder = new TextDecoder("utf-8");

/**
 * Reads one R object from an uncompressed serialization stream (what `saveRDS` writes after
 * decompression). Refuses closures, environments and other code-bearing objects with
 * `unsupported_r_type`; unknown type codes give `unknown_sexp_type` with the byte offset.
 */
export function readRdsBytes(bytes: Uint8Array, file: string): { header: RdsHeader; value: RValue } {
  return new RdsReader(bytes, file).read();
}

class RdsReader {
  private pos = 0;
  private readonly view: DataView;
  private readonly buf: Uint8Array;
  private readonly node: Buffer;
  private format: RdsHeader["format"] = "xdr";
  private nativeLatin1 = false;
  private readonly refs: RValue[] = [];

  constructor(
    bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.buf = bytes;
    this.node = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  read(): { header: RdsHeader; value: RValue } {
    const header = this.readHeader();
    const value = this.readItem();
    return { header, value };
  }

  private readHeader(): RdsHeader {
    const m0 = this.buf[0];
    const m1 = this.buf[1];
    if (m1 !== 0x0a || (m0 !== 0x58 && m0 !== 0x41 && m0 !== 0x42)) {
      throw this.malformed(
        `not an R serialization stream (expected "X\\n", "A\\n" or "B\\n", got bytes ${hex(this.buf.subarray(0, 2))})`,
        0,
      );
    }
    this.format = m0 === 0x58 ? "xdr" : m0 === 0x41 ? "ascii" : "binary";
    this.pos = 2;
    const version = this.int();
    if (version !== 2 && version !== 3) {
      throw this.malformed(`unsupported serialization format version ${version} (R writes 2 or 3)`, 2);
    }
    const writer = this.int();
    const minReader = this.int();
    let nativeEncoding: string | undefined;
    if (version === 3) {
      const n = this.int();
      nativeEncoding = this.stringBytes(n);
      this.nativeLatin1 = /^(latin1|ISO-8859-1|ISO8859-1|CP1252)$/i.test(nativeEncoding);
    }
    const base = {
      format: this.format,
      version,
      writerVersion: rVersion(writer),
      minReaderVersion: rVersion(minReader),
    };
    return nativeEncoding === undefined ? base : { ...base, nativeEncoding };
  }

  private readItem(): RValue {
    const start = this.pos;
    const flags = this.int();
    const type = flags & 0xff;
    const hasAttr = (flags & HAS_ATTR_BIT) !== 0;
    switch (type) {
      case 254: // NILVALUE_SXP
      case 0:
        return { kind: "null", attributes: NO_ATTRIBUTES };
      case 255: {
        // REFSXP: index packed in the flags, or in the next int when it does not fit.
        let index = flags >> 8;
        if (index === 0) index = this.int();
        const ref = this.refs[index - 1];
        if (ref === undefined) throw this.malformed(`reference ${index} points to no earlier object`, start);
        return ref;
      }
      case 253:
        return env("R_GlobalEnv", start);
      case 252:
        return env("R_UnboundValue", start);
      case 251:
        return { kind: "symbol", name: "", attributes: NO_ATTRIBUTES }; // missing argument
      case 250:
        return env("base namespace", start);
      case 242:
        return env("R_EmptyEnv", start);
      case 241:
        return env("base environment", start);
      case 247:
      case 248:
      case 249: {
        // PERSISTSXP / PACKAGESXP / NAMESPACESXP: a string vector naming it; kept as an opaque environment.
        const names = this.stringVecBody();
        const value = env(`${SEXP_NAMES[type] ?? "namespace"}:${names.join(":")}`, start);
        this.refs.push(value);
        return value;
      }
      case 1: {
        const printName = this.readItem();
        const name = printName.kind === "character" ? (printName.values[0] ?? "") : "";
        const sym: RValue = { kind: "symbol", name, attributes: NO_ATTRIBUTES };
        this.refs.push(sym);
        return sym;
      }
      case 2:
      case 239:
        return this.pairlist(flags, start);
      case 6:
      case 240: {
        // A call (formulas, `terms` attributes): same cells as a pairlist; kept opaque.
        const cells = this.pairlist(type === 240 ? (flags & ~0xff) | 239 : (flags & ~0xff) | 2, start);
        return {
          kind: "opaque",
          sexp: "LANGSXP",
          description: "an R call / language object",
          offset: start,
          attributes: cells.attributes,
        };
      }
      case 4: {
        // Registered before its contents: they may refer back to it.
        const value: RValue = {
          kind: "opaque",
          sexp: "ENVSXP",
          description: "an R environment",
          offset: start,
          attributes: NO_ATTRIBUTES,
        };
        this.refs.push(value);
        this.int(); // locked
        this.readItem(); // enclosing environment
        this.readItem(); // frame
        this.readItem(); // hash table
        this.readItem(); // attributes
        return value;
      }
      case 22: {
        // External pointers (data.table's .internal.selfref): the address is not serialized, only prot and tag.
        const value: RValue = {
          kind: "opaque",
          sexp: "EXTPTRSXP",
          description: "an R external pointer",
          offset: start,
          attributes: NO_ATTRIBUTES,
        };
        this.refs.push(value);
        this.readItem();
        this.readItem();
        if (hasAttr) this.attributes();
        return value;
      }
      case 23: {
        const value: RValue = {
          kind: "opaque",
          sexp: "WEAKREFSXP",
          description: "an R weak reference",
          offset: start,
          attributes: NO_ATTRIBUTES,
        };
        this.refs.push(value);
        if (hasAttr) this.attributes();
        return value;
      }
      case 9: {
        // A bare CHARSXP (symbol print names); STRSXP elements are read in strsxp().
        const s = this.charsxp(flags, start);
        return { kind: "character", values: [s], attributes: NO_ATTRIBUTES };
      }
      case 10:
      case 13: {
        const n = this.length();
        const { values, na } = this.ints(n);
        const attributes = hasAttr ? this.attributes() : NO_ATTRIBUTES;
        return type === 10
          ? { kind: "logical", values, na, attributes }
          : { kind: "integer", values, na, attributes };
      }
      case 14: {
        const n = this.length();
        const { values, na } = this.doubles(n);
        return { kind: "double", values, na, attributes: hasAttr ? this.attributes() : NO_ATTRIBUTES };
      }
      case 15: {
        const n = this.length();
        const { values, na: pairNa } = this.doubles(n * 2);
        let na: Uint8Array | undefined;
        if (pairNa !== undefined) {
          na = new Uint8Array(n);
          for (let i = 0; i < n; i++) na[i] = (pairNa[2 * i] ?? 0) | (pairNa[2 * i + 1] ?? 0);
        }
        return { kind: "complex", values, na, attributes: hasAttr ? this.attributes() : NO_ATTRIBUTES };
      }
      case 16: {
        const n = this.length();
        const values = new Array<string | null>(n);
        for (let i = 0; i < n; i++) {
          const at = this.pos;
          const f = this.int();
          if ((f & 0xff) !== 9)
            throw this.malformed(`expected a CHARSXP inside a character vector, got type ${f & 0xff}`, at);
          values[i] = this.charsxp(f, at);
        }
        return { kind: "character", values, attributes: hasAttr ? this.attributes() : NO_ATTRIBUTES };
      }
      case 19: {
        const n = this.length();
        const values = new Array<RValue>(n);
        for (let i = 0; i < n; i++) values[i] = this.readItem();
        return { kind: "list", values, attributes: hasAttr ? this.attributes() : NO_ATTRIBUTES };
      }
      case 24: {
        const n = this.length();
        const values = this.raw(n);
        return { kind: "raw", values, attributes: hasAttr ? this.attributes() : NO_ATTRIBUTES };
      }
      case 25:
        return { kind: "s4", attributes: hasAttr ? this.attributes() : NO_ATTRIBUTES };
      case 238:
        return this.altrep(start);
      default: {
        const description = UNSUPPORTED_DESCRIPTIONS[type];
        if (description !== undefined) {
          const name = SEXP_NAMES[type] ?? String(type);
          throw new FormatError("unsupported_r_type", `RDS: cannot convert ${description} (${name})`, {
            file: this.file,
            byteOffset: start,
            hint: "Save only data (data.frame, vectors, lists, Matrix objects), e.g. drop functions and environments before saveRDS().",
          });
        }
      }
    }
    throw new FormatError(
      "unknown_sexp_type",
      `RDS: unknown SEXP type code ${type} (flags 0x${(flags >>> 0).toString(16)})`,
      {
        file: this.file,
        byteOffset: start,
        hint: "The file is corrupt or written by an R version this reader does not know; re-save it with saveRDS(version = 3).",
      },
    );
  }

  /** LISTSXP chains are read iteratively: long pairlists would otherwise overflow the stack. */
  private pairlist(firstFlags: number, start: number): RValue {
    const entries: { tag: string | null; value: RValue }[] = [];
    let attributes: RAttributes = NO_ATTRIBUTES;
    let flags = firstFlags;
    let first = true;
    for (;;) {
      const type = flags & 0xff;
      if (type !== 2 && type !== 239) {
        throw this.malformed(`pairlist continues with type ${type}, expected LISTSXP or NULL`, start);
      }
      if ((flags & HAS_ATTR_BIT) !== 0 || type === 239) {
        const attrs = this.attributes();
        if (first) attributes = attrs;
      }
      let tag: string | null = null;
      if ((flags & HAS_TAG_BIT) !== 0) {
        const t = this.readItem();
        tag = t.kind === "symbol" ? t.name : t.kind === "character" ? (t.values[0] ?? null) : null;
      }
      entries.push({ tag, value: this.readItem() });
      first = false;
      const next = this.pos;
      flags = this.int();
      const nextType = flags & 0xff;
      if (nextType === 254 || nextType === 0) break;
      if (nextType !== 2 && nextType !== 239) {
        // A cdr that is not a pairlist (dotted pair) does not occur in data; rewind and read it as a value.
        this.pos = next;
        entries.push({ tag: null, value: this.readItem() });
        break;
      }
    }
    return { kind: "pairlist", entries, attributes };
  }

  private attributes(): RAttributes {
    const at = this.pos;
    const list = this.readItem();
    if (list.kind === "null") return NO_ATTRIBUTES;
    if (list.kind !== "pairlist") throw this.malformed(`attributes must be a pairlist, got ${list.kind}`, at);
    const map = new Map<string, RValue>();
    for (const e of list.entries) if (e.tag !== null) map.set(e.tag, e.value);
    return map;
  }

  /** ALTREP objects are stored as (class info, state, attributes); rebuild the ordinary vector R would expand. */
  private altrep(start: number): RValue {
    const info = this.readItem();
    const state = this.readItem();
    const attrList = this.readItem();
    const attributes = new Map<string, RValue>();
    if (attrList.kind === "pairlist")
      for (const e of attrList.entries) if (e.tag !== null) attributes.set(e.tag, e.value);
    const first = info.kind === "pairlist" ? info.entries[0]?.value : undefined;
    const className = first?.kind === "symbol" ? first.name : "?";
    const withAttrs = (v: RValue): RValue => (attributes.size === 0 ? v : { ...v, attributes });
    switch (className) {
      case "compact_intseq":
      case "compact_realseq": {
        // state = c(length, first, increment) as doubles (intseq) or doubles (realseq).
        const s = state.kind === "double" || state.kind === "integer" ? state.values : undefined;
        if (s === undefined || s.length < 3)
          throw this.malformed(`${className} with a malformed state`, start);
        const n = Number(s[0]);
        const n1 = Number(s[1]);
        const inc = Number(s[2]);
        if (className === "compact_intseq") {
          const values = new Int32Array(n);
          for (let i = 0; i < n; i++) values[i] = n1 + i * inc;
          return withAttrs({ kind: "integer", values, na: undefined, attributes: NO_ATTRIBUTES });
        }
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) values[i] = n1 + i * inc;
        return withAttrs({ kind: "double", values, na: undefined, attributes: NO_ATTRIBUTES });
      }
      case "wrap_integer":
      case "wrap_real":
      case "wrap_logical":
      case "wrap_string":
      case "wrap_complex":
      case "wrap_raw":
      case "wrap_list": {
        // state = list(wrapped vector, metadata)
        const inner = state.kind === "list" ? state.values[0] : undefined;
        if (inner === undefined) throw this.malformed(`${className} with a malformed state`, start);
        return withAttrs({ ...inner, attributes: NO_ATTRIBUTES });
      }
      case "deferred_string": {
        // state = pairlist(numeric vector, scipen info): the strings R would print for those numbers.
        const arg = state.kind === "pairlist" ? state.entries[0]?.value : state;
        if (arg === undefined) throw this.malformed("deferred_string with a malformed state", start);
        return withAttrs({ kind: "character", values: deferredStrings(arg), attributes: NO_ATTRIBUTES });
      }
      default:
        throw new FormatError(
          "unsupported_r_type",
          `RDS: cannot convert an ALTREP object of class "${className}"`,
          {
            file: this.file,
            byteOffset: start,
            hint: "Materialise it in R first (e.g. x[] <- x) and re-save the file.",
          },
        );
    }
  }

  private charsxp(flags: number, start: number): string | null {
    const n = this.int();
    if (n === -1) return null;
    if (n < 0) throw this.malformed(`negative string length ${n}`, start);
    const levels = flags >> 12;
    if (this.format === "ascii") {
      const bytes = this.asciiStringBytes(n);
      return levels & LATIN1_MASK || (this.nativeLatin1 && !(levels & UTF8_MASK))
        ? latin1Decoder.decode(bytes)
        : utf8Decoder.decode(bytes);
    }
    this.need(n, start);
    const from = this.pos;
    this.pos += n;
    // Buffer slices decode short strings several times faster than TextDecoder (millions of CHARSXPs per file).
    const latin1 =
      (levels & (BYTES_MASK | LATIN1_MASK)) !== 0 || (this.nativeLatin1 && !(levels & UTF8_MASK));
    return this.node.toString(latin1 ? "latin1" : "utf8", from, from + n);
  }

  private stringVecBody(): string[] {
    const at = this.pos;
    if (this.int() !== 0) throw this.malformed("names of a namespace/package must start with 0", at);
    const n = this.int();
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const item = this.readItem();
      out.push(item.kind === "character" ? (item.values[0] ?? "NA") : "?");
    }
    return out;
  }

  // ---- primitive readers -------------------------------------------------

  private need(n: number, start: number): void {
    if (this.pos + n > this.buf.length) {
      throw this.malformed(
        `truncated: needs ${n} more bytes at byte ${this.pos} but the stream ends at ${this.buf.length}`,
        start,
      );
    }
  }

  private length(): number {
    const n = this.int();
    if (n !== -1) return n;
    const upper = this.int();
    const lower = this.int();
    return upper * 4294967296 + (lower >>> 0);
  }

  private int(): number {
    if (this.format === "ascii") {
      const w = this.word();
      if (w === "NA") return NA_INTEGER;
      const v = Number.parseInt(w, 10);
      if (Number.isNaN(v)) throw this.malformed(`expected an integer, got "${w}"`, this.pos);
      return v;
    }
    this.need(4, this.pos);
    const v =
      this.format === "xdr" ? this.view.getInt32(this.pos, false) : this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  private ints(n: number): { values: Int32Array; na: Uint8Array | undefined } {
    const values = new Int32Array(n);
    let na: Uint8Array | undefined;
    if (this.format === "ascii") {
      for (let i = 0; i < n; i++) values[i] = this.int();
    } else {
      this.need(n * 4, this.pos);
      const little = this.format === "binary";
      for (let i = 0, p = this.pos; i < n; i++, p += 4) values[i] = this.view.getInt32(p, little);
      this.pos += n * 4;
    }
    for (let i = 0; i < n; i++) {
      if (values[i] === NA_INTEGER) (na ??= new Uint8Array(n))[i] = 1;
    }
    return { values, na };
  }

  private doubles(n: number): { values: Float64Array; na: Uint8Array | undefined } {
    const values = new Float64Array(n);
    let na: Uint8Array | undefined;
    if (this.format === "ascii") {
      for (let i = 0; i < n; i++) {
        const w = this.word();
        if (w === "NA") {
          values[i] = Number.NaN;
          (na ??= new Uint8Array(n))[i] = 1;
        } else if (w === "NaN") values[i] = Number.NaN;
        else if (w === "Inf") values[i] = Number.POSITIVE_INFINITY;
        else if (w === "-Inf") values[i] = Number.NEGATIVE_INFINITY;
        else values[i] = Number.parseFloat(w);
      }
      return { values, na };
    }
    this.need(n * 8, this.pos);
    const little = this.format === "binary";
    for (let i = 0, p = this.pos; i < n; i++, p += 8) {
      const v = this.view.getFloat64(p, little);
      values[i] = v;
      // NA_real_ is a NaN whose low word is 1954; read the word itself since NaN payloads may not survive JS.
      if (v !== v && this.view.getUint32(little ? p : p + 4, little) === R_NA_LOW_WORD)
        (na ??= new Uint8Array(n))[i] = 1;
    }
    this.pos += n * 8;
    return { values, na };
  }

  private raw(n: number): Uint8Array {
    if (this.format === "ascii") {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = Number.parseInt(this.word(), 16);
      return out;
    }
    this.need(n, this.pos);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private stringBytes(n: number): string {
    if (this.format === "ascii") return latin1Decoder.decode(this.asciiStringBytes(n));
    this.need(n, this.pos);
    const s = latin1Decoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  /** ASCII words are whitespace-separated tokens. */
  private word(): string {
    const b = this.buf;
    let p = this.pos;
    while (p < b.length && isSpace(b[p] ?? 0)) p++;
    const s = p;
    while (p < b.length && !isSpace(b[p] ?? 0)) p++;
    if (s === p) throw this.malformed("unexpected end of the ASCII stream", s);
    this.pos = p;
    return latin1Decoder.decode(b.subarray(s, p));
  }

  /** ASCII strings: `n` decoded bytes, with C escapes (\n, \t, \\, \" and octal \ooo). */
  private asciiStringBytes(n: number): Uint8Array {
    const b = this.buf;
    let p = this.pos;
    while (p < b.length && isSpace(b[p] ?? 0)) p++;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (p >= b.length) throw this.malformed("truncated string in the ASCII stream", p);
      let c = b[p++] ?? 0;
      if (c === 0x5c) {
        const e = b[p++] ?? 0;
        if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let k = 0; k < 2 && (b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x37; k++)
            v = v * 8 + ((b[p++] ?? 0) - 0x30);
          c = v;
        } else {
          c = ASCII_ESCAPES[e] ?? e;
        }
      }
      out[i] = c;
    }
    this.pos = p;
    return out;
  }

  private malformed(reason: string, at: number): FormatError {
    return new FormatError("rds_malformed", `RDS: ${reason}`, {
      file: this.file,
      byteOffset: at,
      hint: "Check the file is complete and was written by saveRDS() or serialize().",
    });
  }
}

const ASCII_ESCAPES: Readonly<Record<number, number>> = {
  0x6e: 0x0a, // n
  0x74: 0x09, // t
  0x76: 0x0b, // v
  0x62: 0x08, // b
  0x72: 0x0d, // r
  0x66: 0x0c, // f
  0x61: 0x07, // a
  0x5c: 0x5c,
  0x3f: 0x3f,
  0x27: 0x27,
  0x22: 0x22,
};

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

function env(name: string, offset: number): RValue {
  return {
    kind: "opaque",
    sexp: "ENVSXP",
    description: `the R environment ${name}`,
    offset,
    attributes: NO_ATTRIBUTES,
  };
}

function rVersion(v: number): string {
  return `${Math.floor(v / 65536)}.${Math.floor(v / 256) % 256}.${v % 256}`;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

/** R prints integers as decimals and doubles with up to 15 significant digits. */
function deferredStrings(arg: RValue): (string | null)[] {
  if (arg.kind === "integer") return Array.from(arg.values, (v, i) => (arg.na?.[i] ? null : String(v)));
  if (arg.kind === "double") {
    return Array.from(arg.values, (v, i) => {
      if (arg.na?.[i]) return null;
      if (Number.isNaN(v)) return "NaN";
      if (!Number.isFinite(v)) return v > 0 ? "Inf" : "-Inf";
      return String(Number(v.toPrecision(15)));
    });
  }
  if (arg.kind === "character") return [...arg.values];
  return [];
}
