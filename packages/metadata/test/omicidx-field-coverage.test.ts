import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RECORD_SCHEMAS, type RecordKind } from "@omicslake/parsers";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { SNAPSHOT_VIEWS } from "../src/entities/index.js";

/*
 * Field-by-field comparison with OmicIDX: every column of every OmicIDX table that serves NCBI metadata
 * (its published catalog, in ../shared/reference) must be accounted for here, by the omicslake field that
 * holds it or by an explicit, commented entry saying why not. A column OmicIDX adds and nobody mapped
 * fails the test, named with its table; an entry that names an omicslake field that does not exist fails
 * too, so the map cannot claim what omicslake does not have. The fields inside a STRUCT column are
 * compared too: with the fields under the omicslake path the column maps to, by name once case and
 * underscores are set aside (`FREE_EGRESS` is `freeEgress`), or by an entry `column.FIELD` (lower-case)
 * where the names differ.
 */

const CATALOG = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../shared/reference/omicidx_sqlmesh_catalog_20251111.json",
);
const HAVE_CATALOG = existsSync(CATALOG);

/** How one OmicIDX column is covered. */
type Coverage =
  /** The omicslake field holding the same data: a path in the record schema (`library.strategy`, `channels[].organisms`). */
  | string
  /** A GEO SOFT key without a dedicated field: kept, trimmed, in the record's `other` map under this key. */
  | { readonly other: string }
  /** Deliberately not a field of its own: the reason (derived in SQL, a duplicate, an OmicIDX load detail). */
  | { readonly omit: string }
  /** Not in omicslake, and no work adds it yet: what it would take. Must really be absent (`absent`). */
  | { readonly lacking: string; readonly absent?: string };

/** What an OmicIDX table maps to: a record kind (its zod schema) or a snapshot view (its SQL). */
type Target = { readonly kind: RecordKind } | { readonly view: string };

interface TableMap {
  /** OmicIDX tables (raw, bronze, geometadb) whose columns this map covers. */
  readonly tables: readonly string[];
  readonly target: Target;
  readonly columns: Readonly<Record<string, Coverage>>;
}

// SRA_Accessions.tab columns OmicIDX joins onto every SRA entity (item 6 serves them from `sra_accessions`).
const SRA_STATUS: Readonly<Record<string, Coverage>> = {
  status: { omit: "joined at consolidation from sra_accessions.status: curated and served as `status`" },
  updated_date: {
    omit: "joined at consolidation from sra_accessions.updated: curated and served as `updated`",
  },
  updated_timestamp: {
    omit: "joined at consolidation from sra_accessions.updated: curated and served as `updated`",
  },
};

const SRA_COMMON: Readonly<Record<string, Coverage>> = {
  accession: "accession",
  alias: "alias",
  attributes: "attributes",
  // OmicIDX's STRUCT(NAMESPACE, ID, UUID): the UUID children are item 3's; the rest is in identifiers.*.
  identifiers: "identifiers",
  // OmicIDX flattens PRIMARY_ID, SECONDARY_ID, EXTERNAL_ID and SUBMITTER_ID into one list; omicslake keeps
  // them apart (identifiers.primary, .secondary, .external[], .submitter[]).
  "identifiers.namespace": "identifiers.external[].namespace",
  "identifiers.id": "identifiers.external[].value",
  "identifiers.uuid": "identifiers.uuid",
};

const GEO_CONTACT_AND_DATES: Readonly<Record<string, Coverage>> = {
  title: "title",
  status: "status",
  submission_date: "submissionDate",
  last_update_date: "lastUpdateDate",
  // A structure of name parts and address lines; geometadb's one-line `contact` string is derived from it.
  contact: "contact",
};

