import { filter as f, type EntityFilter } from "./entity-query.js";
import type { EntityChildRoute, EntityRouteSpec } from "./entity-route-kit.js";

/** Filters every SRA object has: the links to BioProject, BioSample and GEO, and the submitting center. */
const linkFilters = (biosample: boolean): EntityFilter[] => [
  f("bioproject", "bioproject", "exact", "BioProject accession", "PRJNA258012"),
  ...(biosample ? [f("biosample", "biosample", "exact", "BioSample accession", "SAMN02981965")] : []),
  f("geo_accession", "geo_accession", "exact", "GEO accession (GSE for studies, GSM otherwise)", "GSE60314"),
  f("center_name", "center_name", "lower", "Submitting center (case-insensitive)", "GEO"),
];

const sraBase = { tag: "sra" } as const;

export const sraStudies: EntityRouteSpec = {
  ...sraBase,
  entity: "sra_study",
  path: "/v1/sra/studies",
  noun: "SRA study",
  plural: "SRA studies",
  exampleAccessions: ["SRP045421", "ERP017353"],
  example: { accession: "SRP045421", title: "Drosophila melanogaster natural variation", studyType: "Transcriptome Analysis", bioproject: "PRJNA258012" },
  filters: [
    f("study_type", "study_type", "lower", "STUDY_TYPE (case-insensitive)", "Transcriptome Analysis"),
    f("pubmed_id", "pubmed_ids", "int_in_array", "Studies citing this PubMed id", 26732976),
    ...linkFilters(false),
  ],
};

export const sraSamples: EntityRouteSpec = {
  ...sraBase,
  entity: "sra_sample",
  path: "/v1/sra/samples",
  noun: "SRA sample",
  plural: "SRA samples",
  exampleAccessions: ["SRS4237519", "ERS1370008"],
  example: { accession: "SRS4237519", scientificName: "Homo sapiens", taxonId: 9606, biosample: "SAMN10804434" },
  filters: [
    f("organism", "organism", "lower", "Scientific name (case-insensitive)", "Drosophila melanogaster"),
    f("taxon_id", "taxon_id", "int", "NCBI Taxonomy id", 7227),
    ...linkFilters(true),
  ],
};

export const sraExperiments: EntityRouteSpec = {
  ...sraBase,
  entity: "sra_experiment",
  path: "/v1/sra/experiments",
  noun: "SRA experiment",
  plural: "SRA experiments",
  exampleAccessions: ["SRX5692097", "ERX1732932"],
  example: {
    accession: "SRX5692097",
    studyAccession: "SRP192693",
    sampleAccession: "SRS4631629",
    library: { strategy: "RNA-Seq", source: "TRANSCRIPTOMIC", selection: "cDNA", layout: "PAIRED" },
    platform: "ILLUMINA",
    instrumentModel: "Illumina HiSeq 2500",
  },
  filters: [
    f("study", "study_accession", "exact", "Study accession", "SRP192693"),
    f("sample", "sample_accession", "exact", "Sample accession", "SRS4631629"),
    f("library_strategy", "library_strategy", "lower", "LIBRARY_STRATEGY (case-insensitive)", "RNA-Seq"),
    f("library_source", "library_source", "lower", "LIBRARY_SOURCE (case-insensitive)", "TRANSCRIPTOMIC"),
    f("library_selection", "library_selection", "lower", "LIBRARY_SELECTION (case-insensitive)", "cDNA"),
    f("library_layout", "library_layout", "lower", "SINGLE or PAIRED", "PAIRED"),
    f("platform", "platform", "lower", "Sequencing platform (case-insensitive)", "ILLUMINA"),
    f("instrument_model", "instrument_model", "lower", "Instrument model (case-insensitive)", "Illumina HiSeq 2500"),
    ...linkFilters(true),
  ],
};

export const sraRuns: EntityRouteSpec = {
  ...sraBase,
  entity: "sra_run",
  path: "/v1/sra/runs",
  noun: "SRA run",
  plural: "SRA runs",
  exampleAccessions: ["SRR8426358", "ERR1662611"],
  example: { accession: "SRR8426358", experimentAccession: "SRX5262858", totalSpots: 24331164, published: "2019-01-17 13:10:26" },
  filters: [
    f("experiment", "experiment_accession", "exact", "Experiment accession", "SRX5262858"),
    f("study", "study_accession", "exact", "Study accession (when the run record names it)", "ERP017353"),
    f("sample", "sample_accession", "exact", "Sample accession (when the run record names it)", "ERS1370008"),
    f("platform", "platform", "lower", "Sequencing platform (case-insensitive)", "ILLUMINA"),
    f("instrument_model", "instrument_model", "lower", "Instrument model (case-insensitive)", "Illumina HiSeq 2000"),
    f("published_from", "published", "date_from", "Published on or after (YYYY-MM-DD)", "2016-01-01"),
    f("published_to", "published", "date_to", "Published on or before (YYYY-MM-DD)", "2020-12-31"),
    ...linkFilters(true),
  ],
};

const runsOfExperimentsWhere = (column: "study_accession" | "sample_accession"): string =>
  // Mirroring run records often omit the study and sample; their experiment always names both.
  `${column} = $parent OR experiment_accession IN (SELECT accession FROM sra_experiment WHERE ${column} = $parent)`;

export const sraChildRoutes: readonly EntityChildRoute[] = [
  {
    parent: sraStudies,
    child: sraSamples,
    segment: "samples",
    where: "accession IN (SELECT sample_accession FROM sra_experiment WHERE study_accession = $parent)",
  },
  { parent: sraStudies, child: sraExperiments, segment: "experiments", where: "study_accession = $parent" },
  { parent: sraStudies, child: sraRuns, segment: "runs", where: runsOfExperimentsWhere("study_accession") },
  { parent: sraExperiments, child: sraRuns, segment: "runs", where: "experiment_accession = $parent" },
  { parent: sraSamples, child: sraRuns, segment: "runs", where: runsOfExperimentsWhere("sample_accession") },
];

export const sraRoutes: readonly EntityRouteSpec[] = [sraStudies, sraSamples, sraExperiments, sraRuns];
