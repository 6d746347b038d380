import { filter as f, type EntityFilter } from "./entity-query.js";
import type { EntityChildRoute, EntityRouteSpec } from "./entity-route-kit.js";

const dateFilters = (): EntityFilter[] => [
  f("submitted_from", "submission_date", "date_from", "Submitted on or after (YYYY-MM-DD)", "2015-01-01"),
  f("submitted_to", "submission_date", "date_to", "Submitted on or before (YYYY-MM-DD)", "2020-12-31"),
  f("updated_from", "last_update_date", "date_from", "Last updated on or after (YYYY-MM-DD)", "2019-01-01"),
  f("updated_to", "last_update_date", "date_to", "Last updated on or before (YYYY-MM-DD)", "2021-12-31"),
  f("published_from", "public_date", "date_from", "Made public on or after (YYYY-MM-DD)", "2017-01-01"),
  f("published_to", "public_date", "date_to", "Made public on or before (YYYY-MM-DD)", "2021-12-31"),
];

export const geoSeries: EntityRouteSpec = {
  entity: "geo_series",
  path: "/v1/geo/series",
  tag: "geo",
  noun: "GEO series",
  plural: "GEO series",
  exampleAccessions: ["GSE105845", "GSE138657"],
  example: { accession: "GSE72138", title: "lncRNA profiling in colorectal cancer", types: ["Non-coding RNA profiling by array"], sampleTaxids: [9606] },
  filters: [
    f("series_type", "series_types", "lower_in_array", "Series type (case-insensitive)", "Expression profiling by high throughput sequencing"),
    f("organism", "organisms", "lower_in_array", "Sample or platform organism (case-insensitive)", "Homo sapiens"),
    f("taxon_id", "taxon_ids", "int_in_array", "Sample or platform NCBI Taxonomy id", 9606),
    f("platform", "platform_ids", "in_array", "Platform accession", "GPL20814"),
    f("bioproject", "bioprojects", "in_array", "BioProject accession", "PRJNA293166"),
    f("pubmed_id", "pubmed_ids", "int_in_array", "Series citing this PubMed id", 28536623),
    ...dateFilters(),
  ],
};

export const geoSamples: EntityRouteSpec = {
  entity: "geo_sample",
  path: "/v1/geo/samples",
  tag: "geo",
  noun: "GEO sample",
  plural: "GEO samples",
  exampleAccessions: ["GSM4114982", "GSM32878"],
  example: { accession: "GSM4114982", title: "RNA-seq_HCT116", type: "SRA", platformId: "GPL11154", seriesIds: ["GSE138647", "GSE138657"] },
  filters: [
    f("sample_type", "sample_type", "lower", "Sample type (RNA, SRA, …; case-insensitive)", "SRA"),
    f("organism", "organisms", "lower_in_array", "Organism of any channel (case-insensitive)", "Homo sapiens"),
    f("taxon_id", "taxon_ids", "int_in_array", "NCBI Taxonomy id of any channel", 9606),
    f("platform", "platform_id", "exact", "Platform accession", "GPL11154"),
    f("series", "series_ids", "in_array", "Series accession", "GSE138657"),
    f("library_strategy", "library_strategy", "lower", "Library strategy (case-insensitive)", "RNA-Seq"),
    f("library_source", "library_source", "lower", "Library source (case-insensitive)", "transcriptomic"),
    f("library_selection", "library_selection", "lower", "Library selection (case-insensitive)", "cDNA"),
    f("instrument_model", "instrument_model", "lower", "Instrument model (case-insensitive)", "Illumina HiSeq 2000"),
    f("biosample", "biosamples", "in_array", "BioSample accession", "SAMN13001027"),
    f("sra_experiment", "sra_experiments", "in_array", "SRA experiment accession", "SRX6970343"),
    ...dateFilters(),
  ],
};

export const geoPlatforms: EntityRouteSpec = {
  entity: "geo_platform",
  path: "/v1/geo/platforms",
  tag: "geo",
  noun: "GEO platform",
  plural: "GEO platforms",
  exampleAccessions: ["GPL20814", "GPL11154"],
  example: { accession: "GPL20814", technology: "in situ oligonucleotide", organisms: ["Homo sapiens"], manufacturer: "LC Science" },
  filters: [
    f("technology", "technology", "lower", "Technology (case-insensitive)", "in situ oligonucleotide"),
    f("distribution", "distribution", "lower", "Distribution (commercial, custom-commercial, virtual, …)", "custom-commercial"),
    f("manufacturer", "manufacturer", "lower", "Manufacturer (case-insensitive)", "LC Science"),
    f("organism", "organisms", "lower_in_array", "Organism (case-insensitive)", "Homo sapiens"),
    f("taxon_id", "taxon_ids", "int_in_array", "NCBI Taxonomy id", 9606),
    f("series", "series_ids", "in_array", "Series accession", "GSE72138"),
    ...dateFilters(),
  ],
};

export const geoChildRoutes: readonly EntityChildRoute[] = [
  { parent: geoSeries, child: geoSamples, segment: "samples", where: "series_ids @> ARRAY[$parent]::text[]" },
  {
    parent: geoSeries,
    child: geoPlatforms,
    segment: "platforms",
    // A series names its platforms; a platform names only the series of its own SOFT file.
    where: "accession IN (SELECT unnest(platform_ids) FROM geo_series WHERE accession = $parent) OR series_ids @> ARRAY[$parent]::text[]",
  },
];

export const geoRoutes: readonly EntityRouteSpec[] = [geoSeries, geoSamples, geoPlatforms];
