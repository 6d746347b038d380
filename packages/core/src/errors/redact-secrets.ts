/** What a redacted secret is replaced with; the parameter's name stays so a user can see which one was sent. */
export const REDACTED = "REDACTED";

/**
 * Query parameters whose values are credentials (compared case-insensitively): NCBI's `api_key`, the
 * usual token names, and the parts of an S3 presigned URL that grant access.
 */
export const SECRET_PARAMETER_NAMES: readonly string[] = [
  "api_key",
  "apikey",
  "key",
  "token",
  "access_token",
  "secret",
  "password",
  "signature",
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "sig",
  // Not a secret, but an operator's personal address (NCBI E-utilities asks for it), and run records
  // and errors are served to anyone who can reach the API.
  "email",
];

/**
 * Property names whose string values are secrets wherever they appear. `key`, `sig` and `signature`
 * are left out: in run records `key` is an object's store key, and those names mean other things in JSON.
 */
const SECRET_PROPERTIES = new Set(
  SECRET_PARAMETER_NAMES.filter((name) => !["key", "sig", "signature"].includes(name)),
);
const NAME_ALTERNATIVES = SECRET_PARAMETER_NAMES.map((name) => name.replace(/-/g, "\\-")).join("|");

/**
 * `?api_key=…`, `&token=…`, `;sig=…` (HTML-escaped `&amp;` ends in `;`), and the same percent-encoded
 * inside another URL's parameter (`%3Fapi_key%3D…`). The value runs to the next separator; punctuation
 * that ends a sentence (`…?api_key=x: no answer`) is left outside so messages stay readable.
 */
const QUERY_SECRET = new RegExp(
  `((?:[?&;]|%3[fF]|%26)(?:${NAME_ALTERNATIVES})(?:=|%3[dD]))(.*?)(?=[&#\\s"'<>\\\\]|%26|[:,.)\\]]*(?:\\s|$)|$)`,
  "gi",
);

/**
 * The password of a URL's userinfo (`https://user:pass@host`, `postgres://user:pass@db/lake`). The
 * password runs to the last `@` before the path, as an unescaped `@` in a password is common in
 * hand-written connection strings.
 */
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"<>]*):[^\s/?#'"<>]*@/gi;

/** libpq's keyword form (`host=db password=…`), which a DATABASE_URL may also be written in. */
const KEYWORD_PASSWORD = /(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"]+)/gi;

/**
 * The text with every secret we know of replaced by `REDACTED`: secret query parameters (values only;
 * names are kept), userinfo passwords in URLs and libpq `password=` pairs. Safe on any text: a
 * message, a log line, a stack.
 *
 * @example
 * redactSecrets("GET https://x/esearch.fcgi?db=gds&api_key=abc123 answered 500")
 * // → "GET https://x/esearch.fcgi?db=gds&api_key=REDACTED answered 500"
 */
export function redactSecrets(text: string): string {
  // Cheap pre-checks: almost every line has none of these, and redaction runs on every log line.
  let out = text;
  if (/=|%3d/i.test(out)) out = out.replace(QUERY_SECRET, `$1${REDACTED}`);
  if (out.includes("://")) out = out.replace(USERINFO_PASSWORD, `$1:${REDACTED}@`);
  if (/password/i.test(out)) out = out.replace(KEYWORD_PASSWORD, `$1$2${REDACTED}`);
  return out;
}

/**
 * A copy of a JSON-like value (run parameters, inputs, error details) with every string redacted, and
 * the value of any property named like a secret (`api_key`, `token`, `password`…) replaced outright.
 * `rewrite` runs on every string first (the catalog uses it to make local paths public). Dates,
 * numbers and other non-plain values are kept as they are.
 */
export function redactSecretsDeep<T>(value: T, rewrite?: (text: string) => string): T {
  return redactValue(value, rewrite, 0) as T;
}

function redactValue(
  value: unknown,
  rewrite: ((text: string) => string) | undefined,
  depth: number,
): unknown {
  if (typeof value === "string") return redactSecrets(rewrite ? rewrite(value) : value);
  // Deeper than any record we write; past it the value is kept rather than walked without end.
  if (depth > 64 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, rewrite, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      SECRET_PROPERTIES.has(key.toLowerCase()) && typeof item === "string" && item !== ""
        ? REDACTED
        : redactValue(item, rewrite, depth + 1);
  }
  return out;
}

/**
 * A URL as it may be shown or stored: secret parameters and the userinfo password replaced. Used where
 * errors and progress events are built, so nothing downstream ever holds the key.
 */
export function redactUrl(url: string | URL): string {
  return redactSecrets(typeof url === "string" ? url : url.href);
}
