import { ValidationError } from "../errors/omicslake-error.js";
import { LAYERS, isLayer, type Layer } from "./layer.js";

/** S3's own limit on a key, in UTF-8 bytes; the filesystem store keeps to it too so keys move between stores. */
export const MAX_KEY_BYTES = 1024;
/** The usual filesystem limit on one path component (NAME_MAX), in UTF-8 bytes. */
export const MAX_KEY_SEGMENT_BYTES = 255;

const KEY_RULES =
  `a key is "/"-separated segments starting with a layer (${LAYERS.join(", ")}), e.g. "raw/ncbi/GSE2034.soft.gz": ` +
  `no leading "/", no empty, "." or ".." segments, no backslash or control characters, ` +
  `at most ${MAX_KEY_BYTES} bytes and ${MAX_KEY_SEGMENT_BYTES} bytes per segment`;

// C0 controls, DEL and C1 controls: invisible in logs and listings, and NUL ends a C path.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate cannot be encoded as UTF-8, so the key on disk or in S3 would not be the key asked for.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function invalid(key: string, reason: string, cause?: unknown): ValidationError {
  return new ValidationError(`invalid object key ${JSON.stringify(key)}: ${reason}`, {
    details: { key, reason },
    hint: `Use a key of the allowed form: ${KEY_RULES}`,
    cause,
  });
}

/** Checks the characters and segments shared by keys and prefixes; `partial` allows an unfinished last segment. */
function checkSegments(key: string, partial: boolean): void {
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    throw invalid(key, `longer than ${MAX_KEY_BYTES} bytes`);
  }
  if (key.startsWith("/")) throw invalid(key, 'starts with "/" (keys are relative to the store)');
  if (key.includes("\\")) throw invalid(key, "contains a backslash");
  if (CONTROL_CHARACTER.test(key)) throw invalid(key, "contains a NUL or control character");
  if (LONE_SURROGATE.test(key)) throw invalid(key, "contains an unpaired UTF-16 surrogate");
  const segments = key.split("/");
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === ".." || segment === ".") {
      // A trailing "." or ".." in a prefix could still grow into a valid name ("..a"), but refusing it is
      // simpler to reason about and costs nothing real.
      throw invalid(key, `contains a ${JSON.stringify(segment)} segment (path traversal is not allowed)`);
    }
    if (segment === "" && !(partial && last)) throw invalid(key, "contains an empty segment");
    if (Buffer.byteLength(segment, "utf8") > MAX_KEY_SEGMENT_BYTES) {
      throw invalid(
        key,
        `segment ${JSON.stringify(segment.slice(0, 40))}… is longer than ${MAX_KEY_SEGMENT_BYTES} bytes`,
      );
    }
  });
}

/**
 * Validates an object key and returns its layer. Both stores call this before touching anything, so a
 * key can never name a path outside the store or outside the layer rules.
 *
 * @example validateObjectKey("raw/ncbi/GSE2034.soft.gz") // → "raw"
 */
export function validateObjectKey(key: string): Layer {
  if (typeof key !== "string" || key === "") throw invalid(String(key), "is empty");
  checkSegments(key, false);
  const [layer, ...rest] = key.split("/");
  if (layer === undefined || !isLayer(layer)) {
    throw invalid(key, `does not start with a layer (${LAYERS.join(", ")})`);
  }
  if (rest.length === 0) throw invalid(key, "names a layer, not an object inside it");
  return layer;
}

/**
 * Validates a listing prefix: empty (everything), a partial layer name, or a layer followed by the start of
 * a key. The same characters as keys are refused; the last segment may be empty or unfinished (`raw/ncbi/GS`).
 */
export function validateKeyPrefix(prefix: string): void {
  if (typeof prefix !== "string") throw invalid(String(prefix), "is not a string");
  if (prefix === "") return;
  checkSegments(prefix, true);
  const slash = prefix.indexOf("/");
  const first = slash === -1 ? prefix : prefix.slice(0, slash);
  const fits = slash === -1 ? LAYERS.some((layer) => layer.startsWith(first)) : isLayer(first);
  if (!fits) throw invalid(prefix, `cannot match any key: keys start with a layer (${LAYERS.join(", ")})`);
}

/**
 * Orders keys as S3 does (by UTF-8 bytes, which is code point order), so both stores list in the same order.
 * Plain `<` compares UTF-16 code units and would put characters above U+FFFF before U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}
