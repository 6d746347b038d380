import { SRA_ACCESSIONS_SQL } from "../consolidation/sql/sra-accessions.sql.js";
import { SRA_ENTITY_SQL } from "../consolidation/sql/sra-entity.sql.js";
import { SRA_VIEW_SQL } from "../snapshot/sql/snapshot-views.sql.js";
import type { CuratedDefinition, EntityDefinition, SnapshotViewDefinition } from "./entity-definition.js";
import { filter as f } from "./filter-definition.js";
import { col, int, lower, text, timestamp, tsv, arrayOf } from "./serving-column-sql.js";

/**
 * SRA studies, samples, experiments, runs and submissions, from the SRA metadata XML batches, each with its
 * status, visibility and last update from `sra_accessions` (the rows of SRA_Accessions.tab).
 */

const curated: CuratedDefinition = {
  format: "sra",
  sql: SRA_ENTITY_SQL,
  rule: "latest batch; Incremental over Full on the same date; status from sra_accessions",
  reads: ["sra_accessions"],
};

// Fields every SRA object carries, in table order (a study has no BioSample of its own).
const titleAndProject = {
  title: col("text", text("title"), false),
  center_name: col("text", lower("centerName")),
  bioproject: col("text", text("bioproject")),
};
const biosample = col("text", text("biosample"));
const geoAccession = col("text", text("geoAccession"));
// Every SRA object's state in SRA_Accessions.tab, joined in at consolidation (NULL when the file has no row).
const accessionState = {
  status: col("text", lower("status")),
  visibility: col("text", lower("visibility")),
  updated: col("timestamptz", timestamp("updated")),
};

// Filters every SRA object has: the links to BioProject, BioSample and GEO, and the submitting center.
const bioprojectFilter = f("bioproject", "bioproject", "exact", "BioProject accession", "PRJNA258012");
const biosampleFilter = f("biosample", "biosample", "exact", "BioSample accession", "SAMN02981965");
const linkFilters = [
  f("geo_accession", "geo_accession", "exact", "GEO accession (GSE for studies, GSM otherwise)", "GSE60314"),
  f("center_name", "center_name", "lower", "Submitting center (case-insensitive)", "GEO"),
] as const;
// Filters on the SRA_Accessions.tab state every SRA object has.
const stateFilters = [
  f(
    "status",
    "status",
    "lower",
    "Status in SRA_Accessions.tab (live, suppressed, unpublished, withdrawn)",
    "live",
  ),
  f(
    "visibility",
    "visibility",
    "lower",
    "Visibility in SRA_Accessions.tab (public, controlled_access)",
    "public",
  ),
  f(
    "updated_from",
    "updated",
    "date_from",
    "Updated on or after (YYYY-MM-DD), per SRA_Accessions.tab",
    "2019-01-01",
  ),
  f(
    "updated_to",
    "updated",
    "date_to",
    "Updated on or before (YYYY-MM-DD), per SRA_Accessions.tab",
    "2020-12-31",
  ),
] as const;
// A submission lists the objects SRA_Accessions.tab files under it.
const throughSubmission = {
  kind: "through",
  column: "accession",
  through: { entity: "sra_accessions", select: "accession", match: "submission" },
} as const;

export const SRA_STUDY_COLUMNS = {
  ...titleAndProject,
  geo_accession: geoAccession,
  study_type: col("text", lower("studyType")),
  pubmed_ids: col("integer[]", arrayOf("pubmedIds", "integer")),
  ...accessionState,
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
    ...stateFilters,
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
    { parent: "sra_submission", segment: "studies", anyOf: [throughSubmission] },
  ],
} as const satisfies EntityDefinition<typeof SRA_STUDY_COLUMNS>;

export const SRA_SAMPLE_COLUMNS = {
  ...titleAndProject,
  biosample,
  geo_accession: geoAccession,
  organism: col("text", lower("scientificName")),
  taxon_id: col("integer", int("taxonId")),
  ...accessionState,
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
    ...stateFilters,
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
    { parent: "sra_submission", segment: "samples", anyOf: [throughSubmission] },
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
  submission_accession: col("text", text("submissionAccession")),
  ...accessionState,
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
    f(
      "submission",
      "submission_accession",
      "exact",
      "Submission accession (efetch packages name it)",
      "SRA874595",
    ),
    bioprojectFilter,
    biosampleFilter,
    ...linkFilters,
    ...stateFilters,
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
    {
      parent: "sra_submission",
      segment: "experiments",
      anyOf: [{ kind: "equals", column: "submission_accession" }, throughSubmission],
    },
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
  submission_accession: col("text", text("submissionAccession")),
  ...accessionState,
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
    f(
      "submission",
      "submission_accession",
      "exact",
      "Submission accession (efetch packages name it)",
      "SRA502713",
    ),
    bioprojectFilter,
    biosampleFilter,
    ...linkFilters,
    ...stateFilters,
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
    {
      parent: "sra_submission",
      segment: "runs",
      anyOf: [{ kind: "equals", column: "submission_accession" }, throughSubmission],
    },
  ],
} as const satisfies EntityDefinition<typeof SRA_RUN_COLUMNS>;

export const SRA_SUBMISSION_COLUMNS = {
  title: col("text", text("title"), false),
  center_name: col("text", lower("centerName")),
  broker_name: col("text", lower("brokerName")),
  lab_name: col("text", lower("labName")),
  submission_date: col("timestamptz", timestamp("submissionDate")),
  ...accessionState,
};

