import { basename, isAbsolute, relative, resolve } from "node:path";
import { redactSecretsDeep } from "../errors/redact-secrets.js";

/**
 * How a local path is shown in a run record, which the server serves to anyone who can read runs:
 * a path inside the lake's root becomes lake-relative (`downloads/partial/x.csv`, `.` for the root
 * itself); any other absolute path becomes its base name (`x.csv`), because where a file sat on the
 * operator's machine (`/home/alice/data/x.csv`) is theirs, not the lake's. Relative paths are kept.
 *
 * @example publicPath("/home/alice/data/x.csv", "/srv/lake") // → "x.csv"
 */
export function publicPath(path: string, root?: string): string {
  if (!isAbsolute(path)) return path;
  const full = resolve(path);
  if (root !== undefined) {
    const inside = relative(resolve(root), full);
    if (inside === "") return ".";
    if (!inside.startsWith("..") && !isAbsolute(inside)) return inside;
  }
  return basename(full);
}

/**
 * Absolute POSIX paths in free text (messages, log lines): one starting after a space, a quote, a
 * bracket, `=` or at the start, or a `file://` URL. `//host` (a URL's authority) is not a path; the
 * path ends at whitespace, quotes, brackets, `,;:` or a sentence's final dot.
 */
const ABSOLUTE_PATH = /(^|[\s"'`(=[{<])(?:file:\/\/)?(\/(?!\/)[^\s"'`()[\]{}<>,;:]*[^\s"'`()[\]{}<>,;:.])/g;

/** Every absolute path in `text` rewritten by `publicPath`. */
export function publicPathsIn(text: string, root?: string): string {
  if (!text.includes("/")) return text;
  return text.replace(
    ABSOLUTE_PATH,
    (_match, before: string, path: string) => `${before}${publicPath(path, root)}`,
  );
}

/**
 * A copy of a run's parameters, inputs, outputs, log or error fit to be stored and served: secrets
 * in URLs and connection strings redacted (`api_key=REDACTED`) and local paths made public
 * (`publicPath`). Keys are kept; strings are rewritten wherever they sit.
 */
export function publicRunRecord<T>(value: T, root?: string): T {
  return redactSecretsDeep(value, (text) => publicPathsIn(text, root));
}
