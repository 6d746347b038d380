import { registerSourceKind, sourceKindSpec } from "@omicslake/core";
import { SourceConfigError } from "../upstream-error.js";
import { genbankSourceKind } from "./genbank/genbank-source-kind.js";
import { ncbiGenomesSourceKind } from "./ncbi-genomes/ncbi-genomes-source-kind.js";
import { internalSourceKind } from "./internal/internal-source-kind.js";
import { s3SourceKind } from "./s3/s3-source-kind.js";
import type { SourceKind } from "./source-kind.js";
import { sraReadsSourceKind } from "./sra-reads/sra-reads-source-kind.js";
import { urlSourceKind } from "./url/url-source-kind.js";

/** Every source kind, one folder each. Adding a kind means adding its `SourceKind` here. */
export const SOURCE_KINDS: readonly SourceKind[] = [
  internalSourceKind,
  sraReadsSourceKind,
  ncbiGenomesSourceKind,
  genbankSourceKind,
  urlSourceKind,
  s3SourceKind,
];

for (const kind of SOURCE_KINDS) registerSourceKind(kind.spec);

/** The kind a config names (aliases resolved). */
export function sourceKind(name: string): SourceKind {
  const spec = sourceKindSpec(name);
  const kind = SOURCE_KINDS.find((k) => k.spec === spec);
  if (!kind) {
    throw new SourceConfigError(`no source kind "${name}"`, {
      details: { kind: name },
      hint: `Source kinds: ${SOURCE_KINDS.map((k) => k.spec.kind).join(", ")}`,
    });
  }
  return kind;
}