const MAPS: readonly TableMap[] = [
  {
    tables: ["raw.src_sra_studies", "bronze.stg_sra_studies"],
    target: { kind: "sra_study" },
    columns: {
      ...SRA_COMMON,
      ...SRA_STATUS,
      abstract: "abstract",
      bioproject: "bioproject",
      broker_name: "brokerName",
      center_name: "centerName",
      description: "description",
      geo: "geoAccession",
      pubmed_ids: "pubmedIds",
      study_accession: { omit: "the same value as accession (OmicIDX repeats it)" },
      xrefs: "xrefLinks",
      study_type: "studyType",
      title: "title",
    },
  },
  {
    tables: ["raw.src_sra_samples", "bronze.stg_sra_samples"],
    target: { kind: "sra_sample" },
    columns: {
      ...SRA_COMMON,
      ...SRA_STATUS,
      biosample: "biosample",
      bioproject: "bioproject",
      description: "description",
      geo: "geoAccession",
      organism: "scientificName",
      xrefs: "xrefLinks",
      taxon_id: "taxonId",
      title: "title",
      // OmicIDX takes a sample's experiment and study from SRA_Accessions.tab, not from the sample's XML.
      experiment_ref: {
        omit: "sra_accessions.experiment of the sample's row (served by /v1/sra/accessions)",
      },
      study_ref: { omit: "sra_accessions.study of the sample's row (served by /v1/sra/accessions)" },
    },
  },
  {
    tables: ["raw.src_sra_experiments", "bronze.stg_sra_experiments"],
    target: { kind: "sra_experiment" },
    columns: {
      ...SRA_COMMON,
      ...SRA_STATUS,
      experiment_accession: { omit: "the same value as accession (OmicIDX repeats it)" },
      xrefs: "xrefLinks",
      title: "title",
      description: { omit: "always empty in OmicIDX's catalog: an EXPERIMENT has no DESCRIPTION element" },
      design: "designDescription",
      center_name: "centerName",
      study_accession: "studyAccession",
      sample_accession: "sampleAccession",
      platform: "platform",
      instrument_model: "instrumentModel",
      library_name: "library.name",
      library_construction_protocol: "library.constructionProtocol",
      library_layout: "library.layout",
      library_layout_orientation: "library.orientation",
      library_layout_length: "library.nominalLength",
      library_layout_sdev: "library.nominalSdev",
      library_strategy: "library.strategy",
      library_source: "library.source",
      library_selection: "library.selection",
      spot_length: "spotLength",
      nreads: { omit: "the number of read specs: the length of readSpecs" },
      reads: "readSpecs",
      "reads.read_index": "readSpecs[].index",
      biosample: "biosample",
      bioproject: "bioproject",
    },
  },
  {
    tables: ["raw.src_sra_runs", "bronze.stg_sra_runs"],
    target: { kind: "sra_run" },
    columns: {
      ...SRA_COMMON,
      ...SRA_STATUS,
      avg_length: { omit: "derived: totalBases / totalSpots (per read: reads[].average)" },
      base_counts: "baseCounts",
      experiment_accession: "experimentAccession",
      // OmicIDX fills these from SRA_Accessions.tab; omicslake reads them from the run package itself.
      experiment_ref: "experimentAccession",
      sample_ref: "sampleAccession",
      study_ref: "studyAccession",
      files: "files",
      qualities: "qualityCounts",
      reads: "reads",
      "qualities.quality": "qualityCounts[].value",
      "reads.mean_length": "reads[].average",
      "reads.sd_length": "reads[].stdev",
      size: "size",
      // OmicIDX's MAPPED_SPOTS is identifiedSpotCount; TAX_COUNTS is taxa.
      tax_analysis: "taxAnalysis",
      "tax_analysis.nspot_analyze": "taxAnalysis.analyzedSpotCount",
      "tax_analysis.total_spots": "taxAnalysis.totalSpotCount",
      "tax_analysis.mapped_spots": "taxAnalysis.identifiedSpotCount",
      "tax_analysis.tax_counts": "taxAnalysis.taxa",
      "tax_analysis.tax_counts.parent": "taxAnalysis.taxa[].parentTaxId",
      title: "title",
      total_bases: "totalBases",
      total_spots: "totalSpots",
      biosample: "biosample",
      bioproject: "bioproject",
    },
  },
  {
    tables: ["raw.src_sra_accessions", "bronze.stg_sra_accessions"],
    target: { kind: "sra_accessions" },
    columns: Object.fromEntries(
      [
        ["accession", "accession"],
        ["submission", "submission"],
        ["status", "status"],
        ["updated", "updated"],
        ["updated_date", "updated"],
        ["updated_timestamp", "updated"],
        ["published", "published"],
        ["received", "received"],
        ["type", "type"],
        ["center", "center"],
        ["visibility", "visibility"],
        ["alias", "alias"],
        ["experiment", "experiment"],
        ["sample", "sample"],
        ["study", "study"],
        ["loaded", "loaded"],
        ["spots", "spots"],
        ["bases", "bases"],
        ["md5sum", "md5sum"],
        ["biosample", "biosample"],
        ["bioproject", "bioproject"],
        ["replacedby", "replacedBy"],
        ["replaced_by", "replacedBy"],
      ].map(([column, name]) => [column!, name!]),
    ),
  },
  {
    tables: ["raw.src_ncbi_biosample", "bronze.stg_ncbi_biosample"],
    target: { kind: "biosample" },
    columns: {
      is_reference: "isReference",
      submission_date: "submissionDate",
      submission_timestamp: "submissionDate",
      last_update: "lastUpdate",
      last_update_timestamp: "lastUpdate",
      last_update_date: { omit: "derived in SQL: the date part of lastUpdate" },
      publication_date: "publicationDate",
      publication_timestamp: "publicationDate",
      access: "access",
      id: "id",
      accession: "accession",
      id_recs: "ids",
      "id_recs.id": "ids[].value",
      "id_recs.label": "ids[].dbLabel",
      ids: { omit: "id_recs formatted as 'db:value' strings; the structured ids hold the same" },
      sra_sample: "sraAccession",
      dbgap: "dbgapSampleId",
      gsm: "geoAccession",
      title: "title",
      description: "description",
      taxonomy_name: "organismName",
      taxon_id: "taxonomyId",
      attribute_recs: "attributes",
      attributes: {
        omit: "attribute_recs formatted as 'name:value' strings; the structured attributes hold the same",
      },
      model: "models",
    },
  },
  {
    tables: ["raw.src_ebi_biosample", "bronze.stg_ebi_biosample"],
    target: { kind: "biosample" },
    columns: {
      // EBI's BioSample API (JSON), another upstream for the same samples; omicslake reads NCBI's XML.
      accession: "accession",
      name: "title",
      update: "lastUpdate",
      update_timestamp: "lastUpdate",
      update_date: { omit: "derived in SQL: the date part of lastUpdate" },
      release: "publicationDate",
      release_timestamp: "publicationDate",
      create: "submissionDate",
      create_timestamp: "submissionDate",
      taxid: "taxonomyId",
      characteristics: "attributes",
      organization: "ownerName",
      contact: "contacts",
      externalreferences: "links",
      "characteristics.text": "attributes[].value",
      "characteristics.characteristic": "attributes[].attributeName",
      "characteristics.ontologyterms": {
        lacking:
          "EBI's ontology terms of a characteristic; NCBI's XML has none (EBI BioSample API as a source)",
      },
      "organization.name": "ownerName",
      "organization.role": { lacking: "EBI's organisation role; NCBI's Owner is a name and abbreviation" },
      "organization.address": { lacking: "EBI's organisation address; NCBI's Owner has none" },
      "organization.uri": { lacking: "EBI's organisation URI; NCBI's Owner has none" },
      "organization.email": { lacking: "EBI's organisation e-mail; NCBI's Owner has none" },
      "contact.name": { omit: "NCBI's Contact gives the parts: contacts[].firstName, contacts[].lastName" },
      "contact.role": { lacking: "EBI's contact role; NCBI's Contact has none" },
      "externalreferences.duo": {
        lacking: "EBI's Data Use Ontology codes of an external reference; NCBI's XML has none",
      },
      publications: {
        lacking:
          "EBI's publication list of a sample; NCBI's biosample_set.xml has none, so it needs the EBI BioSample API as a source",
        absent: "publications",
      },
      _links: { omit: "EBI API navigation links (self, curation URLs), not sample metadata" },
    },
  },
  {
    tables: ["raw.src_ncbi_bioproject", "bronze.stg_ncbi_bioproject"],
    target: { kind: "bioproject" },
    columns: {
      title: "title",
      description: "description",
      name: "name",
      accession: "accession",
      publications: "publications",
      locus_tags: "locusTagPrefixes",
      "publications.db": "publications[].dbType",
      "publications.pubdate": "publications[].date",
      "locus_tags.value": "locusTagPrefixes[].prefix",
      release_date: "releaseDate",
      release_timestamp: "releaseDate",
      release_date_only: { omit: "derived in SQL: the date part of releaseDate" },
      data_types: "dataTypes",
      external_links: "externalLinks",
    },
  },
  {
    tables: ["raw.src_geo_series", "bronze.stg_geo_series", "geometadb.gse"],
    target: { kind: "geo_series" },
    columns: {
      ...GEO_CONTACT_AND_DATES,
      accession: "accession",
      gse: "accession",
      subseries: "superSeriesOf",
      bioprojects: "bioprojects",
      sra_studies: "sraStudies",
      type: "types",
      summary: "summary",
      relation: "relations",
      pubmed_id: "pubmedIds",
      sample_id: "sampleIds",
      sample_taxid: "sampleTaxids",
      sample_organism: "sampleOrganisms",
      platform_id: "platformIds",
      platform_taxid: "platformTaxids",
      platform_organism: "platformOrganisms",
      data_processing: { other: "data_processing" },
      description: { other: "description" },
      supplemental_files: "supplementaryFiles",
      supplementary_file: "supplementaryFiles",
      overall_design: "overallDesign",
      contributor: "contributors",
      web_link: "webLinks",
      contact_country: "contact.country",
      contact_email: "contact.email",
      contact_first_name: "contact.name.first",
      contact_institute: "contact.institute",
      contact_last_name: "contact.name.last",
      has_geo_computed_rnaseq: {
        lacking:
          "whether NCBI computed RNA-seq counts for the series: needs GEO's list of such series as a source (OmicIDX's src_geo_series_with_rnaseq_counts)",
      },
    },
  },
  {
    tables: ["raw.src_geo_series_with_rnaseq_counts", "bronze.stg_geo_series_with_rnaseq_counts"],
    target: { kind: "geo_series" },
    columns: {
      accession: {
        lacking: "the series with NCBI-computed RNA-seq counts: no source adapter fetches GEO's list of them",
      },
    },
  },
  {
    tables: ["raw.src_geo_samples", "bronze.stg_geo_samples", "geometadb.gsm"],
    target: { kind: "geo_sample" },
    columns: {
      ...GEO_CONTACT_AND_DATES,
      accession: "accession",
      gsm: "accession",
      type: "type",
      // SAGE and other keys without a field of their own stay in `other`.
      anchor: { other: "anchor" },
      tag_count: { other: "tag_count" },
      tag_length: { other: "tag_length" },
      overall_design: { other: "overall_design" },
      contributor: { other: "contributor" },
      description: "description",
      biosample: "biosamples",
      platform_id: "platformId",
      gpl: "platformId",
      hyb_protocol: "hybProtocol",
      scan_protocol: "scanProtocol",
      channel_count: "channelCount",
      data_row_count: "dataRowCount",
      library_source: "librarySource",
      sra_experiment: "sraExperiments",
      data_processing: "dataProcessing",
      supplemental_files: "supplementaryFiles",
      supplementary_file: "supplementaryFiles",
      channels: "channels",
      channel_records: "channels",
      "channels.taxid": "channels[].taxids",
      "channels.organism": "channels[].organisms",
      "channel_records.taxid": "channels[].taxids",
      "channel_records.organism": "channels[].organisms",
      source_name_ch1: "channels[].sourceName",
      organism_ch1: "channels[].organisms",
      characteristics_ch1: "channels[].characteristics",
      molecule_ch1: "channels[].molecule",
      label_ch1: "channels[].label",
      treatment_protocol_ch1: "channels[].treatmentProtocol",
      extract_protocol_ch1: "channels[].extractProtocol",
      label_protocol_ch1: "channels[].labelProtocol",
      source_name_ch2: "channels[].sourceName",
      organism_ch2: "channels[].organisms",
      characteristics_ch2: "channels[].characteristics",
      molecule_ch2: "channels[].molecule",
      label_ch2: "channels[].label",
      treatment_protocol_ch2: "channels[].treatmentProtocol",
      extract_protocol_ch2: "channels[].extractProtocol",
      label_protocol_ch2: "channels[].labelProtocol",
    },
  },
  {
    tables: ["raw.src_geo_platforms", "bronze.stg_geo_platforms", "geometadb.gpl"],
    target: { kind: "geo_platform" },
    columns: {
      ...GEO_CONTACT_AND_DATES,
      accession: "accession",
      gpl: "accession",
      summary: { other: "summary" },
      organism: "organisms",
      sample_id: "sampleIds",
      series_id: "seriesIds",
      technology: "technology",
      description: "description",
      distribution: "distribution",
      manufacturer: "manufacturer",
      data_row_count: "dataRowCount",
      contributor: "contributors",
      relation: "relations",
      manufacture_protocol: "manufactureProtocol",
      web_link: "webLinks",
    },
  },
  { tables: ["geometadb.gse_gsm"], target: { view: "gse_gsm" }, columns: { gse: "gse", gsm: "gsm" } },
  { tables: ["geometadb.gse_gpl"], target: { view: "gse_gpl" }, columns: { gse: "gse", gpl: "gpl" } },
  {
    tables: ["geometadb.geo_supplemental_files"],
    target: { view: "geo_supplementary_file" },
    columns: {
      accession: "accession",
      accession_type: "entity_type",
      supplemental_file: "url",
      filename: "file_name",
    },
  },
];

