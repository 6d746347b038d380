import type { AccessionType } from "./accession-types.js";

/**
 * One way two accessions are linked, read from one curated field: a SELECT over the curated tables (by
 * their table names) yielding `a` (an accession of type `from`) and `b` (one of type `to`). Values are
 * cast to text, trimmed, upper-cased and kept only when they match their type's pattern, so a rule needs
 * no cleaning of its own. A rule whose tables or columns are absent when the links are built is skipped
 * (entities added later bring their rules with them, and a lake consolidated before they existed still
 * builds its links).
 */
export interface LinkRule {
  /** `<from>_<to>`: several rules may give the same relation from different fields (both sides of GSE↔GSM). */
  readonly relation: string;
  readonly from: AccessionType;
  readonly to: AccessionType;
  /** The curated field the link is read from, as the table's `source` column names it. */
  readonly source: string;
  /** Every table the SQL reads, with the columns it needs. */
  readonly requires: Readonly<Record<string, readonly string[]>>;
  readonly sql: string;
}

/** The parent's accession held in a scalar column of the child's table. */
const column = (
  relation: string,
  from: AccessionType,
  to: AccessionType,
  table: string,
  field: string,
  fromSide: "field" | "accession",
): LinkRule => ({
  relation,
  from,
  to,
  source: `${table}.${field}`,
  requires: { [table]: ["accession", field] },
  sql:
    fromSide === "field"
      ? `SELECT "${field}" AS a, accession AS b FROM ${table}`
      : `SELECT accession AS a, "${field}" AS b FROM ${table}`,
});

/** Accessions held in a list column: each element is linked with the row's accession. */
const list = (
  relation: string,
  from: AccessionType,
  to: AccessionType,
  table: string,
  field: string,
  fromSide: "element" | "accession",
): LinkRule => ({
  relation,
  from,
  to,
  source: `${table}.${field}`,
  requires: { [table]: ["accession", field] },
  sql:
    fromSide === "element"
      ? `SELECT unnest("${field}") AS a, accession AS b FROM ${table}`
      : `SELECT accession AS a, unnest("${field}") AS b FROM ${table}`,
});

/**
 * Every link rule, one per curated field that names another accession. A new entity adds its rules here;
 * the table stores each link in both directions, so a rule is written from whichever side holds the field.
 */
export const LINK_RULES: readonly LinkRule[] = [
  // GEO: series, samples, platforms, SuperSeries.
  list("gse_gsm", "gse", "gsm", "geo_series", "sampleIds", "accession"),
  list("gse_gsm", "gse", "gsm", "geo_sample", "seriesIds", "element"),
  list("gse_gpl", "gse", "gpl", "geo_series", "platformIds", "accession"),
  list("gse_gpl", "gse", "gpl", "geo_platform", "seriesIds", "element"),
  column("gpl_gsm", "gpl", "gsm", "geo_sample", "platformId", "field"),
  list("gpl_gsm", "gpl", "gsm", "geo_platform", "sampleIds", "accession"),
  list("superseries_subseries", "gse", "gse", "geo_series", "superSeriesOf", "accession"),
  list("superseries_subseries", "gse", "gse", "geo_series", "subSeriesOf", "element"),
  // GEO ↔ SRA, from the GEO relations and from the SRA records' GEO ids.
  list("gse_srp", "gse", "srp", "geo_series", "sraStudies", "accession"),
  column("gse_srp", "gse", "srp", "sra_study", "geoAccession", "field"),
  list("gsm_srx", "gsm", "srx", "geo_sample", "sraExperiments", "accession"),
  column("gsm_srx", "gsm", "srx", "sra_experiment", "geoAccession", "field"),
  column("gsm_srs", "gsm", "srs", "sra_sample", "geoAccession", "field"),
  // SRA: study, experiment, run, sample.
  column("srp_srx", "srp", "srx", "sra_experiment", "studyAccession", "field"),
  column("srp_srr", "srp", "srr", "sra_run", "studyAccession", "field"),
  column("srx_srr", "srx", "srr", "sra_run", "experimentAccession", "field"),
  column("srs_srx", "srs", "srx", "sra_experiment", "sampleAccession", "field"),
  column("srs_srr", "srs", "srr", "sra_run", "sampleAccession", "field"),
  // BioSample and BioProject.
  column("biosample_srs", "biosample", "srs", "sra_sample", "biosample", "field"),
  column("biosample_srs", "biosample", "srs", "biosample", "sraAccession", "accession"),
  column("biosample_gsm", "biosample", "gsm", "biosample", "geoAccession", "accession"),
  list("biosample_gsm", "biosample", "gsm", "geo_sample", "biosamples", "element"),
  column("bioproject_srp", "bioproject", "srp", "sra_study", "bioproject", "field"),
  list("bioproject_gse", "bioproject", "gse", "geo_series", "bioprojects", "element"),
  list("bioproject_biosample", "bioproject", "biosample", "biosample", "bioprojects", "element"),
  // PubMed.
  list("pmid_srp", "pmid", "srp", "sra_study", "pubmedIds", "element"),
  list("pmid_gse", "pmid", "gse", "geo_series", "pubmedIds", "element"),
  list("pmid_bioproject", "pmid", "bioproject", "bioproject", "pubmedIds", "element"),
  // GEO DataSets and their subsets, when curated.
  list("gds_gse", "gds", "gse", "geo_dataset", "referenceSeries", "accession"),
  column("gds_gpl", "gds", "gpl", "geo_dataset", "platform", "accession"),
  list("pmid_gds", "pmid", "gds", "geo_dataset", "pubmedIds", "element"),
  {
    relation: "gds_gsm",
    from: "gds",
    to: "gsm",
    source: "geo_subset.sampleIds",
    requires: { geo_subset: ["datasetId", "sampleIds"] },
    sql: `SELECT "datasetId" AS a, unnest("sampleIds") AS b FROM geo_subset`,
  },
  // SRA_Accessions.tab, when curated: NCBI's own list of what each SRA object belongs to, which also
  // covers objects whose XML the Mirroring batches did not bring. A rule keeps only the rows whose accession
  // is of its `to` type (a RUN row gives srx_srr, an EXPERIMENT row srp_srx, …).
  column("srx_srr", "srx", "srr", "sra_accessions", "experiment", "field"),
  column("srs_srr", "srs", "srr", "sra_accessions", "sample", "field"),
  column("srp_srr", "srp", "srr", "sra_accessions", "study", "field"),
  column("srp_srx", "srp", "srx", "sra_accessions", "study", "field"),
  column("srs_srx", "srs", "srx", "sra_accessions", "sample", "field"),
  column("biosample_srs", "biosample", "srs", "sra_accessions", "biosample", "field"),
  column("bioproject_srp", "bioproject", "srp", "sra_accessions", "bioproject", "field"),
  ...(["srp", "srs", "srx", "srr"] as const).map((to) =>
    column(`sra_${to}`, "sra", to, "sra_accessions", "submission", "field"),
  ),
  // SRA submissions, when curated: the experiments and runs each one brought.
  ...(["sra_experiment", "sra_run"] as const).map((table): LinkRule => ({
    relation: table === "sra_run" ? "sra_srr" : "sra_srx",
    from: "sra",
    to: table === "sra_run" ? "srr" : "srx",
    source: `${table}.submissionAccession`,
    requires: { [table]: ["accession", "submissionAccession"], sra_submission: ["accession"] },
    sql: `SELECT t."submissionAccession" AS a, t.accession AS b FROM ${table} t JOIN sra_submission s ON s.accession = t."submissionAccession"`,
  })),
];