export const SRA_SUBMISSION = {
  key: "sra_submission",
  curated,
  serving: {
    columns: SRA_SUBMISSION_COLUMNS,
    search: tsv({ A: ["title"], B: ["submissionComment", "labName"], C: ["alias", "organization.name"] }),
  },
  filters: [
    f("center_name", "center_name", "lower", "Submitting center (case-insensitive)", "GEO"),
    f("broker_name", "broker_name", "lower", "Broker (case-insensitive)", "GEO"),
    f("lab_name", "lab_name", "lower", "Lab name (case-insensitive)", "European Nucleotide Archive"),
    f("submitted_from", "submission_date", "date_from", "Submitted on or after (YYYY-MM-DD)", "2016-01-01"),
    f("submitted_to", "submission_date", "date_to", "Submitted on or before (YYYY-MM-DD)", "2020-12-31"),
    ...stateFilters,
  ],
  api: {
    path: "/v1/sra/submissions",
    tag: "sra",
    noun: "SRA submission",
    plural: "SRA submissions",
    exampleAccessions: ["SRA502713", "ERA2689537"],
    example: {
      accession: "SRA502713",
      alias: "GEO: GSE92305",
      centerName: "GEO",
      brokerName: "GEO",
      submissionComment: "submission brokered by GEO",
    },
  },
  parents: [],
} as const satisfies EntityDefinition<typeof SRA_SUBMISSION_COLUMNS>;

export const SRA_ACCESSIONS_COLUMNS = {
  // A row's only human-given name is the submitter's alias; it stands as the title every entity lists.
  title: col("text", text("alias"), false),
  type: col("text", lower("type")),
  status: col("text", lower("status")),
  visibility: col("text", lower("visibility")),
  updated: col("timestamptz", timestamp("updated")),
  published: col("timestamptz", timestamp("published")),
  received: col("timestamptz", timestamp("received")),
  submission: col("text", text("submission")),
  study: col("text", text("study")),
  experiment: col("text", text("experiment")),
  sample: col("text", text("sample")),
  biosample: col("text", text("biosample")),
  bioproject: col("text", text("bioproject")),
  replaced_by: col("text", text("replacedBy")),
};

export const SRA_ACCESSIONS = {
  key: "sra_accessions",
  curated: {
    format: "sra-accessions",
    sql: SRA_ACCESSIONS_SQL,
    rule: "the latest fetch of SRA_Accessions.tab; its last line per accession",
  },
  serving: {
    columns: SRA_ACCESSIONS_COLUMNS,
    search: tsv({ A: ["alias"], B: ["center"], C: [] }),
  },
  filters: [
    f("type", "type", "lower", "Object type (SUBMISSION, STUDY, SAMPLE, EXPERIMENT, RUN, ANALYSIS)", "RUN"),
    f("status", "status", "lower", "Status (live, suppressed, unpublished, withdrawn)", "live"),
    f("visibility", "visibility", "lower", "Visibility (public, controlled_access)", "public"),
    f("updated_from", "updated", "date_from", "Updated on or after (YYYY-MM-DD)", "2019-01-01"),
    f("updated_to", "updated", "date_to", "Updated on or before (YYYY-MM-DD)", "2020-12-31"),
    f("published_from", "published", "date_from", "Published on or after (YYYY-MM-DD)", "2016-01-01"),
    f("published_to", "published", "date_to", "Published on or before (YYYY-MM-DD)", "2020-12-31"),
    f("received_from", "received", "date_from", "Received on or after (YYYY-MM-DD)", "2016-01-01"),
    f("received_to", "received", "date_to", "Received on or before (YYYY-MM-DD)", "2020-12-31"),
    f("submission", "submission", "exact", "Submission accession", "SRA502713"),
    f("study", "study", "exact", "Study accession", "SRP094985"),
    f("experiment", "experiment", "exact", "Experiment accession", "SRX2416970"),
    f("sample", "sample", "exact", "Sample accession", "SRS1854358"),
    f("biosample", "biosample", "exact", "BioSample accession", "SAMN06134387"),
    f("bioproject", "bioproject", "exact", "BioProject accession", "PRJNA357158"),
    f("replaced_by", "replaced_by", "exact", "The accession that replaces it", "SRR8426398"),
  ],
  api: {
    path: "/v1/sra/accessions",
    tag: "sra",
    noun: "SRA accession",
    plural: "SRA accessions",
    exampleAccessions: ["SRR5100239", "SRP094985"],
    example: {
      accession: "SRR5100239",
      submission: "SRA502713",
      status: "live",
      type: "RUN",
      visibility: "public",
      updated: "2016-12-14T16:12:25Z",
      spots: 25818690,
      bases: 2581869000,
    },
  },
  parents: [
    { parent: "sra_submission", segment: "accessions", anyOf: [{ kind: "equals", column: "submission" }] },
  ],
} as const satisfies EntityDefinition<typeof SRA_ACCESSIONS_COLUMNS>;

export const SRA_SNAPSHOT_VIEWS = [
  { name: "sra", reads: ["sra_run", "sra_experiment", "sra_sample", "sra_study"], sql: SRA_VIEW_SQL },
] as const satisfies readonly SnapshotViewDefinition[];