/** Every field path of a zod schema: `a`, `a.b`, `list[].c`. */
function schemaPaths(schema: z.ZodType, prefix = "", out = new Set<string>()): Set<string> {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "readonly":
      return schemaPaths(def["innerType"] as z.ZodType, prefix, out);
    case "array":
      return schemaPaths(def["element"] as z.ZodType, `${prefix}[]`, out);
    case "object":
      for (const [name, field] of Object.entries(def["shape"] as Record<string, z.ZodType>)) {
        const path = prefix === "" ? name : `${prefix}.${name}`;
        out.add(path);
        schemaPaths(field, path, out);
      }
      return out;
    default:
      return out;
  }
}

/** Why an entry is wrong, or undefined when the omicslake side really has what it claims. */
function checkEntry(target: Target, coverage: Coverage): string | undefined {
  if (typeof coverage === "object" && "omit" in coverage) return undefined;
  if ("view" in target) {
    const view = SNAPSHOT_VIEWS.find((v) => v.name === target.view);
    if (view === undefined) return `no snapshot view ${target.view}`;
    if (typeof coverage !== "string") return "a view column must be named";
    return new RegExp(`\\b${coverage}\\b`).test(view.sql)
      ? undefined
      : `view ${target.view} has no ${coverage}`;
  }
  const paths = schemaPaths(RECORD_SCHEMAS[target.kind]);
  if (typeof coverage === "string")
    return paths.has(coverage) ? undefined : `${target.kind} has no field ${coverage}`;
  if ("other" in coverage)
    return paths.has("other") ? undefined : `${target.kind} has no "other" map for ${coverage.other}`;
  // A lacking field that has since been added must become a mapping.
  if (coverage.absent !== undefined && paths.has(coverage.absent))
    return `${target.kind}.${coverage.absent} exists now: map the column to it`;
  return undefined;
}

