import { GEO_DATASET_SQL, GEO_ENTITY_SQL, GEO_SUBSET_SQL } from "../consolidation/sql/geo-entity.sql.js";
import {
  GDS_GSE_VIEW_SQL,
  GDS_GSM_VIEW_SQL,
  GEO_SUPPLEMENTARY_FILE_VIEW_SQL,
  GSE_GPL_VIEW_SQL,
  GSE_GSM_VIEW_SQL,
} from "../snapshot/sql/snapshot-views.sql.js";
import type { CuratedDefinition, EntityDefinition, SnapshotViewDefinition } from "./entity-definition.js";
import { filter as f } from "./filter-definition.js";
import { arrayOf, col, date, int, lower, nestedArray, text, tsv } from "./serving-column-sql.js";

/** GEO series, samples, platforms, datasets (GDS) and their subsets, from the SOFT files. */

const curated: CuratedDefinition = { format: "geo", sql: GEO_ENTITY_SQL, rule: "latest lastUpdateDate" };

const dates = {
  submission_date: col("date", date("submissionDate")),
  last_update_date: col("date", date("lastUpdateDate")),
  public_date: col("date", date("publicDate")),
};

const dateFilters = [
  f("submitted_from", "submission_date", "date_from", "Submitted on or after (YYYY-MM-DD)", "2015-01-01"),
  f("submitted_to", "submission_date", "date_to", "Submitted on or before (YYYY-MM-DD)", "2020-12-31"),
  f("updated_from", "last_update_date", "date_from", "Last updated on or after (YYYY-MM-DD)", "2019-01-01"),
  f("updated_to", "last_update_date", "date_to", "Last updated on or before (YYYY-MM-DD)", "2021-12-31"),
  f("published_from", "public_date", "date_from", "Made public on or after (YYYY-MM-DD)", "2017-01-01"),
  f("published_to", "public_date", "date_to", "Made public on or before (YYYY-MM-DD)", "2021-12-31"),
] as const;

export const GEO_SERIES_COLUMNS = {
  title: col("text", text("title"), false),
  series_types: col("text[]", arrayOf("types", "lower")),
  organisms: col(
    "text[]",
    `ARRAY(SELECT DISTINCT x FROM unnest(coalesce(${arrayOf("sampleOrganisms", "lower")}, '{}') || coalesce(${arrayOf("platformOrganisms", "lower")}, '{}')) x)`,
  ),
  taxon_ids: col(
    "integer[]",
    `ARRAY(SELECT DISTINCT x FROM unnest(coalesce(${arrayOf("sampleTaxids", "integer")}, '{}') || coalesce(${arrayOf("platformTaxids", "integer")}, '{}')) x WHERE x IS NOT NULL)`,
  ),
  platform_ids: col("text[]", arrayOf("platformIds", "text")),
  sample_ids: col("text[]", arrayOf("sampleIds", "text"), false),
  bioprojects: col("text[]", arrayOf("bioprojects", "text")),
  pubmed_ids: col("integer[]", arrayOf("pubmedIds", "integer")),
  ...dates,
};

export const GEO_SERIES = {
  key: "geo_series",
  curated,
  serving: {
    columns: GEO_SERIES_COLUMNS,
    search: tsv({ A: ["title"], B: ["summary", "overallDesign"], C: [] }),
  },
  filters: [
    f(
      "series_type",
      "series_types",
      "lower_in_array",
      "Series type (case-insensitive)",
      "Expression profiling by high throughput sequencing",
    ),
    f(
      "organism",
      "organisms",
      "lower_in_array",
      "Sample or platform organism (case-insensitive)",
      "Homo sapiens",
    ),
    f("taxon_id", "taxon_ids", "int_in_array", "Sample or platform NCBI Taxonomy id", 9606),
    f("platform", "platform_ids", "in_array", "Platform accession", "GPL20814"),
    f("bioproject", "bioprojects", "in_array", "BioProject accession", "PRJNA293166"),
    f("pubmed_id", "pubmed_ids", "int_in_array", "Series citing this PubMed id", 28536623),
    ...dateFilters,
  ],
  api: {
    path: "/v1/geo/series",
    tag: "geo",
    noun: "GEO series",
    plural: "GEO series",
    exampleAccessions: ["GSE105845", "GSE138657"],
    example: {
      accession: "GSE72138",
      title: "lncRNA profiling in colorectal cancer",
      types: ["Non-coding RNA profiling by array"],
      sampleTaxids: [9606],
    },
  },
  parents: [],
} as const satisfies EntityDefinition<typeof GEO_SERIES_COLUMNS>;

