/**
 * Bytes 0x80–0x9F in Windows-1252: curly quotes, dashes, the euro sign, … In ISO-8859-1 they are
 * unprintable control codes, which no one writes in text, so a "Latin-1" file that holds them was
 * written on Windows. The five bytes 1252 leaves unassigned keep their control code.
 */
const HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
].map((code) => String.fromCharCode(code));

const C1 = /[\u0080-\u009f]/;
const C1_ALL = /[\u0080-\u009f]/g;

/**
 * Latin-1 text as Windows-1252 reads it, which is what the WHATWG encoding standard means by the
 * "latin1" label. Written here because Node 20's TextDecoder decodes that label as plain ISO-8859-1
 * (0x92 comes out as U+0092, not ’). Every byte maps to a character: nothing becomes U+FFFD.
 *
 * @example decodeWindows1252(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x92])) // "café’"
 */
export function decodeWindows1252(bytes: Buffer): string {
  const text = bytes.toString("latin1");
  return C1.test(text) ? text.replace(C1_ALL, (c) => HIGH[c.charCodeAt(0) - 0x80]!) : text;
}
