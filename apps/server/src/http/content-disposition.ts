/**
 * `Content-Disposition: attachment` for a file name (RFC 6266): a plain `filename` that every client
 * understands, with anything outside printable ASCII, quotes and backslashes replaced by `_`, and
 * `filename*` carrying the exact UTF-8 name (RFC 8187 / 5987 percent-encoding). The header value is
 * always ASCII, so Node never refuses it.
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/gu, "_");
  // eslint-disable-next-line no-control-regex
  const exact = filename.replace(/[\u0000-\u001f\u007f]/g, "");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(exact)}`;
}

// encodeURIComponent throws on a lone surrogate; object keys refuse them, but a header must never throw.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encodes everything but RFC 8187's attr-char set, as UTF-8. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, "\ufffd")).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
