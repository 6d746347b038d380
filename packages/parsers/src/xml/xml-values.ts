import type { XmlNode } from "./xml-node.js";

/** Trimmed attribute value; undefined when absent or blank. */
export function attrOf(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.attrs[name];
  if (v === undefined || v.length === 0) return undefined;
  // Most values have no surrounding whitespace: skip trim() (a call per attribute on the hot path).
  if (v.charCodeAt(0) > 32 && v.charCodeAt(v.length - 1) > 32) return v;
  const t = v.trim();
  return t === "" ? undefined : t;
}

/** Fast path for the common case, a short run of ASCII digits (counts, sizes, ids). */
function isDigits(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 15) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** A decimal number, or undefined for absent, blank or non-numeric text ("N/A", "unknown"). */
export function toNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (isDigits(text)) return Number(text);
  const t = text.trim();
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** An integer (within the safe range), or undefined. */
export function toInt(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (isDigits(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const t = text.trim();
  if (!INTEGER.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** "true"/"1"/"yes" and "false"/"0"/"no" (case-insensitive); anything else undefined. */
export function toBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  if (t === "true" || t === "1" || t === "yes") return true;
  if (t === "false" || t === "0" || t === "no") return false;
  return undefined;
}

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * NCBI date or date-time as ISO 8601: "2016-12-14 16:12:25" -> "2016-12-14T16:12:25". A zone is kept when
 * given and never invented; text that is not a date is returned trimmed as is so nothing is lost.
 */
export function toIsoDate(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // Already ISO ("2015-12-22T01:15:47.477", BioSample's form): nothing to do.
  if (
    text.length >= 19 &&
    text.charCodeAt(10) === 84 /* T */ &&
    text.charCodeAt(4) === 45 &&
    ISO_PREFIX.test(text)
  )
    return text;
  const t = text.trim();
  if (t === "") return undefined;
  const m = DATE_TIME.exec(t);
  if (m === null) return t;
  const [, date, time, zone] = m;
  if (time === undefined) return date;
  return `${date}T${time.length === 5 ? `${time}:00` : time}${zone ?? ""}`;
}
