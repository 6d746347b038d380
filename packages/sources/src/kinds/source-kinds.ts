import { registerSourceKind, sourceKindSpec } from "@omicslake/core";
import { SourceConfigError } from "../upstream-error.js";
import { genbankSourceKind } from "./genbank/genbank-source-kind.js";
import { ncbiGenomesSourceKind } from "./ncbi-genomes/ncbi-genomes-source-kind.js";
import { internalSourceKind } from "./internal/internal-source-kind.js";
import { s3SourceKind } from "./s3/s3-source-kind.js";
import { PUBLIC_METADATA_SOURCE_KINDS } from "./public-metadata/public-metadata-kinds.js";
import type { SourceKind } from "./source-kind.js";
import { sraReadsSourceKind } from "./sra-reads/sra-reads-source-kind.js";
import { urlSourceKind } from "./url/url-source-kind.js";

/** Every source kind, one folder each. Adding a kind means adding its `SourceKind` here. */
export const SOURCE_KINDS: readonly SourceKind[] = [
  ...PUBLIC_METADATA_SOURCE_KINDS,
  internalSourceKind,
  sraReadsSourceKind,
  ncbiGenomesSourceKind,
  genbankSourceKind,
  urlSourceKind,
  s3SourceKind,
];

for (const kind of SOURCE_KINDS) registerSourceKind(kind.spec);

// Kinds added at run time (a plugin, a test's own kind), after the built-in ones.
const added: SourceKind[] = [];

/**
 * Makes a kind outside `SOURCE_KINDS` known, to the configuration (its spec) and to the runner. Adding the
 * same kind again is a no-op; another kind under a taken name throws, as `registerSourceKind` does.
 */
export function addSourceKind(kind: SourceKind): void {
  registerSourceKind(kind.spec);
  if (!SOURCE_KINDS.includes(kind) && !added.includes(kind)) added.push(kind);
}

/** The kind a config names (aliases resolved). */
export function sourceKind(name: string): SourceKind {
  const spec = sourceKindSpec(name);
  const kind = [...SOURCE_KINDS, ...added].find((k) => k.spec === spec);
  if (!kind) {
    throw new SourceConfigError(`no source kind "${name}"`, {
      details: { kind: name },
      hint: `Source kinds: ${[...SOURCE_KINDS, ...added].map((k) => k.spec.kind).join(", ")}`,
    });
  }
  return kind;
}
