import { BIOSAMPLE_SQL } from "../consolidation/sql/biosample.sql.js";
import type { EntityDefinition } from "./entity-definition.js";
import { filter as f } from "./filter-definition.js";
import { arrayOf, col, date, int, lower, text, tsv } from "./serving-column-sql.js";

export const BIOSAMPLE_COLUMNS = {
  title: col("text", text("title"), false),
  organism: col("text", lower("organismName")),
  taxon_id: col("integer", int("taxonomyId")),
  package: col("text", lower("package")),
  status: col("text", lower("status")),
  sra_accession: col("text", text("sraAccession")),
  geo_accession: col("text", text("geoAccession")),
  bioprojects: col("text[]", arrayOf("bioprojects", "text")),
  submission_date: col("date", date("submissionDate")),
  last_update: col("date", date("lastUpdate")),
  publication_date: col("date", date("publicationDate")),
};

/** BioSamples, from the BioSample XML dump. */
export const BIOSAMPLE = {
  key: "biosample",
  curated: { format: "biosample", sql: BIOSAMPLE_SQL, rule: "latest lastUpdate" },
  serving: {
    columns: BIOSAMPLE_COLUMNS,
    search: tsv({ A: ["title"], B: ["description", "organismName"], C: ["ownerName"] }),
  },
  filters: [
    f("organism", "organism", "lower", "Organism name (case-insensitive)", "Drosophila melanogaster"),
    f("taxon_id", "taxon_id", "int", "NCBI Taxonomy id", 7227),
    f("package", "package", "lower", "BioSample package (case-insensitive)", "Generic.1.0"),
    f("status", "status", "lower", "Status (live, suppressed, …)", "live"),
    f("sra_accession", "sra_accession", "exact", "SRA sample accession", "SRS120983"),
    f("geo_accession", "geo_accession", "exact", "GEO sample accession", "GSM1471477"),
    f("bioproject", "bioprojects", "in_array", "BioProject accession", "PRJNA185471"),
    f("submitted_from", "submission_date", "date_from", "Submitted on or after (YYYY-MM-DD)", "2010-01-01"),
    f("submitted_to", "submission_date", "date_to", "Submitted on or before (YYYY-MM-DD)", "2020-12-31"),
    f("updated_from", "last_update", "date_from", "Last updated on or after (YYYY-MM-DD)", "2015-01-01"),
    f("updated_to", "last_update", "date_to", "Last updated on or before (YYYY-MM-DD)", "2021-12-31"),
    f("published_from", "publication_date", "date_from", "Published on or after (YYYY-MM-DD)", "2010-01-01"),
    f("published_to", "publication_date", "date_to", "Published on or before (YYYY-MM-DD)", "2020-12-31"),
  ],
  api: {
    path: "/v1/biosamples",
    tag: "biosample",
    noun: "BioSample",
    plural: "BioSamples",
    exampleAccessions: ["SAMN02981965", "SAMN02261463"],
    example: {
      accession: "SAMN02981965",
      organismName: "Drosophila melanogaster",
      taxonomyId: 7227,
      package: "Generic.1.0",
      status: "live",
    },
  },
  parents: [
    { parent: "bioproject", segment: "biosamples", anyOf: [{ kind: "contains", column: "bioprojects" }] },
  ],
} as const satisfies EntityDefinition<typeof BIOSAMPLE_COLUMNS>;
