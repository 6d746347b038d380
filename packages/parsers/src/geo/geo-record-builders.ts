import { GeoFieldBag, geoDateToIso } from "./geo-field-bag.js";
import type {
  GeoChannel,
  GeoContact,
  GeoDataset,
  GeoPersonName,
  GeoPlatform,
  GeoRelation,
  GeoSample,
  GeoSeries,
  GeoSubset,
  GeoTable,
} from "./geo-records.js";

/** One SOFT entity as read: its header, key/value lines, column descriptions and skipped table. */
export interface GeoEntity {
  readonly type: string;
  readonly accession: string;
  readonly fields: Map<string, string[]>;
  readonly columns: Map<string, string>;
  table: { readonly header: readonly string[] | undefined; readonly rowCount: number } | undefined;
}

/**
 * GEO's `first,middle,last` form: `lian,qing,jiao` → first/middle/last; `,,GEO` → last only. Only the
 * first two commas separate parts: the last part is everything after them, so an organisation written
 * as a last name keeps its own commas (`,,Affymetrix, Inc.` → last `Affymetrix, Inc.`). A name with a
 * single comma is `first,last`; one without any is a last name.
 */
export function parseGeoPersonName(text: string): GeoPersonName {
  const name: { first?: string; middle?: string; last?: string } = {};
  const set = (part: "first" | "middle" | "last", value: string): void => {
    const t = value.trim();
    if (t !== "") name[part] = t;
  };
  const c1 = text.indexOf(",");
  if (c1 < 0) {
    set("last", text);
    return name;
  }
  set("first", text.slice(0, c1));
  const c2 = text.indexOf(",", c1 + 1);
  if (c2 < 0) {
    set("last", text.slice(c1 + 1));
    return name;
  }
  set("middle", text.slice(c1 + 1, c2));
  set("last", text.slice(c2 + 1));
  return name;
}

const ACCESSION =
  /\b((?:SR|ER|DR)[APRSXZ]\d+|PRJ[A-Z]{1,2}\d+|SAM[NDE][A-Z]?\d+|GSE\d+|GSM\d+|GPL\d+|GDS\d+(?:_\d+)?)\b/;

/** `SRA: https://www.ncbi.nlm.nih.gov/sra?term=SRP251915` → `{type: "sra", accession: "SRP251915", …}`. */
export function parseGeoRelation(text: string): GeoRelation {
  const colon = text.indexOf(": ");
  const label = colon > 0 ? text.slice(0, colon).trim() : "";
  const target = colon > 0 ? text.slice(colon + 2).trim() : text.trim();
  const type =
    label === ""
      ? "unlabelled"
      : label
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "_")
          .replace(/^_+|_+$/g, "");
  const m = ACCESSION.exec(target);
  const relation: GeoRelation = { type, label, target };
  if (m !== null) relation.accession = m[1];
  return relation;
}

const CONTACT_KEYS: ReadonlyArray<readonly [string, keyof Omit<GeoContact, "name">]> = [
  ["contact_email", "email"],
  ["contact_phone", "phone"],
  ["contact_fax", "fax"],
  ["contact_laboratory", "laboratory"],
  ["contact_department", "department"],
  ["contact_institute", "institute"],
  ["contact_address", "address"],
  ["contact_city", "city"],
  ["contact_state", "state"],
  ["contact_zip/postal_code", "zipPostalCode"],
  ["contact_country", "country"],
  ["contact_web_link", "webLink"],
];

