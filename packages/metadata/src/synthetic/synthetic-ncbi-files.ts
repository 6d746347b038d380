/**
 * Small, valid upstream files (SRA Mirroring XML, GEO SOFT, PubMed, BioSample, BioProject XML) written from
 * plain descriptions, for tests, benchmarks and the demo's fake upstream. They carry the fields the flow
 * uses (accessions, links between entities, dates, titles); everything else is left out.
 */

const esc = (text: string): string =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

export interface SyntheticSraStudy {
  readonly accession: string;
  readonly title: string;
  readonly studyType?: string;
  readonly bioproject?: string;
}
export interface SyntheticSraSample {
  readonly accession: string;
  readonly title: string;
  readonly taxonId: number;
  readonly scientificName: string;
  readonly biosample?: string;
}
export interface SyntheticSraExperiment {
  readonly accession: string;
  readonly title: string;
  readonly study: string;
  readonly sample: string;
  readonly strategy: string;
  readonly source: string;
  readonly selection: string;
  readonly layout: "SINGLE" | "PAIRED";
  readonly instrument: string;
}
export interface SyntheticSraRun {
  readonly accession: string;
  readonly experiment: string;
  readonly totalSpots: number;
  readonly totalBases: number;
  readonly published?: string;
}

function studyXml(s: SyntheticSraStudy): string {
  return `<STUDY accession="${s.accession}" center_name="GEO"><IDENTIFIERS><PRIMARY_ID>${s.accession}</PRIMARY_ID>${
    s.bioproject ? `<EXTERNAL_ID label="primary" namespace="BioProject">${s.bioproject}</EXTERNAL_ID>` : ""
  }</IDENTIFIERS><DESCRIPTOR><STUDY_TITLE>${esc(s.title)}</STUDY_TITLE><STUDY_TYPE existing_study_type="${esc(s.studyType ?? "Transcriptome Analysis")}"/></DESCRIPTOR></STUDY>\n`;
}

function sampleXml(s: SyntheticSraSample): string {
  return `<SAMPLE accession="${s.accession}"><IDENTIFIERS><PRIMARY_ID>${s.accession}</PRIMARY_ID>${
    s.biosample ? `<EXTERNAL_ID namespace="BioSample">${s.biosample}</EXTERNAL_ID>` : ""
  }</IDENTIFIERS><TITLE>${esc(s.title)}</TITLE><SAMPLE_NAME><TAXON_ID>${s.taxonId}</TAXON_ID><SCIENTIFIC_NAME>${esc(s.scientificName)}</SCIENTIFIC_NAME></SAMPLE_NAME></SAMPLE>\n`;
}

function experimentXml(e: SyntheticSraExperiment): string {
  return `<EXPERIMENT accession="${e.accession}" center_name="GEO"><IDENTIFIERS><PRIMARY_ID>${e.accession}</PRIMARY_ID></IDENTIFIERS><TITLE>${esc(e.title)}</TITLE><STUDY_REF accession="${e.study}"/><DESIGN><DESIGN_DESCRIPTION/><SAMPLE_DESCRIPTOR accession="${e.sample}"/><LIBRARY_DESCRIPTOR><LIBRARY_STRATEGY>${esc(e.strategy)}</LIBRARY_STRATEGY><LIBRARY_SOURCE>${esc(e.source)}</LIBRARY_SOURCE><LIBRARY_SELECTION>${esc(e.selection)}</LIBRARY_SELECTION><LIBRARY_LAYOUT><${e.layout}/></LIBRARY_LAYOUT></LIBRARY_DESCRIPTOR></DESIGN><PLATFORM><ILLUMINA><INSTRUMENT_MODEL>${esc(e.instrument)}</INSTRUMENT_MODEL></ILLUMINA></PLATFORM></EXPERIMENT>\n`;
}