interface CatalogTable {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

/** The fields of a DuckDB STRUCT type (also inside lists), each with its own type; none for other types. */
function structFields(type: string): { name: string; type: string }[] {
  const t = type.trim().replace(/(\[\])+$/, "");
  if (!t.startsWith("STRUCT(") || !t.endsWith(")")) return [];
  const body = t.slice("STRUCT(".length, -1);
  const fields: { name: string; type: string }[] = [];
  let depth = 0;
  let start = 0;
  const push = (part: string): void => {
    const m = /^\s*("([^"]+)"|(\S+))\s+([\s\S]+)$/.exec(part);
    if (m !== null) fields.push({ name: (m[2] ?? m[3]!).toLowerCase(), type: m[4]!.trim() });
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      push(body.slice(start, i));
      start = i + 1;
    }
  }
  push(body.slice(start));
  return fields;
}

const norm = (name: string): string => name.toLowerCase().replaceAll("_", "");

/**
 * The inner fields of a STRUCT column that neither match a field under the omicslake path by name nor
 * have an entry `column.field` in the map; and entries that name omicslake fields that do not exist.
 */
function nestedProblems(
  map: TableMap,
  column: string,
  type: string,
  path: string,
  paths: ReadonlySet<string>,
): { missing: string[]; wrong: string[]; used: string[] } {
  const missing: string[] = [];
  const wrong: string[] = [];
  const used: string[] = [];
  const walk = (key: string, fieldType: string, under: string): void => {
    for (const field of structFields(fieldType)) {
      const entryKey = `${key}.${field.name}`;
      const entry = map.columns[entryKey];
      if (entry !== undefined) {
        used.push(entryKey);
        if (typeof entry !== "string") continue;
        if (!paths.has(entry)) wrong.push(`${entryKey}: no field ${entry}`);
        else walk(entryKey, field.type, entry);
        continue;
      }
      const child = [...paths].find((p) => {
        const rest = p.startsWith(`${under}[].`)
          ? p.slice(under.length + 3)
          : p.startsWith(`${under}.`)
            ? p.slice(under.length + 1)
            : undefined;
        return rest !== undefined && !rest.includes(".") && norm(rest) === norm(field.name);
      });
      if (child === undefined) missing.push(entryKey);
      else walk(entryKey, field.type, child);
    }
  };
  walk(column, type, path);
  return { missing, wrong, used };
}

