import { BIOPROJECT_SQL } from "../consolidation/sql/bioproject.sql.js";
import type { EntityDefinition } from "./entity-definition.js";
import { filter as f } from "./filter-definition.js";
import { arrayOf, col, date, int, lower, text, tsv } from "./serving-column-sql.js";

export const BIOPROJECT_COLUMNS = {
  title: col("text", text("title"), false),
  organism: col("text", lower("organism.name")),
  taxon_id: col("integer", int("organism.taxid")),
  archive: col("text", lower("archive")),
  project_type: col("text", lower("type.kind")),
  data_types: col("text[]", arrayOf("dataTypes", "lower")),
  release_date: col("date", date("releaseDate")),
  submitted: col("date", date("submitted")),
  last_update: col("date", date("lastUpdate")),
};

/** BioProjects, from the BioProject XML dump. */
export const BIOPROJECT = {
  key: "bioproject",
  curated: { format: "bioproject", sql: BIOPROJECT_SQL, rule: "latest release of the dump" },
  serving: {
    columns: BIOPROJECT_COLUMNS,
    search: tsv({ A: ["title", "name"], B: ["description"], C: ["submitterOrganization"] }),
  },
  filters: [
    f("organism", "organism", "lower", "Target organism (case-insensitive)", "Canis lupus familiaris"),
    f("taxon_id", "taxon_id", "int", "Target organism NCBI Taxonomy id", 9615),
    f("archive", "archive", "lower", "NCBI, EBI or DDBJ", "NCBI"),
    f(
      "project_type",
      "project_type",
      "lower",
      "Project type element (case-insensitive)",
      "ProjectTypeSubmission",
    ),
    f(
      "data_type",
      "data_types",
      "lower_in_array",
      "Project data type (case-insensitive)",
      "RefSeq Genome sequencing and assembly",
    ),
    f("released_from", "release_date", "date_from", "Released on or after (YYYY-MM-DD)", "2004-01-01"),
    f("released_to", "release_date", "date_to", "Released on or before (YYYY-MM-DD)", "2020-12-31"),
    f("submitted_from", "submitted", "date_from", "Submitted on or after (YYYY-MM-DD)", "2004-01-01"),
    f("submitted_to", "submitted", "date_to", "Submitted on or before (YYYY-MM-DD)", "2020-12-31"),
    f("updated_from", "last_update", "date_from", "Last updated on or after (YYYY-MM-DD)", "2010-01-01"),
    f("updated_to", "last_update", "date_to", "Last updated on or before (YYYY-MM-DD)", "2021-12-31"),
  ],
  api: {
    path: "/v1/bioprojects",
    tag: "bioproject",
    noun: "BioProject",
    plural: "BioProjects",
    exampleAccessions: ["PRJNA12384", "PRJNA350852"],
    example: {
      accession: "PRJNA12384",
      title: "Canis lupus familiaris genome sequencing",
      organism: { name: "Canis lupus familiaris", taxid: 9615 },
    },
  },
  parents: [],
} as const satisfies EntityDefinition<typeof BIOPROJECT_COLUMNS>;