function runXml(r: SyntheticSraRun): string {
  return `<RUN accession="${r.accession}" center_name="GEO"${r.published ? ` published="${r.published}"` : ""} total_spots="${r.totalSpots}" total_bases="${r.totalBases}"><IDENTIFIERS><PRIMARY_ID>${r.accession}</PRIMARY_ID></IDENTIFIERS><EXPERIMENT_REF accession="${r.experiment}"/></RUN>\n`;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** `meta_study_set.xml` as the Mirroring batches hold it. */
export function sraStudySetXml(studies: Iterable<SyntheticSraStudy>): string {
  return join(XML_HEAD, "<STUDY_SET>\n", studies, studyXml, "</STUDY_SET>\n");
}
export function sraSampleSetXml(samples: Iterable<SyntheticSraSample>): string {
  return join(XML_HEAD, "<SAMPLE_SET>\n", samples, sampleXml, "</SAMPLE_SET>\n");
}
export function sraExperimentSetXml(experiments: Iterable<SyntheticSraExperiment>): string {
  return join(XML_HEAD, "<EXPERIMENT_SET>\n", experiments, experimentXml, "</EXPERIMENT_SET>\n");
}
export function sraRunSetXml(runs: Iterable<SyntheticSraRun>): string {
  return join(XML_HEAD, "<RUN_SET>\n", runs, runXml, "</RUN_SET>\n");
}

export interface SyntheticSraSubmission {
  readonly accession: string;
  readonly alias: string;
  readonly submissionDate?: string;
}

/** `meta_submission_set.xml` as the Mirroring batches hold it. */
export function sraSubmissionSetXml(submissions: Iterable<SyntheticSraSubmission>): string {
  return join(
    XML_HEAD,
    "<SUBMISSION_SET>\n",
    submissions,
    (s) =>
      `<SUBMISSION accession="${s.accession}" alias="${esc(s.alias)}" center_name="GEO" broker_name="GEO"${s.submissionDate ? ` submission_date="${s.submissionDate}"` : ""}><IDENTIFIERS><PRIMARY_ID>${s.accession}</PRIMARY_ID></IDENTIFIERS></SUBMISSION>\n`,
    "</SUBMISSION_SET>\n",
  );
}

/** One row of SRA_Accessions.tab; fields left out are written as `-`. */
export interface SyntheticSraAccession {
  readonly accession: string;
  readonly submission: string;
  readonly type: "SUBMISSION" | "STUDY" | "SAMPLE" | "EXPERIMENT" | "RUN";
  readonly status?: string;
  readonly visibility?: string;
  /** ISO 8601 UTC (`2025-01-10T08:00:00Z`). */
  readonly updated?: string;
  readonly published?: string;
  readonly received?: string;
  readonly study?: string;
  readonly sample?: string;
  readonly experiment?: string;
  readonly spots?: number;
  readonly bases?: number;
  readonly replacedBy?: string;
}

const SRA_ACCESSIONS_HEADER =
  "Accession\tSubmission\tStatus\tUpdated\tPublished\tReceived\tType\tCenter\tVisibility\tAlias\tExperiment\tSample\tStudy\tLoaded\tSpots\tBases\tMd5sum\tBioSample\tBioProject\tReplacedBy\n";

/** `SRA_Accessions.tab` (sra/reports/Metadata) with its real header. */
export function sraAccessionsTab(rows: Iterable<SyntheticSraAccession>): string {
  return join(
    "",
    SRA_ACCESSIONS_HEADER,
    rows,
    (r) =>
      `${[
        r.accession,
        r.submission,
        r.status ?? "live",
        r.updated,
        r.published,
        r.received,
        r.type,
        "GEO",
        r.visibility ?? "public",
        r.accession.toLowerCase(),
        r.experiment,
        r.sample,
        r.study,
        r.type === "RUN" ? "1" : undefined,
        r.spots,
        r.bases,
        undefined,
        undefined,
        undefined,
        r.replacedBy,
      ]
        .map((v) => (v === undefined ? "-" : String(v)))
        .join("\t")}\n`,
    "",
  );
}

function join<T>(
  head: string,
  open: string,
  items: Iterable<T>,
  render: (item: T) => string,
  close: string,
): string {
  const parts = [head, open];
  for (const item of items) parts.push(render(item));
  parts.push(close);
  return parts.join("");
}

export interface SyntheticGeoSeries {
  readonly accession: string;
  readonly title: string;
  /** ISO date (YYYY-MM-DD). */
  readonly lastUpdateDate: string;
  readonly sampleIds: readonly string[];
  readonly platformIds: readonly string[];
  readonly supplementaryFiles?: readonly string[];
}
export interface SyntheticGeoSample {
  readonly accession: string;
  readonly title: string;
  readonly lastUpdateDate: string;
  readonly platformId: string;
  readonly seriesIds: readonly string[];
  readonly organism?: string;
  readonly taxid?: number;
  readonly supplementaryFiles?: readonly string[];
}
export interface SyntheticGeoPlatform {
  readonly accession: string;
  readonly title: string;
  readonly lastUpdateDate: string;
  readonly seriesIds?: readonly string[];
}

const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `2024-05-03` → `May 03 2024`, as SOFT writes dates. */
function softDate(iso: string): string {
  const [y, m, d] = iso.split("-");
  return `${MONTH_NAMES[Number(m) - 1]} ${d} ${y}`;
}

/** A SOFT text with the given series, samples and platforms, as acc.cgi answers with `targ=all`. */
export function geoSoft(entries: {
  readonly series?: readonly SyntheticGeoSeries[];
  readonly samples?: readonly SyntheticGeoSample[];
  readonly platforms?: readonly SyntheticGeoPlatform[];
}): string {
  const lines: string[] = [];
  for (const p of entries.platforms ?? []) {
    lines.push(
      `^PLATFORM = ${p.accession}`,
      `!Platform_title = ${p.title}`,
      `!Platform_geo_accession = ${p.accession}`,
      `!Platform_status = Public on ${softDate(p.lastUpdateDate)}`,
      `!Platform_submission_date = ${softDate(p.lastUpdateDate)}`,
      `!Platform_last_update_date = ${softDate(p.lastUpdateDate)}`,
      "!Platform_technology = high-throughput sequencing",
      "!Platform_distribution = virtual",
      "!Platform_organism = Homo sapiens",
      "!Platform_taxid = 9606",
      ...(p.seriesIds ?? []).map((s) => `!Platform_series_id = ${s}`),
      "!Platform_data_row_count = 0",
    );
  }
  for (const s of entries.series ?? []) {
    lines.push(
      `^SERIES = ${s.accession}`,
      `!Series_title = ${s.title}`,
      `!Series_geo_accession = ${s.accession}`,
      `!Series_status = Public on ${softDate(s.lastUpdateDate)}`,
      `!Series_submission_date = ${softDate(s.lastUpdateDate)}`,
      `!Series_last_update_date = ${softDate(s.lastUpdateDate)}`,
      `!Series_summary = Synthetic series ${s.accession}`,
      "!Series_overall_design = Synthetic",
      "!Series_type = Expression profiling by high throughput sequencing",
      ...s.sampleIds.map((id) => `!Series_sample_id = ${id}`),
      ...(s.supplementaryFiles ?? []).map((f) => `!Series_supplementary_file = ${f}`),
      ...s.platformIds.map((id) => `!Series_platform_id = ${id}`),
    );
  }
  for (const s of entries.samples ?? []) {
    lines.push(
      `^SAMPLE = ${s.accession}`,
      `!Sample_title = ${s.title}`,
      `!Sample_geo_accession = ${s.accession}`,
      `!Sample_status = Public on ${softDate(s.lastUpdateDate)}`,
      `!Sample_submission_date = ${softDate(s.lastUpdateDate)}`,
      `!Sample_last_update_date = ${softDate(s.lastUpdateDate)}`,
      "!Sample_type = SRA",
      "!Sample_channel_count = 1",
      `!Sample_organism_ch1 = ${s.organism ?? "Homo sapiens"}`,
      `!Sample_taxid_ch1 = ${s.taxid ?? 9606}`,
      `!Sample_platform_id = ${s.platformId}`,
      "!Sample_library_strategy = RNA-Seq",
      ...(s.supplementaryFiles ?? []).map((f, i) => `!Sample_supplementary_file_${i + 1} = ${f}`),
      ...s.seriesIds.map((id) => `!Sample_series_id = ${id}`),
      "!Sample_data_row_count = 0",
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface SyntheticPubmedArticle {
  readonly pmid: number;
  readonly title: string;
  /** ISO date of the revision. */
  readonly dateRevised: string;
  readonly version?: number;
  readonly journal?: string;
}

/** A PubMed baseline or update file: articles, then the PMIDs a `DeleteCitation` removes. */
export function pubmedXml(
  articles: Iterable<SyntheticPubmedArticle>,
  deletions: readonly number[] = [],
): string {
  const parts = ['<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n'];
  for (const a of articles) {
    const [y, m, d] = a.dateRevised.split("-");
    parts.push(
      `<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="${a.version ?? 1}">${a.pmid}</PMID><DateRevised><Year>${y}</Year><Month>${m}</Month><Day>${d}</Day></DateRevised><Article PubModel="Print"><Journal><Title>${esc(a.journal ?? "Journal of Synthetic Biology")}</Title></Journal><ArticleTitle>${esc(a.title)}</ArticleTitle><Language>eng</Language></Article></MedlineCitation><PubmedData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">${a.pmid}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>\n`,
    );
  }
  if (deletions.length > 0)
    parts.push(
      `<DeleteCitation>${deletions.map((p) => `<PMID Version="1">${p}</PMID>`).join("")}</DeleteCitation>\n`,
    );
  parts.push("</PubmedArticleSet>\n");
  return parts.join("");
}

export interface SyntheticBioSample {
  readonly accession: string;
  readonly id: number;
  readonly title: string;
  /** ISO timestamp. */
  readonly lastUpdate: string;
  readonly organism?: string;
  readonly taxid?: number;
}

/** `biosample_set.xml` with the given samples. */
export function biosampleSetXml(samples: Iterable<SyntheticBioSample>): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<BioSampleSet>\n'];
  for (const s of samples) {
    parts.push(
      `<BioSample access="public" publication_date="2020-01-01T00:00:00.000" last_update="${s.lastUpdate}" submission_date="2020-01-01T00:00:00.000" id="${s.id}" accession="${s.accession}"><Ids><Id db="BioSample" is_primary="1">${s.accession}</Id></Ids><Description><Title>${esc(s.title)}</Title><Organism taxonomy_id="${s.taxid ?? 9606}" taxonomy_name="${esc(s.organism ?? "Homo sapiens")}"><OrganismName>${esc(s.organism ?? "Homo sapiens")}</OrganismName></Organism></Description><Package display_name="Generic">Generic.1.0</Package><Status status="live" when="${s.lastUpdate}"/></BioSample>\n`,
    );
  }
  parts.push("</BioSampleSet>\n");
  return parts.join("");
}

export interface SyntheticBioProject {
  readonly accession: string;
  readonly id: number;
  readonly title: string;
  /** ISO date. */
  readonly lastUpdate: string;
}

/** `bioproject.xml` with the given projects. */
export function bioprojectXml(projects: Iterable<SyntheticBioProject>): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<PackageSet>\n'];
  for (const p of projects) {
    parts.push(
      `<Package><Project><Project><ProjectID><ArchiveID accession="${p.accession}" archive="NCBI" id="${p.id}"/></ProjectID><ProjectDescr><Name>${esc(p.title)}</Name><Title>${esc(p.title)}</Title><Description>Synthetic project</Description><ProjectReleaseDate>2020-01-01T00:00:00Z</ProjectReleaseDate></ProjectDescr><ProjectType><ProjectTypeSubmission><Target capture="eWhole" material="eGenome" sample_scope="eMonoisolate"><Organism species="9606" taxID="9606"><OrganismName>Homo sapiens</OrganismName></Organism></Target><Method method_type="eSequencing"/><Objectives><Data data_type="eRawSequenceReads"/></Objectives></ProjectTypeSubmission></ProjectType></Project><Submission last_update="${p.lastUpdate}" submission_id="SUB${p.id}" submitted="2020-01-01"><Description><Access>public</Access></Description></Submission></Project></Package>\n`,
    );
  }
  parts.push("</PackageSet>\n");
  return parts.join("");
}
