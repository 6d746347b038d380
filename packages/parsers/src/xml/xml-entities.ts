const NAMED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Replaces the five predefined entities and numeric character references. Anything else (an entity
 * declared in a DOCTYPE, a stray `&`) is kept literally: DOCTYPE entities are never expanded, which is what
 * keeps "billion laughs" documents harmless.
 */
export function decodeXmlEntities(text: string): string {
  let amp = text.indexOf("&");
  if (amp === -1) return text;
  let out = "";
  let last = 0;
  while (amp !== -1) {
    const semi = text.indexOf(";", amp + 1);
    if (semi === -1) break;
    if (semi - amp > 12) {
      amp = text.indexOf("&", amp + 1);
      continue;
    }
    const ref = text.slice(amp + 1, semi);
    let replacement: string | undefined;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const hex = ref.charCodeAt(1) === 120 || ref.charCodeAt(1) === 88; /* x X */
      const digits = ref.slice(hex ? 2 : 1);
      const code =
        digits.length > 0 && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)
          ? parseInt(digits, hex ? 16 : 10)
          : NaN;
      if (code >= 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff))
        replacement = String.fromCodePoint(code);
    } else {
      replacement = NAMED[ref];
    }
    if (replacement !== undefined) {
      out += text.slice(last, amp) + replacement;
      last = semi + 1;
      amp = text.indexOf("&", last);
    } else {
      amp = text.indexOf("&", amp + 1);
    }
  }
  return last === 0 ? text : out + text.slice(last);
}
