/**
 * What the serving database keeps of each curated entity: typed filter columns pulled out of the record
 * (so every filter the API offers is an indexed column the loader fills), the full record as jsonb, and a
 * tsvector for full-text search. Column expressions read `r`, the record as jsonb with its nulls stripped.
 */

export const SERVING_ENTITY_NAMES = [
  "sra_study",
  "sra_sample",
  "sra_experiment",
  "sra_run",
  "geo_series",
  "geo_sample",
  "geo_platform",
  "biosample",
  "bioproject",
  "pubmed_article",
] as const;

export type ServingEntityName = (typeof SERVING_ENTITY_NAMES)[number];

export type ServingColumnType = "text" | "integer" | "bigint" | "date" | "text[]" | "integer[]";

export interface ServingColumn {
  readonly name: string;
  readonly type: ServingColumnType;
  /** SQL over `r` (jsonb) that yields the value; text a filter compares case-insensitively is stored lower-cased. */
  readonly expr: string;
  /** btree for scalars, gin for arrays; none for columns only read back. */
  readonly index: boolean;
}

export interface ServingEntity {
  readonly name: ServingEntityName;
  readonly columns: readonly ServingColumn[];
  /** SQL over `r` yielding the tsvector searched by `q=` (title weighted above the rest). */
  readonly search: string;
}

// ---- expression helpers: each one tolerates a missing field and a field of the wrong JSON type -------

const path = (field: string): string => `'{${field.split(".").join(",")}}'`;
const text = (field: string): string => `nullif(btrim(r #>> ${path(field)}), '')`;
const lower = (field: string): string => `lower(${text(field)})`;
// A Parquet writer may have typed a whole number as DOUBLE, which JSON renders as "123.0"; accept that too.
const WHOLE = (digits: number): string => `'^-?[0-9]{1,${digits}}([.]0*)?$'`;
const int = (field: string, type: "integer" | "bigint" = "integer"): string =>
  `CASE WHEN r #>> ${path(field)} ~ ${WHOLE(type === "integer" ? 9 : 18)} THEN (r #>> ${path(field)})::numeric::${type} END`;
// Upstream dates come as YYYY-MM-DD, a timestamp, or a year; only the first ten characters of a full date count.
const date = (field: string): string =>
  `CASE WHEN r #>> ${path(field)} ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' THEN substr(r #>> ${path(field)}, 1, 10)::date END`;
const arrayOf = (field: string, item: "text" | "lower" | "integer"): string => {
  const element =
    item === "integer"
      ? `CASE WHEN e ~ ${WHOLE(9)} THEN e::numeric::integer END`
      : item === "lower"
        ? "lower(e)"
        : "e";
  return `CASE WHEN jsonb_typeof(r #> ${path(field)}) = 'array' THEN ARRAY(SELECT DISTINCT ${element} FROM jsonb_array_elements_text(r #> ${path(field)}) e WHERE e IS NOT NULL AND e <> '') END`;
};
/** Values of `inner` inside each object of the array `outer` (GEO sample channels). */
const nestedArray = (outer: string, inner: string, item: "lower" | "integer"): string => {
  const element = item === "integer" ? `CASE WHEN e ~ ${WHOLE(9)} THEN e::numeric::integer END` : "lower(e)";
  return `CASE WHEN jsonb_typeof(r #> ${path(outer)}) = 'array' THEN ARRAY(SELECT DISTINCT ${element} FROM jsonb_array_elements(r #> ${path(outer)}) c, jsonb_array_elements_text(CASE WHEN jsonb_typeof(c -> '${inner}') = 'array' THEN c -> '${inner}' ELSE '[]'::jsonb END) e WHERE e <> '') END`;
};
const tsv = (weighted: Record<"A" | "B" | "C", readonly string[]>): string =>
  Object.entries<readonly string[]>(weighted)
    .filter(([, fields]) => fields.length > 0)
    .map(
      ([weight, fields]) =>
        `setweight(to_tsvector('english', concat_ws(' ', ${fields.map((f) => `r #>> ${path(f)}`).join(", ")})), '${weight}')`,
    )
    .join(" || ");