export const GEO_SAMPLE_COLUMNS = {
  title: col("text", text("title"), false),
  sample_type: col("text", lower("type")),
  organisms: col("text[]", nestedArray("channels", "organisms", "lower")),
  taxon_ids: col("integer[]", nestedArray("channels", "taxids", "integer")),
  platform_id: col("text", text("platformId")),
  series_ids: col("text[]", arrayOf("seriesIds", "text")),
  library_strategy: col("text", lower("libraryStrategy")),
  library_source: col("text", lower("librarySource")),
  library_selection: col("text", lower("librarySelection")),
  instrument_model: col("text", lower("instrumentModel")),
  biosamples: col("text[]", arrayOf("biosamples", "text")),
  sra_experiments: col("text[]", arrayOf("sraExperiments", "text")),
  ...dates,
};

export const GEO_SAMPLE = {
  key: "geo_sample",
  curated,
  serving: {
    columns: GEO_SAMPLE_COLUMNS,
    search: tsv({ A: ["title"], B: ["description"], C: ["type"] }),
  },
  filters: [
    f("sample_type", "sample_type", "lower", "Sample type (RNA, SRA, …; case-insensitive)", "SRA"),
    f(
      "organism",
      "organisms",
      "lower_in_array",
      "Organism of any channel (case-insensitive)",
      "Homo sapiens",
    ),
    f("taxon_id", "taxon_ids", "int_in_array", "NCBI Taxonomy id of any channel", 9606),
    f("platform", "platform_id", "exact", "Platform accession", "GPL11154"),
    f("series", "series_ids", "in_array", "Series accession", "GSE138657"),
    f("library_strategy", "library_strategy", "lower", "Library strategy (case-insensitive)", "RNA-Seq"),
    f("library_source", "library_source", "lower", "Library source (case-insensitive)", "transcriptomic"),
    f("library_selection", "library_selection", "lower", "Library selection (case-insensitive)", "cDNA"),
    f(
      "instrument_model",
      "instrument_model",
      "lower",
      "Instrument model (case-insensitive)",
      "Illumina HiSeq 2000",
    ),
    f("biosample", "biosamples", "in_array", "BioSample accession", "SAMN13001027"),
    f("sra_experiment", "sra_experiments", "in_array", "SRA experiment accession", "SRX6970343"),
    ...dateFilters,
  ],
  api: {
    path: "/v1/geo/samples",
    tag: "geo",
    noun: "GEO sample",
    plural: "GEO samples",
    exampleAccessions: ["GSM4114982", "GSM32878"],
    example: {
      accession: "GSM4114982",
      title: "RNA-seq_HCT116",
      type: "SRA",
      platformId: "GPL11154",
      seriesIds: ["GSE138647", "GSE138657"],
    },
  },
  parents: [
    { parent: "geo_series", segment: "samples", anyOf: [{ kind: "contains", column: "series_ids" }] },
  ],
} as const satisfies EntityDefinition<typeof GEO_SAMPLE_COLUMNS>;

export const GEO_PLATFORM_COLUMNS = {
  title: col("text", text("title"), false),
  technology: col("text", lower("technology")),
  distribution: col("text", lower("distribution")),
  manufacturer: col("text", lower("manufacturer")),
  organisms: col("text[]", arrayOf("organisms", "lower")),
  taxon_ids: col("integer[]", arrayOf("taxids", "integer")),
  series_ids: col("text[]", arrayOf("seriesIds", "text")),
  ...dates,
};

