import { windows1252 } from "../xml/xml-encoding.js";

/**
 * Latin-1 bytes as Windows-1252 reads them, which is what the WHATWG encoding standard means by the
 * "latin1" label: bytes 0x80–0x9F are curly quotes, dashes, the euro sign, …, not the control codes
 * ISO-8859-1 gives them (no one writes those in text, so a "Latin-1" file holding them was written on
 * Windows). Every byte maps to a character: nothing becomes U+FFFD. The table is the XML reader's, which
 * decodes a declared windows-1252 the same way.
 *
 * @example decodeWindows1252(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x92])) // "café’"
 */
export function decodeWindows1252(bytes: Buffer): string {
  return windows1252(bytes.toString("latin1"));
}