const col = (name: string, type: ServingColumnType, expr: string, index = true): ServingColumn => ({ name, type, expr, index });

/** Fields every SRA object carries (a study has no BioSample of its own). */
const sraCommon = (biosample = true): ServingColumn[] => [
  col("title", "text", text("title"), false),
  col("center_name", "text", lower("centerName")),
  col("bioproject", "text", text("bioproject")),
  ...(biosample ? [col("biosample", "text", text("biosample"))] : []),
  col("geo_accession", "text", text("geoAccession")),
];

export const SERVING_ENTITIES: Readonly<Record<ServingEntityName, ServingEntity>> = {
  sra_study: {
    name: "sra_study",
    columns: [...sraCommon(false), col("study_type", "text", lower("studyType")), col("pubmed_ids", "integer[]", arrayOf("pubmedIds", "integer"))],
    search: tsv({ A: ["title"], B: ["abstract", "description"], C: ["centerProjectName", "alias"] }),
  },
  sra_sample: {
    name: "sra_sample",
    columns: [...sraCommon(), col("organism", "text", lower("scientificName")), col("taxon_id", "integer", int("taxonId"))],
    search: tsv({ A: ["title"], B: ["description", "scientificName"], C: ["commonName", "alias"] }),
  },
  sra_experiment: {
    name: "sra_experiment",
    columns: [
      ...sraCommon(),
      col("study_accession", "text", text("studyAccession")),
      col("sample_accession", "text", text("sampleAccession")),
      col("library_strategy", "text", lower("library.strategy")),
      col("library_source", "text", lower("library.source")),
      col("library_selection", "text", lower("library.selection")),
      col("library_layout", "text", lower("library.layout")),
      col("platform", "text", lower("platform")),
      col("instrument_model", "text", lower("instrumentModel")),
    ],
    search: tsv({ A: ["title"], B: ["designDescription", "library.constructionProtocol"], C: ["library.name", "alias"] }),
  },
  sra_run: {
    name: "sra_run",
    columns: [
      ...sraCommon(),
      col("experiment_accession", "text", text("experimentAccession")),
      col("study_accession", "text", text("studyAccession")),
      col("sample_accession", "text", text("sampleAccession")),
      col("platform", "text", lower("platform")),
      col("instrument_model", "text", lower("instrumentModel")),
      col("published", "date", date("published")),
      col("total_spots", "bigint", int("totalSpots", "bigint"), false),
      col("total_bases", "bigint", int("totalBases", "bigint"), false),
    ],
    search: tsv({ A: ["title"], B: ["experimentRefname"], C: ["alias"] }),
  },
  geo_series: {
    name: "geo_series",
    columns: [
      col("title", "text", text("title"), false),
      col("series_types", "text[]", arrayOf("types", "lower")),
      col("organisms", "text[]", `ARRAY(SELECT DISTINCT x FROM unnest(coalesce(${arrayOf("sampleOrganisms", "lower")}, '{}') || coalesce(${arrayOf("platformOrganisms", "lower")}, '{}')) x)`),
      col("taxon_ids", "integer[]", `ARRAY(SELECT DISTINCT x FROM unnest(coalesce(${arrayOf("sampleTaxids", "integer")}, '{}') || coalesce(${arrayOf("platformTaxids", "integer")}, '{}')) x WHERE x IS NOT NULL)`),
      col("platform_ids", "text[]", arrayOf("platformIds", "text")),
      col("sample_ids", "text[]", arrayOf("sampleIds", "text"), false),
      col("bioprojects", "text[]", arrayOf("bioprojects", "text")),
      col("pubmed_ids", "integer[]", arrayOf("pubmedIds", "integer")),
      col("submission_date", "date", date("submissionDate")),
      col("last_update_date", "date", date("lastUpdateDate")),
      col("public_date", "date", date("publicDate")),
    ],
    search: tsv({ A: ["title"], B: ["summary", "overallDesign"], C: [] }),
  },
  geo_sample: {
    name: "geo_sample",
    columns: [
      col("title", "text", text("title"), false),
      col("sample_type", "text", lower("type")),
      col("organisms", "text[]", nestedArray("channels", "organisms", "lower")),
      col("taxon_ids", "integer[]", nestedArray("channels", "taxids", "integer")),
      col("platform_id", "text", text("platformId")),
      col("series_ids", "text[]", arrayOf("seriesIds", "text")),
      col("library_strategy", "text", lower("libraryStrategy")),
      col("library_source", "text", lower("librarySource")),
      col("library_selection", "text", lower("librarySelection")),
      col("instrument_model", "text", lower("instrumentModel")),
      col("biosamples", "text[]", arrayOf("biosamples", "text")),
      col("sra_experiments", "text[]", arrayOf("sraExperiments", "text")),
      col("submission_date", "date", date("submissionDate")),
      col("last_update_date", "date", date("lastUpdateDate")),
      col("public_date", "date", date("publicDate")),
    ],
    search: tsv({ A: ["title"], B: ["description"], C: ["type"] }),
  },
  geo_platform: {
    name: "geo_platform",
    columns: [
      col("title", "text", text("title"), false),
      col("technology", "text", lower("technology")),
      col("distribution", "text", lower("distribution")),
      col("manufacturer", "text", lower("manufacturer")),
      col("organisms", "text[]", arrayOf("organisms", "lower")),
      col("taxon_ids", "integer[]", arrayOf("taxids", "integer")),
      col("series_ids", "text[]", arrayOf("seriesIds", "text")),
      col("submission_date", "date", date("submissionDate")),
      col("last_update_date", "date", date("lastUpdateDate")),
      col("public_date", "date", date("publicDate")),
    ],
    search: tsv({ A: ["title"], B: ["description", "manufacturer"], C: ["technology"] }),
  },
  biosample: {
    name: "biosample",
    columns: [
      col("title", "text", text("title"), false),
      col("organism", "text", lower("organismName")),
      col("taxon_id", "integer", int("taxonomyId")),
      col("package", "text", lower("package")),
      col("status", "text", lower("status")),
      col("sra_accession", "text", text("sraAccession")),
      col("geo_accession", "text", text("geoAccession")),
      col("bioprojects", "text[]", arrayOf("bioprojects", "text")),
      col("submission_date", "date", date("submissionDate")),
      col("last_update", "date", date("lastUpdate")),
      col("publication_date", "date", date("publicationDate")),
    ],
    search: tsv({ A: ["title"], B: ["description", "organismName"], C: ["ownerName"] }),
  },
  bioproject: {
    name: "bioproject",
    columns: [
      col("title", "text", text("title"), false),
      col("organism", "text", lower("organism.name")),
      col("taxon_id", "integer", int("organism.taxid")),
      col("archive", "text", lower("archive")),
      col("project_type", "text", lower("type.kind")),
      col("data_types", "text[]", arrayOf("dataTypes", "lower")),
      col("release_date", "date", date("releaseDate")),
      col("submitted", "date", date("submitted")),
      col("last_update", "date", date("lastUpdate")),
    ],
    search: tsv({ A: ["title", "name"], B: ["description"], C: ["submitterOrganization"] }),
  },
  pubmed_article: {
    name: "pubmed_article",
    columns: [
      col("title", "text", text("title"), false),
      col("pmid", "integer", int("pmid")),
      col("journal", "text", lower("journal.title")),
      col("journal_abbreviation", "text", lower("journal.isoAbbreviation")),
      col("pub_year", "integer", int("journal.pubDate.year")),
      col("date_revised", "date", date("dateRevised")),
      col("date_completed", "date", date("dateCompleted")),
      col("doi", "text", lower("doi")),
      col("pmc", "text", text("pmc")),
    ],
    search: tsv({ A: ["title"], B: ["abstract.text"], C: ["journal.title"] }),
  },
};

export function isServingEntityName(value: string): value is ServingEntityName {
  return (SERVING_ENTITY_NAMES as readonly string[]).includes(value);
}
