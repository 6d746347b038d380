/**
 * What comes before the first record of an XML document: the bytes up to the record's `<`, and the
 * elements left open there (the root and any wrappers). A worker that parses a later slice of the file
 * is handed these bytes first, so that its reader starts in the state the serial reader has at a record
 * boundary; the closing tags of the open elements end a slice so that a slice cut at a wrong place is
 * caught (see `xml-chunk-task.ts`).
 */
export interface XmlPreamble {
  /** Byte length of the preamble: the offset of the first record's `<`. */
  readonly length: number;
  /** Elements open at the first record, outermost first. */
  readonly open: readonly string[];
  /** The first record's element name: later cuts are made before this name only. */
  readonly record: string;
}

/** Read more bytes and ask again. */
export const NEED_MORE = "need-more";
/** The preamble holds something this scanner does not model: the file is parsed on one thread. */
export const UNSURE = "unsure";

export type PreambleScan = XmlPreamble | typeof NEED_MORE | typeof UNSURE;

/** Wrappers nest only a few levels deep in NCBI files; deeper is not worth modelling. */
const MAX_OPEN = 8;

/**
 * Scans the start of a document for its preamble. Deliberately strict: text, CDATA, closing tags, an
 * internal DOCTYPE subset or anything unexpected before the first record makes the answer {@link UNSURE},
 * and the caller falls back to one thread rather than guess.
 */
export function scanPreamble(head: Buffer, records: readonly string[]): PreambleScan {
  const text = head.toString("latin1");
  const open: string[] = [];
  let pos = text.startsWith("\xef\xbb\xbf") ? 3 : 0;
  for (;;) {
    const lt = text.indexOf("<", pos);
    if (lt === -1) return /^[ \t\r\n]*$/.test(text.slice(pos)) ? NEED_MORE : UNSURE;
    if (!/^[ \t\r\n]*$/.test(text.slice(pos, lt))) return UNSURE;
    if (lt + 9 >= text.length) return NEED_MORE;
    if (text.startsWith("<?", lt)) {
      const close = text.indexOf("?>", lt + 2);
      if (close === -1) return NEED_MORE;
      pos = close + 2;
      continue;
    }
    if (text.startsWith("<!--", lt)) {
      const close = text.indexOf("-->", lt + 4);
      if (close === -1) return NEED_MORE;
      pos = close + 3;
      continue;
    }
    if (text.startsWith("<!DOCTYPE", lt)) {
      const end = doctypeEnd(text, lt + 9);
      if (end === UNSURE || end === NEED_MORE) return end;
      pos = end;
      continue;
    }
    const c = text.charCodeAt(lt + 1);
    if (c === 33 /* ! */ || c === 47 /* / */) return UNSURE;
    const name = /^[^\s/>]+/.exec(text.slice(lt + 1, lt + 257))?.[0];
    if (name === undefined) return UNSURE;
    if (lt + 1 + name.length >= text.length) return NEED_MORE;
    if (records.includes(name)) {
      return open.length === 0 ? UNSURE : { length: lt, open, record: name };
    }
    const end = tagEnd(text, lt + 1 + name.length);
    if (end === NEED_MORE) return end;
    if (end === UNSURE || text.charCodeAt(end - 2) === 47 /* self-closing */) return UNSURE;
    open.push(name);
    if (open.length > MAX_OPEN) return UNSURE;
    pos = end;
  }
}

/** The offset after the `>` ending a start tag whose attributes begin at `from`, quotes respected. */
function tagEnd(text: string, from: number): number | typeof NEED_MORE | typeof UNSURE {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === 60 /* < */) return UNSURE;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62 /* > */) return i + 1;
    else if (c === 60) return UNSURE;
  }
  return NEED_MORE;
}

/** The offset after a DOCTYPE without an internal subset (a subset could declare entities: not modelled). */
function doctypeEnd(text: string, from: number): number | typeof NEED_MORE | typeof UNSURE {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 91 /* [ */) return UNSURE;
    else if (c === 62) return i + 1;
  }
  return NEED_MORE;
}

/** The closing tags of the preamble's open elements, innermost first: they end a slice cut between records. */
export function closingTags(preamble: XmlPreamble): string {
  return [...preamble.open]
    .reverse()
    .map((name) => `</${name}>`)
    .join("");
}
