import type { SourceConfig, SourceKindProblem, SourceKindSpec } from "@omicslake/core";
import type { ItemFile } from "../../items/data-item.js";
import { layoutItems } from "../../items/layout-items.js";
import type { SourceAdapter, UpstreamFile } from "../../source-adapter.js";
import { SourceConfigError } from "../../upstream-error.js";
import { datasetLayout } from "../dataset-tree.js";
import type { SourceKind } from "../source-kind.js";

const spec: SourceKindSpec = {
  kind: "url",
  description: "A list of files at http(s) URLs, fetched into raw with resumable downloads",
  sourceKeys: {},
  dataKeys: {
    files: {
      value: { type: "strings", example: "https://example.org/data/sample_1.fq.gz" },
      meaning: "the files: full http(s) URLs, or names relative to the source's url",
    },
  },
  options: {
    timeout_ms: {
      value: { type: "positive-number" },
      meaning: "inactivity timeout per request, in ms (default 60000)",
    },
    concurrency: { value: { type: "positive-integer" }, meaning: "files downloaded at once (default 2)" },
  },
  layouts: ["files"],
  path: "refused",
  url: "optional",
  steps: ["ingest", "convert", "expression", "checksum"],
  check: checkUrlKind,
};

const HTTP = /^https?:\/\//i;

function checkUrlKind(
  source: Readonly<Record<string, unknown>>,
  data: Readonly<Record<string, unknown>> | undefined,
): SourceKindProblem[] {
  const problems: SourceKindProblem[] = [];
  const base = source["url"];
  if (typeof base === "string" && !(HTTP.test(base) && URL.canParse(base))) {
    problems.push({
      section: "source",
      key: "url",
      message: `url ${JSON.stringify(base)} is not an http(s) URL`,
      hint: 'Write url = "https://host/path/" (the files are names under it)',
    });
  }
  if (data === undefined) return problems;
  const files = data["files"];
  if (!Array.isArray(files) || files.length === 0) {
    problems.push({
      section: "data",
      key: "files",
      message: "a url dataset lists its files, and files is missing or empty",
      hint: 'Add files = ["https://…/a.fq.gz"] (or names relative to the source\'s url)',
    });
    return problems;
  }
  for (const file of files as string[]) {
    const problem = fileProblem(file, typeof base === "string" ? base : undefined);
    if (problem !== undefined) {
      problems.push({
        section: "data",
        key: "files",
        message: `files entry ${JSON.stringify(file)} ${problem.message}`,
        hint: problem.hint,
      });
    }
  }
  return problems;
}

function fileProblem(file: string, base: string | undefined): { message: string; hint: string } | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(file)) {
    if (!HTTP.test(file) || !URL.canParse(file))
      return { message: "is not an http(s) URL", hint: "Write https://host/path/file" };
    const name = urlFileName(file);
    if (name === undefined || !isPlainName(name)) {
      return {
        message: `would be named ${JSON.stringify(name ?? "")}, which is not a plain visible file name (its last path segment is empty, hidden, or decodes to a path)`,
        hint: "Give the source a url and list the file by a plain path relative to it",
      };
    }
    return undefined;
  }
  if (base === undefined) {
    return {
      message: "is a relative name and the source has no url",
      hint: 'Write the full URL, or set url = "https://host/path/" in the source',
    };
  }
  if (file === "" || file.startsWith("/") || file.split("/").some((s) => !isPlainName(s))) {
    return {
      message:
        "must be a plain relative path (no leading /, no . or .. segments, no hidden names: they are never items)",
      hint: 'Write e.g. "runs/a_1.fq.gz"',
    };
  }
  return undefined;
}

/** A full URL's last path segment, decoded; undefined when its escapes do not decode. */
function urlFileName(file: string): string | undefined {
  const path = new URL(file).pathname;
  try {
    return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
  } catch {
    return undefined;
  }
}

/**
 * A name that is one visible file or directory name: `%2F` decoded from a URL (`..%2F..%2Fx`) must not turn
 * a file's name into a path out of the dataset, and a hidden name would never be an item.
 */
function isPlainName(name: string): boolean {
  return name !== "" && !name.startsWith(".") && !/[/\\\0]/.test(name);
}

/**
 * Each listed file's URL and its name in the dataset: a relative entry keeps its path, a full URL is named
 * by its last path segment. Two entries with the same name are refused, since they would be one raw object.
 */
export function urlFiles(source: SourceConfig, files: readonly string[]): { url: string; name: string }[] {
  const base =
    source.url === undefined ? undefined : source.url.endsWith("/") ? source.url : `${source.url}/`;
  const out: { url: string; name: string }[] = [];
  const byName = new Map<string, string>();
  for (const file of files) {
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(file);
    const url = absolute ? new URL(file).href : new URL(file, base).href;
    const name = absolute ? (urlFileName(file) ?? "") : file;
    const plain = absolute ? isPlainName(name) : name.split("/").every(isPlainName);
    const other = byName.get(name);
    if (!plain || other !== undefined) {
      throw new SourceConfigError(
        !plain
          ? `files entry ${JSON.stringify(file)} names no plain file (it would be named ${JSON.stringify(name)})`
          : `files entries ${JSON.stringify(other)} and ${JSON.stringify(file)} would both be named "${name}"`,
        {
          details: { file, ...(other !== undefined ? { other } : {}) },
          hint: "Give the source a url and list the files as distinct paths relative to it",
        },
      );
    }
    byName.set(name, file);
    out.push({ url, name });
  }
  return out;
}

/** The resumable downloader's view of a url dataset: its listed files. */
export const urlSourceAdapter: SourceAdapter = {
  kind: "url",
  defaultUrl: "",
  defaultRequestsPerSecond: () => undefined,
  async *list(context): AsyncGenerator<UpstreamFile> {
    yield* urlFiles(context.source, (context.data["files"] as readonly string[] | undefined) ?? []);
  },
};

/**
 * `url`: files at http(s) URLs, listed by the dataset (`files`), fetched into raw by ingest through the
 * resumable downloader (ETag and size skipping). One item per file, or per read pair.
 */
export const urlSourceKind: SourceKind = {
  spec,
  adapter: urlSourceAdapter,
  // Async so that a bad list rejects like every other kind's listing instead of throwing on the call.
  async items(context) {
    const files: ItemFile[] = urlFiles(
      context.source,
      (context.data["files"] as readonly string[] | undefined) ?? [],
    );
    return layoutItems(files, datasetLayout(context));
  },
};