function contact(bag: GeoFieldBag): GeoContact | undefined {
  const out: { -readonly [K in keyof GeoContact]: GeoContact[K] } = {};
  const name = bag.list("contact_name");
  if (name.length > 0) out.name = parseGeoPersonName(name.join(" "));
  for (const [key, field] of CONTACT_KEYS) {
    const values = bag.list(key);
    if (values.length > 0) out[field] = values.join("; ");
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function status(bag: GeoFieldBag): { status?: string; publicDate?: string } {
  const raw = bag.text("status");
  if (raw === undefined) return {};
  const m = /^(\S+)(?: on (.+))?$/.exec(raw);
  if (m === null) return { status: raw };
  if (m[2] === undefined) return { status: m[1]! };
  const publicDate = geoDateToIso(m[2]);
  if (publicDate === undefined) bag.keep("status", raw);
  return publicDate === undefined ? { status: m[1]! } : { status: m[1]!, publicDate };
}

/** Every `supplementary_file` and `supplementary_file_N` value, in key order; `NONE` is not a file. */
function supplementaryFiles(bag: GeoFieldBag): string[] {
  const out: string[] = [];
  for (const key of bag.keys()) {
    if (!/^supplementary_file(?:_\d+)?$/.test(key)) continue;
    for (const v of bag.list(key)) if (v.toUpperCase() !== "NONE") out.push(v);
  }
  return out;
}

function relationAccessions(relations: readonly GeoRelation[], type: string): string[] {
  const out: string[] = [];
  for (const r of relations) if (r.type === type && r.accession !== undefined) out.push(r.accession);
  return out;
}

function table(entity: GeoEntity): GeoTable | undefined {
  if (entity.table === undefined && entity.columns.size === 0) return undefined;
  const described = new Map<string, string>();
  for (const [name, description] of entity.columns) described.set(name, description.trim());
  const columns: { name: string; description?: string }[] = [];
  const header = entity.table?.header ?? [...entity.columns.keys()];
  for (const cell of header) {
    const name = cell.trim();
    const description = described.get(name);
    described.delete(name);
    columns.push(description === undefined || description === "" ? { name } : { name, description });
  }
  // Columns described by `#` lines but missing from the header (or no table at all) still count.
  for (const [name, description] of described)
    columns.push(description === "" ? { name } : { name, description });
  return { columns, rowCount: entity.table?.rowCount ?? 0 };
}

function common(entity: GeoEntity, bag: GeoFieldBag) {
  bag.take("geo_accession");
  const title = bag.paragraphs("title");
  const st = status(bag);
  const submissionDate = bag.date("submission_date");
  const lastUpdateDate = bag.date("last_update_date");
  const relations = bag.list("relation").map(parseGeoRelation);
  return {
    accession: entity.accession,
    ...(title !== undefined && { title }),
    ...st,
    ...(submissionDate !== undefined && { submissionDate }),
    ...(lastUpdateDate !== undefined && { lastUpdateDate }),
    ...optional("contact", contact(bag)),
    supplementaryFiles: supplementaryFiles(bag),
    relations,
    webLinks: bag.list("web_link"),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function buildGeoSeries(entity: GeoEntity): GeoSeries {
  const bag = new GeoFieldBag(entity.fields);
  const base = common(entity, bag);
  return {
    kind: "geo_series",
    ...base,
    ...optional("summary", bag.paragraphs("summary")),
    ...optional("overallDesign", bag.paragraphs("overall_design")),
    types: bag.list("type"),
    pubmedIds: bag.ints("pubmed_id"),
    contributors: bag.list("contributor").map(parseGeoPersonName),
    sampleIds: bag.list("sample_id"),
    platformIds: bag.list("platform_id"),
    platformOrganisms: bag.list("platform_organism"),
    platformTaxids: bag.ints("platform_taxid"),
    sampleOrganisms: bag.list("sample_organism"),
    sampleTaxids: bag.ints("sample_taxid"),
    bioprojects: relationAccessions(base.relations, "bioproject"),
    sraStudies: relationAccessions(base.relations, "sra"),
    subSeriesOf: relationAccessions(base.relations, "subseries_of"),
    superSeriesOf: relationAccessions(base.relations, "superseries_of"),
    other: bag.rest(),
  };
}

const CHANNEL_KEY = /^(.+)_ch(\d+)$/;

function channels(bag: GeoFieldBag): GeoChannel[] {
  const byChannel = new Map<number, Map<string, string[]>>();
  for (const key of bag.keys()) {
    const m = CHANNEL_KEY.exec(key);
    if (m === null) continue;
    const n = Number(m[2]);
    let fields = byChannel.get(n);
    if (fields === undefined) byChannel.set(n, (fields = new Map<string, string[]>()));
    fields.set(m[1]!, bag.take(key));
  }
  return [...byChannel.keys()]
    .sort((a, b) => a - b)
    .map((n) => {
      const ch = new GeoFieldBag(byChannel.get(n)!);
      return {
        channel: n,
        ...optional("sourceName", ch.text("source_name")),
        organisms: ch.list("organism"),
        taxids: ch.ints("taxid"),
        characteristics: ch.list("characteristics").map((v) => {
          const i = v.indexOf(": ");
          return i > 0 ? { tag: v.slice(0, i).trim(), value: v.slice(i + 2).trim() } : { value: v };
        }),
        ...optional("molecule", ch.text("molecule")),
        ...optional("label", ch.text("label")),
        treatmentProtocol: ch.list("treatment_protocol"),
        growthProtocol: ch.list("growth_protocol"),
        extractProtocol: ch.list("extract_protocol"),
        labelProtocol: ch.list("label_protocol"),
        biomaterialProvider: ch.list("biomaterial_provider"),
        other: ch.rest(),
      };
    });
}

export function buildGeoSample(entity: GeoEntity): GeoSample {
  const bag = new GeoFieldBag(entity.fields);
  const base = common(entity, bag);
  return {
    kind: "geo_sample",
    ...base,
    ...optional("type", bag.text("type")),
    ...optional("channelCount", bag.int("channel_count")),
    channels: channels(bag),
    ...optional("description", bag.paragraphs("description")),
    dataProcessing: bag.list("data_processing"),
    hybProtocol: bag.list("hyb_protocol"),
    scanProtocol: bag.list("scan_protocol"),
    ...optional("platformId", bag.text("platform_id")),
    seriesIds: bag.list("series_id"),
    ...optional("instrumentModel", bag.text("instrument_model")),
    ...optional("libraryStrategy", bag.text("library_strategy")),
    ...optional("librarySource", bag.text("library_source")),
    ...optional("librarySelection", bag.text("library_selection")),
    biosamples: relationAccessions(base.relations, "biosample"),
    sraExperiments: relationAccessions(base.relations, "sra"),
    ...optional("dataRowCount", bag.int("data_row_count")),
    ...optional("table", table(entity)),
    other: bag.rest(),
  };
}

export function buildGeoPlatform(entity: GeoEntity): GeoPlatform {
  const bag = new GeoFieldBag(entity.fields);
  const base = common(entity, bag);
  return {
    kind: "geo_platform",
    ...base,
    ...optional("technology", bag.text("technology")),
    ...optional("distribution", bag.text("distribution")),
    organisms: bag.list("organism"),
    taxids: bag.ints("taxid"),
    ...optional("manufacturer", bag.text("manufacturer")),
    manufactureProtocol: bag.list("manufacture_protocol"),
    ...optional("description", bag.paragraphs("description")),
    catalogNumbers: bag.list("catalog_number"),
    pubmedIds: bag.ints("pubmed_id"),
    contributors: bag.list("contributor").map(parseGeoPersonName),
    sampleIds: bag.list("sample_id"),
    seriesIds: bag.list("series_id"),
    ...optional("dataRowCount", bag.int("data_row_count")),
    ...optional("table", table(entity)),
    other: bag.rest(),
  };
}

export function buildGeoDataset(entity: GeoEntity): GeoDataset {
  const bag = new GeoFieldBag(entity.fields);
  return {
    kind: "geo_dataset",
    accession: entity.accession,
    ...optional("title", bag.paragraphs("title")),
    ...optional("description", bag.paragraphs("description")),
    ...optional("type", bag.text("type")),
    pubmedIds: bag.ints("pubmed_id"),
    ...optional("platform", bag.text("platform")),
    platformOrganisms: bag.list("platform_organism"),
    ...optional("platformTechnologyType", bag.text("platform_technology_type")),
    ...optional("featureCount", bag.int("feature_count")),
    sampleOrganisms: bag.list("sample_organism"),
    ...optional("sampleType", bag.text("sample_type")),
    ...optional("channelCount", bag.int("channel_count")),
    ...optional("sampleCount", bag.int("sample_count")),
    ...optional("valueType", bag.text("value_type")),
    referenceSeries: bag.list("reference_series"),
    ...optional("order", bag.text("order")),
    ...optional("updateDate", bag.date("update_date")),
    ...optional("table", table(entity)),
    other: bag.rest(),
  };
}

export function buildGeoSubset(entity: GeoEntity): GeoSubset {
  const bag = new GeoFieldBag(entity.fields);
  return {
    kind: "geo_subset",
    accession: entity.accession,
    ...optional("datasetId", bag.text("dataset_id")),
    ...optional("description", bag.paragraphs("description")),
    ...optional("type", bag.text("type")),
    sampleIds: bag
      .list("sample_id")
      .flatMap((v) => v.split(","))
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    other: bag.rest(),
  };
}
