import { GEO_ENTITY_SQL } from "../consolidation/sql/geo-entity.sql.js";
import {
  GEO_SUPPLEMENTARY_FILE_VIEW_SQL,
  GSE_GPL_VIEW_SQL,
  GSE_GSM_VIEW_SQL,
} from "../snapshot/sql/snapshot-views.sql.js";
import type { CuratedDefinition, EntityDefinition, SnapshotViewDefinition } from "./entity-definition.js";
import { filter as f } from "./filter-definition.js";
import { arrayOf, col, date, lower, nestedArray, text, tsv } from "./serving-column-sql.js";

/** GEO series, samples and platforms, from the SOFT files. */

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

export const GEO_SNAPSHOT_VIEWS = [
  { name: "gse_gsm", reads: ["geo_series", "geo_sample"], sql: GSE_GSM_VIEW_SQL },
  { name: "gse_gpl", reads: ["geo_series", "geo_platform"], sql: GSE_GPL_VIEW_SQL },
  {
    name: "geo_supplementary_file",
    reads: ["geo_series", "geo_sample", "geo_platform"],
    sql: GEO_SUPPLEMENTARY_FILE_VIEW_SQL,
  },
] as const satisfies readonly SnapshotViewDefinition[];
