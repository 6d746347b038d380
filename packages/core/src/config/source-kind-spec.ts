import type { OptionSpec } from "./source-option-specs.js";

/**
 * How a source's files are arranged under its local root (`[source.X] path`), and so what one data item is:
 * - `level0`: `{Species}--{accession}.ext`, one item per file (or per read pair);
 * - `level1`: `{Species}/{accession}.ext`;
 * - `level2`: `{Species}/{accession}/*`, one item with every file of the accession's directory;
 * - `lab`: `{Species}/{individual}/{files}`, a lab's hand-filled tree, one item per individual;
 * - `files`: no naming rule, one item per file (or read pair): URL lists, GenBank divisions, metadata feeds.
 */
export type LayoutName = "level0" | "level1" | "level2" | "lab" | "files";
export const LAYOUT_NAMES: readonly LayoutName[] = ["level0", "level1", "level2", "lab", "files"];

/** The built-in processing steps; `command` steps run a program of the user's. */
export const BUILTIN_STEPS = [
  "ingest",
  "parse",
  "convert",
  "consolidate",
  "snapshot",
  "load",
  "checksum",
  "expression",
] as const;
export type BuiltinStep = (typeof BUILTIN_STEPS)[number];

/**
 * What the configuration needs to know about a source kind: the keys its `[source.X]` and `[data.Y]`
 * sections may hold, the layouts its trees can have and the steps that mean something for it. The behaviour
 * (listing, fetching, items) lives with the kind's adapter in `@omicslake/sources`; a kind is added by
 * registering its spec there, with no edit here.
 */
export interface SourceKindSpec {
  readonly kind: string;
  /** Other names a config may use (`directory` for `internal`). */
  readonly aliases?: readonly string[];
  /** One line for `omicslake config describe` and error hints. */
  readonly description: string;
  /** Keys of `[source.X]` beyond the common ones (kind, description, url, path, layout, requests_per_second, options). */
  readonly sourceKeys: Readonly<Record<string, OptionSpec>>;
  /** Keys of `[data.Y]` beyond the common ones (source, role, directory, processing, include, exclude, tags, …). */
  readonly dataKeys: Readonly<Record<string, OptionSpec>>;
  /** Keys of the `options` table of either section (downloader settings, feed choices). */
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Layouts a tree of this kind may have; the first is the default. */
  readonly layouts: readonly [LayoutName, ...LayoutName[]];
  /** Whether `[source.X] path` (the local root) is required, allowed or refused. */
  readonly path: "required" | "optional" | "refused";
  /** Whether `[source.X] url` means something for this kind. */
  readonly url: "required" | "optional" | "refused";
  /** The built-in steps this kind's datasets can run (command steps run on any kind with items). */
  readonly steps: readonly BuiltinStep[];
  /**
   * Cross-key rules no single key spec can state (a taxid filter that needs a taxonomy dump, a download
   * command that needs a placeholder). Each problem names the section (`source` or `data`) and key.
   */
  check?(
    source: Readonly<Record<string, unknown>>,
    data: Readonly<Record<string, unknown>> | undefined,
  ): readonly SourceKindProblem[];
}

export interface SourceKindProblem {
  readonly section: "source" | "data";
  readonly key: string;
  readonly message: string;
  readonly hint: string;
}

const registry = new Map<string, SourceKindSpec>();

/**
 * Makes a kind known to the configuration. Registering the same spec again is a no-op; another spec under a
 * taken name is a bug and throws.
 */
export function registerSourceKind(spec: SourceKindSpec): void {
  for (const name of [spec.kind, ...(spec.aliases ?? [])]) {
    const current = registry.get(name);
    if (current !== undefined && current !== spec) {
      throw new Error(`source kind "${name}" is registered twice (${current.kind} and ${spec.kind})`);
    }
    registry.set(name, spec);
  }
}

/** The spec of a kind or one of its aliases. */
export function sourceKindSpec(kind: string): SourceKindSpec | undefined {
  return registry.get(kind);
}

/** Every registered kind's canonical name, sorted (aliases left out). */
export function registeredSourceKinds(): readonly string[] {
  return [...new Set([...registry.values()].map((spec) => spec.kind))].sort();
}

/** Every name a config may write as `kind`, aliases included. */
export function sourceKindNames(): readonly string[] {
  return [...registry.keys()].sort();
}