export const GEO_PLATFORM = {
  key: "geo_platform",
  curated,
  serving: {
    columns: GEO_PLATFORM_COLUMNS,
    search: tsv({ A: ["title"], B: ["description", "manufacturer"], C: ["technology"] }),
  },
  filters: [
    f("technology", "technology", "lower", "Technology (case-insensitive)", "in situ oligonucleotide"),
    f(
      "distribution",
      "distribution",
      "lower",
      "Distribution (commercial, custom-commercial, virtual, …)",
      "custom-commercial",
    ),
    f("manufacturer", "manufacturer", "lower", "Manufacturer (case-insensitive)", "LC Science"),
    f("organism", "organisms", "lower_in_array", "Organism (case-insensitive)", "Homo sapiens"),
    f("taxon_id", "taxon_ids", "int_in_array", "NCBI Taxonomy id", 9606),
    f("series", "series_ids", "in_array", "Series accession", "GSE72138"),
    ...dateFilters,
  ],
  api: {
    path: "/v1/geo/platforms",
    tag: "geo",
    noun: "GEO platform",
    plural: "GEO platforms",
    exampleAccessions: ["GPL20814", "GPL11154"],
    example: {
      accession: "GPL20814",
      technology: "in situ oligonucleotide",
      organisms: ["Homo sapiens"],
      manufacturer: "LC Science",
    },
  },
  parents: [
    {
      // A series names its platforms; a platform names only the series of its own SOFT file.
      parent: "geo_series",
      segment: "platforms",
      anyOf: [
        {
          kind: "through",
          column: "accession",
          through: { entity: "geo_series", select: "platform_ids", match: "accession" },
        },
        { kind: "contains", column: "series_ids" },
      ],
    },
  ],
} as const satisfies EntityDefinition<typeof GEO_PLATFORM_COLUMNS>;

export const GEO_DATASET_COLUMNS = {
  title: col("text", text("title"), false),
  dataset_type: col("text", lower("type")),
  platform_id: col("text", text("platform")),
  organisms: col(
    "text[]",
    `ARRAY(SELECT DISTINCT x FROM unnest(coalesce(${arrayOf("sampleOrganisms", "lower")}, '{}') || coalesce(${arrayOf("platformOrganisms", "lower")}, '{}')) x)`,
  ),
  series_ids: col("text[]", arrayOf("referenceSeries", "text")),
  pubmed_ids: col("integer[]", arrayOf("pubmedIds", "integer")),
  sample_type: col("text", lower("sampleType")),
  value_type: col("text", lower("valueType")),
  sample_count: col("integer", int("sampleCount")),
  update_date: col("date", date("updateDate")),
};

