import { ValidationError } from "@omicslake/core";

/** The file a published tree lists its files in; readers open it first, and it is written last. */
export const MANIFEST_NAME = "manifest.json";
export const MANIFEST_FORMAT = "omicslake-published";

/** One published file: its path under the destination, `/`-separated, with the bytes' size and sha256. */
export interface PublishedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * What `manifest.json` holds. `retired` names the files the previous manifest listed and this one does
 * not: they are deleted only after this manifest is in place, and a publish killed before deleting them
 * finishes the job next time (the paths are still named here).
 */
export interface PublishManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: 1;
  readonly published_at: string;
  readonly omicslake_version: string;
  readonly files: readonly PublishedFile[];
  readonly retired: readonly string[];
  /** The sha256 of the lake's DuckLake catalog file the published copy was made from. */
  readonly ducklake_source_sha256?: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
// Same characters as object keys allow, plus no leading "/": a published path is always inside its tree.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `path` cannot name a file of a published tree, or undefined when it can: it must be relative,
 * `/`-separated, with no empty, `.` or `..` segment, no backslash or control character. The server
 * checks request paths with it, and the publisher every path it writes, so neither can leave the tree.
 */
export function publishedPathProblem(path: string): string | undefined {
  if (path === "") return "is empty";
  if (path.length > 1024) return "is longer than 1024 characters";
  if (path.startsWith("/")) return 'starts with "/" (paths are relative to the published tree)';
  if (path.includes("\\")) return "contains a backslash";
  if (CONTROL.test(path)) return "contains a control character";
  for (const segment of path.split("/")) {
    if (segment === "") return "contains an empty segment";
    if (segment === "." || segment === "..")
      return `contains a ${JSON.stringify(segment)} segment (path traversal is not allowed)`;
  }
  return undefined;
}

/** Parses a manifest read from a destination; `where` names it in the error. */
export function parseManifest(text: string, where: string): PublishManifest {
  const fail = (reason: string, cause?: unknown): ValidationError =>
    new ValidationError(`published manifest ${where} ${reason}`, {
      details: { manifest: where, reason },
      hint: "Remove the damaged manifest.json (the next publish uploads every file again) or publish to an empty destination",
      cause,
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw fail("is not JSON", error);
  }
  if (typeof value !== "object" || value === null) throw fail("is not an object");
  const m = value as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT || m.version !== 1)
    throw fail(`is not an ${MANIFEST_FORMAT} version 1 manifest`);
  if (!Array.isArray(m.files)) throw fail("has no files list");
  const files: PublishedFile[] = [];
  for (const entry of m.files as unknown[]) {
    const f = entry as Record<string, unknown>;
    if (
      typeof f.path !== "string" ||
      publishedPathProblem(f.path) !== undefined ||
      typeof f.sha256 !== "string" ||
      !SHA256.test(f.sha256) ||
      typeof f.size !== "number" ||
      !Number.isSafeInteger(f.size) ||
      f.size < 0
    ) {
      throw fail(`has an invalid file entry ${JSON.stringify(entry).slice(0, 200)}`);
    }
    files.push({ path: f.path, size: f.size, sha256: f.sha256 });
  }
  const retired = Array.isArray(m.retired)
    ? (m.retired as unknown[]).filter(
        (p): p is string => typeof p === "string" && publishedPathProblem(p) === undefined,
      )
    : [];
  return {
    format: MANIFEST_FORMAT,
    version: 1,
    published_at: typeof m.published_at === "string" ? m.published_at : "",
    omicslake_version: typeof m.omicslake_version === "string" ? m.omicslake_version : "",
    files,
    retired,
    ...(typeof m.ducklake_source_sha256 === "string" && SHA256.test(m.ducklake_source_sha256)
      ? { ducklake_source_sha256: m.ducklake_source_sha256 }
      : {}),
  };
}
