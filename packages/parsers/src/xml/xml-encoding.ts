import { TextDecoder } from "node:util";

/*
 * The character encoding an XML declaration names, and how the record reader decodes the strings it keeps.
 *
 * The reader finds markup by scanning bytes for ASCII delimiters, which is sound for every encoding in which
 * those bytes only ever stand for themselves: UTF-8, the single-byte encodings, and the multi-byte East Asian
 * encodings (Shift_JIS, EUC-JP, EUC-KR, Big5, GBK, GB18030), whose lead and trail bytes are never below 0x30 —
 * every delimiter (`<`, `>`, `&`, `"`, `'`, `=`, `/`, whitespace) is. UTF-16 and ISO-2022-JP are refused: their
 * bytes for other characters can look like `<`.
 */

/** How kept strings are decoded. */
export type XmlTextDecoding =
  | { readonly kind: "utf8" }
  /** ISO-8859-1 exactly: one byte is one code point, which is how the reader already holds its input. */
  | { readonly kind: "latin1" }
  /** ISO-8859-1 but for bytes 0x80–0x9F (see {@link windows1252}). */
  | { readonly kind: "windows-1252" }
  | {
      readonly kind: "decoder";
      /** The WHATWG name of the encoding (`windows-1252`, `shift_jis`, …). */
      readonly name: string;
      readonly decoder: TextDecoder;
      /** Whether one character can take several bytes (text split at a chunk end must not cut one). */
      readonly multiByte: boolean;
    };

/** Thrown by {@link xmlTextDecoding} for a declaration that names an encoding that cannot be read. */
export class UnsupportedXmlEncoding extends Error {}

export const UTF8_DECODING: XmlTextDecoding = { kind: "utf8" };

const DECLARATION_ENCODING = /^<\?xml\s[^>]*?\sencoding\s*=\s*(["'])([^"']*)\1/;

/** The encoding named by an XML declaration (`<?xml version="1.0" encoding="ISO-8859-1"?>`), if any. */
export function declaredEncoding(declaration: string): string | undefined {
  return DECLARATION_ENCODING.exec(declaration)?.[2];
}

/** Encodings whose bytes for other characters can look like ASCII markup. */
const NOT_ASCII_COMPATIBLE = new Set(["utf-16le", "utf-16be", "iso-2022-jp", "replacement"]);
const MULTI_BYTE = new Set(["gbk", "gb18030", "big5", "euc-jp", "euc-kr", "shift_jis"]);
/**
 * The WHATWG Encoding Standard (which TextDecoder follows) reads ISO-8859-1 and US-ASCII as windows-1252.
 * A file that declares ISO-8859-1 is decoded as ISO-8859-1 (US-ASCII as its subset): the declaration is
 * taken at its word; only a declaration of windows-1252 itself gets windows-1252.
 */
const WINDOWS_1252_LABELS = new Set(["windows-1252", "cp1252", "x-cp1252"]);

/**
 * How to decode a document whose declaration names `label`.
 *
 * @throws UnsupportedXmlEncoding when TextDecoder does not know the label or the encoding cannot be scanned
 *   for ASCII markup (UTF-16, ISO-2022-JP).
 */
export function xmlTextDecoding(label: string): XmlTextDecoding {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label.trim(), { fatal: true });
  } catch (error) {
    throw new UnsupportedXmlEncoding(`"${label}" is not an encoding this runtime can decode`, {
      cause: error,
    });
  }
  const name = decoder.encoding;
  if (name === "utf-8") return UTF8_DECODING;
  if (NOT_ASCII_COMPATIBLE.has(name))
    throw new UnsupportedXmlEncoding(`"${label}" documents cannot be read (only ASCII-compatible encodings)`);
  if (name === "windows-1252")
    return WINDOWS_1252_LABELS.has(label.trim().toLowerCase())
      ? { kind: "windows-1252" }
      : { kind: "latin1" };
  return { kind: "decoder", name, decoder, multiByte: MULTI_BYTE.has(name) };
}

/**
 * Where text of a multi-byte East Asian encoding can be cut at a chunk end without cutting a character:
 * after the last byte below 0x30 in bytes[from, to), which always stands alone; `from` when there is none.
 */
export function multiByteTextBoundary(bytes: Uint8Array, from: number, to: number): number {
  for (let k = to - 1; k >= from; k--) if (bytes[k]! < 0x30) return k + 1;
  return from;
}

/*
 * Node's TextDecoder decodes windows-1252 as ISO-8859-1 since 20.18.3 / 22.13.0 (nodejs/node#56542), which
 * loses the curly quotes, dashes and euro sign of bytes 0x80–0x9F; those 32 bytes are mapped here instead,
 * per the WHATWG index (the five bytes it leaves unassigned keep their own code point).
 */
const WINDOWS_1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
].map((code) => String.fromCharCode(code));
const C1 = /[\x80-\x9f]/g;

/** `latin1`, a string holding one byte per character, as windows-1252. */
export function windows1252(latin1: string): string {
  C1.lastIndex = 0;
  return C1.test(latin1) ? latin1.replace(C1, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!) : latin1;
}