export const GEO_DATASET = {
  key: "geo_dataset",
  curated: { format: "geo", sql: GEO_DATASET_SQL, rule: "latest updateDate" },
  serving: {
    columns: GEO_DATASET_COLUMNS,
    search: tsv({ A: ["title"], B: ["description"], C: ["type"] }),
  },
  filters: [
    f(
      "dataset_type",
      "dataset_type",
      "lower",
      "Dataset type (case-insensitive)",
      "Expression profiling by array",
    ),
    f("platform", "platform_id", "exact", "Platform accession", "GPL97"),
    f(
      "organism",
      "organisms",
      "lower_in_array",
      "Sample or platform organism (case-insensitive)",
      "Homo sapiens",
    ),
    f("series", "series_ids", "in_array", "Reference series accession", "GSE781"),
    f("pubmed_id", "pubmed_ids", "int_in_array", "Datasets citing this PubMed id", 14641932),
    f("sample_type", "sample_type", "lower", "Sample type (RNA, genomic, …; case-insensitive)", "RNA"),
    f("value_type", "value_type", "lower", "Value type (count, transformed count, …)", "count"),
    f("samples_from", "sample_count", "int_from", "At least this many samples", 10),
    f("samples_to", "sample_count", "int_to", "At most this many samples", 100),
    f("updated_from", "update_date", "date_from", "Updated on or after (YYYY-MM-DD)", "2004-01-01"),
    f("updated_to", "update_date", "date_to", "Updated on or before (YYYY-MM-DD)", "2010-12-31"),
  ],
  api: {
    path: "/v1/geo/datasets",
    tag: "geo",
    noun: "GEO dataset",
    plural: "GEO datasets",
    exampleAccessions: ["GDS507"],
    example: {
      accession: "GDS507",
      title: "Renal clear cell carcinoma (HG-U133B)",
      type: "Expression profiling by array",
      platform: "GPL97",
      referenceSeries: ["GSE781"],
    },
  },
  parents: [
    // A GDS is curated from one or more series and is measured on one platform.
    { parent: "geo_series", segment: "datasets", anyOf: [{ kind: "contains", column: "series_ids" }] },
    { parent: "geo_platform", segment: "datasets", anyOf: [{ kind: "equals", column: "platform_id" }] },
  ],
} as const satisfies EntityDefinition<typeof GEO_DATASET_COLUMNS>;

export const GEO_SUBSET_COLUMNS = {
  dataset_id: col("text", text("datasetId")),
  subset_type: col("text", lower("type")),
  description: col("text", lower("description")),
  sample_ids: col("text[]", arrayOf("sampleIds", "text")),
};

export const GEO_SUBSET = {
  key: "geo_subset",
  curated: { format: "geo", sql: GEO_SUBSET_SQL, rule: "latest fetched copy (subsets carry no date)" },
  serving: {
    columns: GEO_SUBSET_COLUMNS,
    search: tsv({ A: ["description"], B: ["type"], C: [] }),
  },
  filters: [
    f("dataset", "dataset_id", "exact", "GEO dataset accession", "GDS507"),
    f(
      "subset_type",
      "subset_type",
      "lower",
      "What the subset groups samples by (case-insensitive)",
      "disease state",
    ),
    f("description", "description", "lower", "The subset's value (case-insensitive)", "normal"),
    f("sample", "sample_ids", "in_array", "Sample accession", "GSM11815"),
  ],
  api: {
    path: "/v1/geo/subsets",
    tag: "geo",
    noun: "GEO dataset subset",
    plural: "GEO dataset subsets",
    exampleAccessions: ["GDS507_1"],
    example: {
      accession: "GDS507_1",
      datasetId: "GDS507",
      description: "normal",
      type: "disease state",
      sampleIds: ["GSM11815", "GSM11832"],
    },
  },
  parents: [
    { parent: "geo_dataset", segment: "subsets", anyOf: [{ kind: "equals", column: "dataset_id" }] },
    { parent: "geo_sample", segment: "subsets", anyOf: [{ kind: "contains", column: "sample_ids" }] },
  ],
} as const satisfies EntityDefinition<typeof GEO_SUBSET_COLUMNS>;

export const GEO_SNAPSHOT_VIEWS = [
  { name: "gse_gsm", reads: ["geo_series", "geo_sample"], sql: GSE_GSM_VIEW_SQL },
  { name: "gse_gpl", reads: ["geo_series", "geo_platform"], sql: GSE_GPL_VIEW_SQL },
  {
    name: "geo_supplementary_file",
    reads: ["geo_series", "geo_sample", "geo_platform"],
    sql: GEO_SUPPLEMENTARY_FILE_VIEW_SQL,
  },
  { name: "gds_gse", reads: ["geo_dataset"], sql: GDS_GSE_VIEW_SQL },
  { name: "gds_gsm", reads: ["geo_subset"], sql: GDS_GSM_VIEW_SQL },
] as const satisfies readonly SnapshotViewDefinition[];