describe.skipIf(!HAVE_CATALOG)(
  `OmicIDX field coverage${HAVE_CATALOG ? "" : ` (skipped: ${CATALOG} is absent)`}`,
  () => {
    const catalog = HAVE_CATALOG
      ? (JSON.parse(readFileSync(CATALOG, "utf8")) as { tables: CatalogTable[] })
      : { tables: [] };
    const byName = new Map(catalog.tables.map((t) => [t.name, t]));
    const hasColumn = (table: string, column: string): boolean =>
      byName.get(table)?.columns.some((c) => c.name === column) ?? false;

    it("maps every OmicIDX table of NCBI metadata", () => {
      const mapped = new Set(MAPS.flatMap((m) => m.tables));
      const unmapped = catalog.tables.map((t) => t.name).filter((name) => !mapped.has(name));
      expect(unmapped, "OmicIDX tables with no map here").toEqual([]);
      const gone = [...mapped].filter((name) => !byName.has(name));
      expect(gone, "mapped tables the catalog no longer has").toEqual([]);
    });

    it("accounts for every column: an omicslake field, or a commented omission or known lack", () => {
      const missing: string[] = [];
      const wrong: string[] = [];
      for (const map of MAPS) {
        const seen = new Set<string>();
        for (const table of map.tables) {
          for (const { name, type } of byName.get(table)?.columns ?? []) {
            seen.add(name);
            const coverage = map.columns[name];
            if (coverage === undefined) missing.push(`${table}.${name}`);
            else {
              const problem = checkEntry(map.target, coverage);
              if (problem !== undefined) wrong.push(`${table}.${name}: ${problem}`);
              else if (typeof coverage === "string" && "kind" in map.target) {
                const paths = schemaPaths(RECORD_SCHEMAS[map.target.kind]);
                const nested = nestedProblems(map, name, type, coverage, paths);
                for (const n of nested.missing) missing.push(`${table}.${n}`);
                for (const w of nested.wrong) wrong.push(`${table}.${w}`);
                for (const key of nested.used) seen.add(key);
              }
            }
          }
        }
        // An entry for a column none of its tables has is stale.
        for (const column of Object.keys(map.columns))
          if (!seen.has(column)) wrong.push(`${map.tables.join("/")}: no column ${column}`);
      }
      expect(missing, "OmicIDX columns omicslake does not account for").toEqual([]);
      expect(wrong, "entries that claim what omicslake does not have").toEqual([]);
    });

    it("lists what omicslake still lacks, each with what it would take", () => {
      const lacking = MAPS.flatMap((map) =>
        Object.entries(map.columns)
          .filter(([, c]) => typeof c === "object" && "lacking" in c)
          .map(
            ([column]) =>
              `${map.tables.filter((t) => hasColumn(t, column.split(".")[0]!)).join("/")}.${column}`,
          ),
      );
      // Changing this list means omicslake gained (or lost) a field OmicIDX serves: update the map above.
      const ebi = "raw.src_ebi_biosample/bronze.stg_ebi_biosample";
      expect(lacking).toEqual([
        `${ebi}.characteristics.ontologyterms`,
        `${ebi}.organization.role`,
        `${ebi}.organization.address`,
        `${ebi}.organization.uri`,
        `${ebi}.organization.email`,
        `${ebi}.contact.role`,
        `${ebi}.externalreferences.duo`,
        `${ebi}.publications`,
        "geometadb.gse.has_geo_computed_rnaseq",
        "raw.src_geo_series_with_rnaseq_counts/bronze.stg_geo_series_with_rnaseq_counts.accession",
      ]);
    });
  },
);
