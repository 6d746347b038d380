import { SRA_ENTITY_SQL } from "../consolidation/sql/sra-entity.sql.js";
import { SRA_VIEW_SQL } from "../snapshot/sql/snapshot-views.sql.js";
import type { CuratedDefinition, EntityDefinition, SnapshotViewDefinition } from "./entity-definition.js";
import { filter as f } from "./filter-definition.js";
import { col, int, lower, text, timestamp, tsv, arrayOf } from "./serving-column-sql.js";

/** SRA studies, samples, experiments and runs, from the SRA metadata XML batches. */

const curated: CuratedDefinition = {
  format: "sra",
  sql: SRA_ENTITY_SQL,
  rule: "latest batch; Incremental over Full on the same date",
};

// Fields every SRA object carries, in table order (a study has no BioSample of its own).
const titleAndProject = {
  title: col("text", text("title"), false),
  center_name: col("text", lower("centerName")),
  bioproject: col("text", text("bioproject")),
};
const biosample = col("text", text("biosample"));
const geoAccession = col("text", text("geoAccession"));

// Filters every SRA object has: the links to BioProject, BioSample and GEO, and the submitting center.
const bioprojectFilter = f("bioproject", "bioproject", "exact", "BioProject accession", "PRJNA258012");
const biosampleFilter = f("biosample", "biosample", "exact", "BioSample accession", "SAMN02981965");
const linkFilters = [
  f("geo_accession", "geo_accession", "exact", "GEO accession (GSE for studies, GSM otherwise)", "GSE60314"),
  f("center_name", "center_name", "lower", "Submitting center (case-insensitive)", "GEO"),
] as const;

export const SRA_STUDY_COLUMNS = {
  ...titleAndProject,
  geo_accession: geoAccession,
  study_type: col("text", lower("studyType")),
  pubmed_ids: col("integer[]", arrayOf("pubmedIds", "integer")),
};

export const SRA_STUDY = {
  key: "sra_study",
  curated,
  serving: {
    columns: SRA_STUDY_COLUMNS,
    search: tsv({ A: ["title"], B: ["abstract", "description"], C: ["centerProjectName", "alias"] }),
  },
  filters: [
    f("study_type", "study_type", "lower", "STUDY_TYPE (case-insensitive)", "Transcriptome Analysis"),
    f("pubmed_id", "pubmed_ids", "int_in_array", "Studies citing this PubMed id", 26732976),
    bioprojectFilter,
    ...linkFilters,
  ],
  api: {
    path: "/v1/sra/studies",
    tag: "sra",
    noun: "SRA study",
    plural: "SRA studies",
    exampleAccessions: ["SRP045421", "ERP017353"],
    example: {
      accession: "SRP045421",
      title: "Drosophila melanogaster natural variation",
      studyType: "Transcriptome Analysis",
      bioproject: "PRJNA258012",
    },
  },
  parents: [
    { parent: "bioproject", segment: "sra-studies", anyOf: [{ kind: "equals", column: "bioproject" }] },
  ],
} as const satisfies EntityDefinition<typeof SRA_STUDY_COLUMNS>;

export const SRA_SAMPLE_COLUMNS = {
  ...titleAndProject,
  biosample,
  geo_accession: geoAccession,
  organism: col("text", lower("scientificName")),
  taxon_id: col("integer", int("taxonId")),
};

export const SRA_SAMPLE = {
  key: "sra_sample",
  curated,
  serving: {
    columns: SRA_SAMPLE_COLUMNS,
    search: tsv({ A: ["title"], B: ["description", "scientificName"], C: ["commonName", "alias"] }),
  },
  filters: [
    f("organism", "organism", "lower", "Scientific name (case-insensitive)", "Drosophila melanogaster"),
    f("taxon_id", "taxon_id", "int", "NCBI Taxonomy id", 7227),
    bioprojectFilter,
    biosampleFilter,
    ...linkFilters,
  ],
  api: {
    path: "/v1/sra/samples",
    tag: "sra",
    noun: "SRA sample",
    plural: "SRA samples",
    exampleAccessions: ["SRS4237519", "ERS1370008"],
    example: {
      accession: "SRS4237519",
      scientificName: "Homo sapiens",
      taxonId: 9606,
      biosample: "SAMN10804434",
    },
  },
  parents: [
    {
      // A sample names no study; the experiments done on it do.
      parent: "sra_study",
      segment: "samples",
      anyOf: [
        {
          kind: "through",
          column: "accession",
          through: { entity: "sra_experiment", select: "sample_accession", match: "study_accession" },
        },
      ],
    },
  ],
} as const satisfies EntityDefinition<typeof SRA_SAMPLE_COLUMNS>;

export const SRA_EXPERIMENT_COLUMNS = {
  ...titleAndProject,
  biosample,
  geo_accession: geoAccession,
  study_accession: col("text", text("studyAccession")),
  sample_accession: col("text", text("sampleAccession")),
  library_strategy: col("text", lower("library.strategy")),
  library_source: col("text", lower("library.source")),
  library_selection: col("text", lower("library.selection")),
  library_layout: col("text", lower("library.layout")),
  platform: col("text", lower("platform")),
  instrument_model: col("text", lower("instrumentModel")),
};

