import { registerSourceKind, type SourceKindSpec } from "./source-kind-spec.js";
import { DATASET_ACCESSIONS, SOURCE_OPTION_SPECS, type OptionSpec } from "./source-option-specs.js";

/**
 * The public-metadata feeds (SRA, GEO, BioSample, BioProject, PubMed) as source kinds. They are registered
 * here, beside the catalog's own flow, because every process of a lake reads them; the other kinds (genome
 * and read collections, lab trees, URL lists) register from `@omicslake/sources`.
 */
const METADATA_STEPS = ["ingest", "parse", "consolidate", "snapshot", "load", "checksum"] as const;

function accessionsKey(kind: string): Record<string, OptionSpec> {
  const rule = DATASET_ACCESSIONS[kind];
  if (!rule) return {};
  return {
    accessions: {
      value: { type: "strings", pattern: rule.pattern, example: rule.what },
      meaning: `${rule.what} to keep`,
    },
  };
}

function metadataKind(kind: string, description: string, sourceKeys: Record<string, OptionSpec> = {}) {
  return {
    kind,
    description,
    sourceKeys,
    dataKeys: accessionsKey(kind),
    options: SOURCE_OPTION_SPECS[kind] ?? {},
    layouts: ["files"],
    path: "refused",
    url: "optional",
    steps: METADATA_STEPS,
  } satisfies SourceKindSpec;
}

export const PUBLIC_METADATA_KINDS: readonly SourceKindSpec[] = [
  metadataKind("sra", "NCBI SRA metadata: Mirroring batches and SRA_Accessions.tab"),
  metadataKind("geo", "NCBI GEO records (SOFT) by accession or by month of update", {
    api_key: {
      value: { type: "string" },
      meaning: "NCBI E-utilities API key (raises the rate limit to 10 requests/s)",
    },
    email: { value: { type: "string" }, meaning: "contact e-mail sent to NCBI E-utilities" },
  }),
  metadataKind("biosample", "NCBI BioSample dump (biosample_set.xml.gz)"),
  metadataKind("bioproject", "NCBI BioProject dump (bioproject.xml)"),
  metadataKind("pubmed", "PubMed baseline and update files"),
];

for (const spec of PUBLIC_METADATA_KINDS) registerSourceKind(spec);