export const SRA_EXPERIMENT = {
  key: "sra_experiment",
  curated,
  serving: {
    columns: SRA_EXPERIMENT_COLUMNS,
    search: tsv({
      A: ["title"],
      B: ["designDescription", "library.constructionProtocol"],
      C: ["library.name", "alias"],
    }),
  },
  filters: [
    f("study", "study_accession", "exact", "Study accession", "SRP192693"),
    f("sample", "sample_accession", "exact", "Sample accession", "SRS4631629"),
    f("library_strategy", "library_strategy", "lower", "LIBRARY_STRATEGY (case-insensitive)", "RNA-Seq"),
    f("library_source", "library_source", "lower", "LIBRARY_SOURCE (case-insensitive)", "TRANSCRIPTOMIC"),
    f("library_selection", "library_selection", "lower", "LIBRARY_SELECTION (case-insensitive)", "cDNA"),
    f("library_layout", "library_layout", "lower", "SINGLE or PAIRED", "PAIRED"),
    f("platform", "platform", "lower", "Sequencing platform (case-insensitive)", "ILLUMINA"),
    f(
      "instrument_model",
      "instrument_model",
      "lower",
      "Instrument model (case-insensitive)",
      "Illumina HiSeq 2500",
    ),
    bioprojectFilter,
    biosampleFilter,
    ...linkFilters,
  ],
  api: {
    path: "/v1/sra/experiments",
    tag: "sra",
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
  },
  parents: [
    { parent: "sra_study", segment: "experiments", anyOf: [{ kind: "equals", column: "study_accession" }] },
  ],
} as const satisfies EntityDefinition<typeof SRA_EXPERIMENT_COLUMNS>;

export const SRA_RUN_COLUMNS = {
  ...titleAndProject,
  biosample,
  geo_accession: geoAccession,
  experiment_accession: col("text", text("experimentAccession")),
  study_accession: col("text", text("studyAccession")),
  sample_accession: col("text", text("sampleAccession")),
  platform: col("text", lower("platform")),
  instrument_model: col("text", lower("instrumentModel")),
  published: col("timestamptz", timestamp("published")),
  total_spots: col("bigint", int("totalSpots", "bigint"), false),
  total_bases: col("bigint", int("totalBases", "bigint")),
};

export const SRA_RUN = {
  key: "sra_run",
  curated,
  serving: {
    columns: SRA_RUN_COLUMNS,
    search: tsv({ A: ["title"], B: ["experimentRefname"], C: ["alias"] }),
  },
  filters: [
    f("experiment", "experiment_accession", "exact", "Experiment accession", "SRX5262858"),
    f("study", "study_accession", "exact", "Study accession (when the run record names it)", "ERP017353"),
    f("sample", "sample_accession", "exact", "Sample accession (when the run record names it)", "ERS1370008"),
    f("platform", "platform", "lower", "Sequencing platform (case-insensitive)", "ILLUMINA"),
    f(
      "instrument_model",
      "instrument_model",
      "lower",
      "Instrument model (case-insensitive)",
      "Illumina HiSeq 2000",
    ),
    f("published_from", "published", "date_from", "Published on or after (YYYY-MM-DD)", "2016-01-01"),
    f("published_to", "published", "date_to", "Published on or before (YYYY-MM-DD)", "2020-12-31"),
    f("min_bases", "total_bases", "int_from", "At least this many bases", 1_000_000_000),
    f("max_bases", "total_bases", "int_to", "At most this many bases", 10_000_000_000),
    bioprojectFilter,
    biosampleFilter,
    ...linkFilters,
  ],
  api: {
    path: "/v1/sra/runs",
    tag: "sra",
    noun: "SRA run",
    plural: "SRA runs",
    exampleAccessions: ["SRR8426358", "ERR1662611"],
    example: {
      accession: "SRR8426358",
      experimentAccession: "SRX5262858",
      totalSpots: 24331164,
      totalBases: 3803482950,
      published: "2019-01-17T13:10:26Z",
    },
  },
  // Mirroring run records often omit the study and sample; their experiment always names both.
  parents: [
    {
      parent: "sra_study",
      segment: "runs",
      anyOf: [
        { kind: "equals", column: "study_accession" },
        {
          kind: "through",
          column: "experiment_accession",
          through: { entity: "sra_experiment", select: "accession", match: "study_accession" },
        },
      ],
    },
    {
      parent: "sra_experiment",
      segment: "runs",
      anyOf: [{ kind: "equals", column: "experiment_accession" }],
    },
    {
      parent: "sra_sample",
      segment: "runs",
      anyOf: [
        { kind: "equals", column: "sample_accession" },
        {
          kind: "through",
          column: "experiment_accession",
          through: { entity: "sra_experiment", select: "accession", match: "sample_accession" },
        },
      ],
    },
  ],
} as const satisfies EntityDefinition<typeof SRA_RUN_COLUMNS>;

export const SRA_SNAPSHOT_VIEWS = [
  { name: "sra", reads: ["sra_run", "sra_experiment", "sra_sample", "sra_study"], sql: SRA_VIEW_SQL },
] as const satisfies readonly SnapshotViewDefinition[];
