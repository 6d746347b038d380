import { ParseError } from "../errors/parse-error.js";
import { allAt, at, child, childrenNamed, textAt, type XmlNode } from "../xml/xml-node.js";
import { readXmlRecordBatches } from "../xml/xml-record-reader.js";
import { attrOf, toBool, toInt, toIsoDate, toNumber } from "../xml/xml-values.js";
import type {
  SraAttribute,
  SraExperiment,
  SraFile,
  SraIdentifiers,
  SraOrganization,
  SraPlatformField,
  SraPoolMember,
  SraReadSpec,
  SraRecord,
  SraRun,
  SraSample,
  SraStudy,
  SraSubmission,
  SraTaxAnalysis,
  SraTaxon,
  SraUrlLink,
  SraXrefLink,
} from "./sra-records.js";

export interface ParseSraOptions {
  /** File name used in error messages. */
  readonly file?: string;
  /** Most taxa kept from one run's tax_analysis tree (the rest is dropped and `truncated` set). Default 10,000. */
  readonly maxTaxa?: number;
}

/** Elements emitted as records, wherever they appear. */
export const SRA_RECORD_ELEMENTS = [
  "EXPERIMENT_PACKAGE",
  "STUDY",
  "SAMPLE",
  "EXPERIMENT",
  "RUN",
  "SUBMISSION",
] as const;
/** Accepted document roots: the Mirroring `*_SET` files, efetch package sets, and lone records. */
export const SRA_ROOTS = [
  "EXPERIMENT_PACKAGE_SET",
  "STUDY_SET",
  "SAMPLE_SET",
  "EXPERIMENT_SET",
  "RUN_SET",
  "SUBMISSION_SET",
  ...SRA_RECORD_ELEMENTS,
] as const;

/**
 * Streams typed SRA records out of SRA XML: `STUDY_SET`, `SAMPLE_SET`, `EXPERIMENT_SET`, `RUN_SET`,
 * `SUBMISSION_SET` (the Mirroring `meta_*_set.xml` shape) and efetch `EXPERIMENT_PACKAGE_SET`, where each
 * package yields its experiment, study, sample(s), runs and submission.
 *
 * @example
 * for await (const r of parseSra(openInput("meta_run_set.xml.gz"), { file: "meta_run_set.xml.gz" })) if (r.kind === "sra_run") …
 */
export async function* parseSra(
  input: AsyncIterable<Uint8Array>,
  options: ParseSraOptions = {},
): AsyncGenerator<SraRecord> {
  const maxTaxa = options.maxTaxa ?? 10_000;
  for await (const batch of readXmlRecordBatches(input, {
    records: SRA_RECORD_ELEMENTS,
    roots: SRA_ROOTS,
    file: options.file,
  })) {
    for (const { node, byteOffset } of batch) {
      const ctx: Context = { file: options.file, byteOffset, maxTaxa };
      switch (node.name) {
        case "EXPERIMENT_PACKAGE":
          // Not yield*: over an array it adds an async-from-sync iterator step per record.
          for (const record of packageRecords(node, ctx)) yield record;
          break;
        case "STUDY":
          yield study(node, ctx);
          break;
        case "SAMPLE":
          yield sample(node, ctx);
          break;
        case "EXPERIMENT":
          yield experiment(node, ctx, undefined);
          break;
        case "RUN":
          yield run(node, ctx, {});
          break;
        case "SUBMISSION":
          yield submission(node, ctx, undefined);
          break;
      }
    }
  }
}

interface Context {
  readonly file: string | undefined;
  readonly byteOffset: number;
  readonly maxTaxa: number;
}

function packageRecords(pkg: XmlNode, ctx: Context): SraRecord[] {
  const out: SraRecord[] = [];
  const submissionNode = child(pkg, "SUBMISSION");
  const submissionAccession = submissionNode === undefined ? undefined : accessionOf(submissionNode, ctx);
  const experimentNode = child(pkg, "EXPERIMENT");
  const exp = experimentNode === undefined ? undefined : experiment(experimentNode, ctx, submissionAccession);
  if (exp !== undefined) out.push(exp);
  const studyNode = child(pkg, "STUDY");
  const st = studyNode === undefined ? undefined : study(studyNode, ctx);
  if (st !== undefined) out.push(st);
  const samples = childrenNamed(pkg, "SAMPLE").map((s) => sample(s, ctx));
  out.push(...samples);
  const runContext: RunContext = {
    studyAccession: st?.accession ?? exp?.studyAccession,
    sampleAccession: samples.length === 1 ? samples[0]!.accession : exp?.sampleAccession,
    biosample: samples.length === 1 ? samples[0]!.biosample : exp?.biosample,
    bioproject: st?.bioproject ?? exp?.bioproject,
    submissionAccession,
    geoAccession: exp?.geoAccession,
    platform: exp?.platform,
    instrumentModel: exp?.instrumentModel,
    platformFields: exp?.platformFields,
  };
  for (const runNode of allAt(pkg, "RUN_SET/RUN")) out.push(run(runNode, ctx, runContext));
  if (submissionNode !== undefined) out.push(submission(submissionNode, ctx, child(pkg, "Organization")));
  return out;
}

// ---- shared pieces -------------------------------------------------------------------------------

function accessionOf(node: XmlNode, ctx: Context): string {
  const accession = attrOf(node, "accession") ?? textAt(node, "IDENTIFIERS/PRIMARY_ID");
  if (accession === undefined) {
    throw new ParseError(
      "missing_accession",
      `<${node.name}> has no accession attribute and no PRIMARY_ID`,
      {
        file: ctx.file,
        byteOffset: ctx.byteOffset,
        record:
          attrOf(node, "alias") === undefined ? node.name : `${node.name} alias ${attrOf(node, "alias")}`,
      },
      { hint: "Every SRA object needs an accession; check that the file is a complete SRA metadata file" },
    );
  }
  return accession;
}

function identifiers(node: XmlNode): SraIdentifiers {
  const ids = child(node, "IDENTIFIERS");
  const secondary: string[] = [];
  const external: Array<{ namespace?: string; label?: string; value: string }> = [];
  const submitter: Array<{ namespace?: string; label?: string; value: string }> = [];
  const uuid: string[] = [];
  let primary: string | undefined;
  if (ids !== undefined) {
    for (const id of ids.children) {
      const value = id.text.trim();
      if (value === "") continue;
      if (id.name === "PRIMARY_ID") primary ??= value;
      else if (id.name === "SECONDARY_ID") secondary.push(value);
      else if (id.name === "EXTERNAL_ID")
        external.push({ namespace: attrOf(id, "namespace"), label: attrOf(id, "label"), value });
      else if (id.name === "SUBMITTER_ID")
        submitter.push({ namespace: attrOf(id, "namespace"), label: attrOf(id, "label"), value });
      else if (id.name === "UUID") uuid.push(value);
    }
  }
  return { primary, secondary, external, submitter, uuid };
}

function attributes(node: XmlNode, container: string): SraAttribute[] {
  const list = child(node, container);
  if (list === undefined) return [];
  const out: SraAttribute[] = [];
  for (const a of list.children) {
    const tag = textAt(a, "TAG");
    if (tag === undefined) continue;
    out.push({ tag, value: textAt(a, "VALUE"), units: textAt(a, "UNITS") });
  }
  return out;
}

function links(node: XmlNode, container: string): { xrefLinks: SraXrefLink[]; urlLinks: SraUrlLink[] } {
  const xrefLinks: SraXrefLink[] = [];
  const urlLinks: SraUrlLink[] = [];
  const list = child(node, container);
  if (list !== undefined) {
    for (const link of list.children) {
      for (const l of link.children) {
        if (l.name === "XREF_LINK" || l.name === "ENTREZ_LINK") {
          const db = textAt(l, "DB");
          if (db === undefined) continue;
          xrefLinks.push({ db, id: textAt(l, "ID"), label: textAt(l, "LABEL"), query: textAt(l, "QUERY") });
        } else if (l.name === "URL_LINK") {
          const url = textAt(l, "URL");
          if (url !== undefined) urlLinks.push({ label: textAt(l, "LABEL"), url });
        }
      }
    }
  }
  return { xrefLinks, urlLinks };
}

const GEO_ACCESSION = /^G(SE|SM|PL|DS)\d+$/;
const BIOSAMPLE = /^SAM[NED][A-Z]?\d+$/;
const BIOPROJECT = /^PRJ[NED][A-Z]\d+$/;
const PUBMED_ID = /^\d{1,9}$/;

interface Promoted {
  geoAccession?: string;
  biosample?: string;
  bioproject?: string;
  pubmedIds: number[];
}

/** GEO, BioSample, BioProject and PubMed ids found in identifiers, links, attributes and the alias. */
function promote(
  ids: SraIdentifiers,
  xrefs: readonly SraXrefLink[],
  attrs: readonly SraAttribute[],
  alias: string | undefined,
): Promoted {
  let geo: string | undefined;
  let biosample: string | undefined;
  let bioproject: string | undefined;
  const pubmed = new Set<number>();
  const consider = (namespace: string | undefined, value: string): void => {
    const ns = namespace?.toLowerCase();
    if (GEO_ACCESSION.test(value)) geo ??= value;
    else if (BIOSAMPLE.test(value)) biosample ??= value;
    else if (BIOPROJECT.test(value)) bioproject ??= value;
    else if ((ns === "pubmed" || ns === "pmid") && PUBMED_ID.test(value)) pubmed.add(Number(value));
  };
  for (const e of ids.external) consider(e.namespace, e.value);
  for (const s of ids.submitter) if (s.namespace?.toUpperCase() === "GEO") consider(s.namespace, s.value);
  for (const s of ids.secondary) consider(undefined, s);
  for (const x of xrefs) {
    const db = x.db.toLowerCase();
    if (db === "pubmed" && x.id !== undefined) {
      // ENA writes ranges and lists ("123,456"); keep each id.
      for (const part of x.id.split(/[,\s]+/)) if (PUBMED_ID.test(part)) pubmed.add(Number(part));
    } else if (db === "bioproject" && x.label !== undefined && BIOPROJECT.test(x.label))
      bioproject ??= x.label;
    else if (db === "biosample" && x.label !== undefined && BIOSAMPLE.test(x.label)) biosample ??= x.label;
  }
  for (const a of attrs)
    if (a.tag === "GEO Accession" && a.value !== undefined && GEO_ACCESSION.test(a.value)) geo ??= a.value;
  if (geo === undefined && alias !== undefined && GEO_ACCESSION.test(alias)) geo = alias;
  return { geoAccession: geo, biosample, bioproject, pubmedIds: [...pubmed] };
}

function base(node: XmlNode, ctx: Context, attributeContainer: string, linkContainer: string) {
  const accession = accessionOf(node, ctx);
  const alias = attrOf(node, "alias");
  const ids = identifiers(node);
  const attrs = attributes(node, attributeContainer);
  const { xrefLinks, urlLinks } = links(node, linkContainer);
  // The fields every SRA record carries, in the order records list them.
  const common = {
    accession,
    alias,
    centerName: attrOf(node, "center_name"),
    brokerName: attrOf(node, "broker_name"),
    identifiers: ids,
    attributes: attrs,
    xrefLinks,
    urlLinks,
  };
  return { common, promoted: promote(ids, xrefLinks, attrs, alias) };
}

function readSpecs(node: XmlNode): { spotLength?: number; readSpecs: SraReadSpec[] } {
  const spec = at(node, "SPOT_DESCRIPTOR/SPOT_DECODE_SPEC");
  if (spec === undefined) return { spotLength: undefined, readSpecs: [] };
  return {
    spotLength: toInt(textAt(spec, "SPOT_LENGTH")),
    readSpecs: childrenNamed(spec, "READ_SPEC").map((r) => ({
      index: toInt(textAt(r, "READ_INDEX")),
      label: textAt(r, "READ_LABEL"),
      readClass: textAt(r, "READ_CLASS"),
      readType: textAt(r, "READ_TYPE"),
      baseCoord: toInt(textAt(r, "BASE_COORD")),
    })),
  };
}

function platform(node: XmlNode): {
  platform?: string;
  instrumentModel?: string;
  platformFields: SraPlatformField[];
} {
  const p = child(node, "PLATFORM")?.children[0];
  if (p === undefined) return { platform: undefined, instrumentModel: undefined, platformFields: [] };
  const platformFields: SraPlatformField[] = [];
  platformFieldsOf(p, "", platformFields);
  return { platform: p.name, instrumentModel: textAt(p, "INSTRUMENT_MODEL"), platformFields };
}

// Older platforms carry more than a model (LS454 FLOW_SEQUENCE and KEY_SEQUENCE, ABI_SOLID COLOR_MATRIX):
// every descendant is kept under its path so none is lost, whatever the platform.
function platformFieldsOf(node: XmlNode, prefix: string, out: SraPlatformField[]): void {
  for (const c of node.children) {
    const name = prefix + c.name;
    if (c.children.length === 0) out.push({ name, value: textAt(c) });
    else platformFieldsOf(c, `${name}/`, out);
  }
}

// ---- records -------------------------------------------------------------------------------------

function study(node: XmlNode, ctx: Context): SraStudy {
  const b = base(node, ctx, "STUDY_ATTRIBUTES", "STUDY_LINKS");
  const descriptor = child(node, "DESCRIPTOR");
  const type = child(descriptor ?? node, "STUDY_TYPE");
  const existing = attrOf(type, "existing_study_type");
  const related = allAt(descriptor ?? node, "RELATED_STUDIES/RELATED_STUDY").map((r) => {
    const link = child(r, "RELATED_LINK");
    return {
      db: textAt(link ?? r, "DB") ?? "",
      id: textAt(link ?? r, "ID"),
      isPrimary: toBool(textAt(r, "IS_PRIMARY")),
    };
  });
  return {
    kind: "sra_study" as const,
    ...b.common,
    ...b.promoted,
    title: descriptor === undefined ? undefined : textAt(descriptor, "STUDY_TITLE"),
    studyType: existing === "Other" ? (attrOf(type, "new_study_type") ?? existing) : existing,
    abstract: descriptor === undefined ? undefined : textAt(descriptor, "STUDY_ABSTRACT"),
    description: descriptor === undefined ? undefined : textAt(descriptor, "STUDY_DESCRIPTION"),
    centerProjectName: descriptor === undefined ? undefined : textAt(descriptor, "CENTER_PROJECT_NAME"),
    relatedStudies: related.filter((r) => r.db !== ""),
  };
}

function sample(node: XmlNode, ctx: Context): SraSample {
  const b = base(node, ctx, "SAMPLE_ATTRIBUTES", "SAMPLE_LINKS");
  const name = child(node, "SAMPLE_NAME");
  return {
    kind: "sra_sample" as const,
    ...b.common,
    ...b.promoted,
    title: textAt(node, "TITLE"),
    description: textAt(node, "DESCRIPTION"),
    taxonId: name === undefined ? undefined : toInt(textAt(name, "TAXON_ID")),
    scientificName: name === undefined ? undefined : textAt(name, "SCIENTIFIC_NAME"),
    commonName: name === undefined ? undefined : textAt(name, "COMMON_NAME"),
    anonymizedName: name === undefined ? undefined : textAt(name, "ANONYMIZED_NAME"),
    individualName: name === undefined ? undefined : textAt(name, "INDIVIDUAL_NAME"),
  };
}

function experiment(node: XmlNode, ctx: Context, submissionAccession: string | undefined): SraExperiment {
  const b = base(node, ctx, "EXPERIMENT_ATTRIBUTES", "EXPERIMENT_LINKS");
  const studyRef = child(node, "STUDY_REF");
  const design = child(node, "DESIGN");
  const sampleRef = design === undefined ? undefined : child(design, "SAMPLE_DESCRIPTOR");
  const lib = design === undefined ? undefined : child(design, "LIBRARY_DESCRIPTOR");
  const layout = lib === undefined ? undefined : child(lib, "LIBRARY_LAYOUT")?.children[0];
  const refIds = [studyRef, sampleRef].flatMap((r) => (r === undefined ? [] : identifiers(r).external));
  const fromRefs = promote({ secondary: [], external: refIds, submitter: [], uuid: [] }, [], [], undefined);
  const layoutName = layout?.name === "SINGLE" || layout?.name === "PAIRED" ? layout.name : undefined;
  const expPlatform = platform(node);
  const spec = readSpecs(design ?? node);
  return {
    kind: "sra_experiment" as const,
    ...b.common,
    geoAccession: b.promoted.geoAccession ?? fromRefs.geoAccession,
    biosample: b.promoted.biosample ?? fromRefs.biosample,
    bioproject: b.promoted.bioproject ?? fromRefs.bioproject,
    pubmedIds: b.promoted.pubmedIds,
    title: textAt(node, "TITLE"),
    studyAccession:
      attrOf(studyRef, "accession") ??
      (studyRef === undefined ? undefined : textAt(studyRef, "IDENTIFIERS/PRIMARY_ID")),
    studyRefname: attrOf(studyRef, "refname"),
    sampleAccession:
      attrOf(sampleRef, "accession") ??
      (sampleRef === undefined ? undefined : textAt(sampleRef, "IDENTIFIERS/PRIMARY_ID")),
    sampleRefname: attrOf(sampleRef, "refname"),
    designDescription: design === undefined ? undefined : textAt(design, "DESIGN_DESCRIPTION"),
    library: {
      name: lib === undefined ? undefined : textAt(lib, "LIBRARY_NAME"),
      strategy: lib === undefined ? undefined : textAt(lib, "LIBRARY_STRATEGY"),
      source: lib === undefined ? undefined : textAt(lib, "LIBRARY_SOURCE"),
      selection: lib === undefined ? undefined : textAt(lib, "LIBRARY_SELECTION"),
      layout: layoutName,
      nominalLength: toNumber(attrOf(layout, "NOMINAL_LENGTH")),
      nominalSdev: toNumber(attrOf(layout, "NOMINAL_SDEV")),
      orientation: attrOf(layout, "ORIENTATION"),
      poolingStrategy: lib === undefined ? undefined : textAt(lib, "POOLING_STRATEGY"),
      constructionProtocol: lib === undefined ? undefined : textAt(lib, "LIBRARY_CONSTRUCTION_PROTOCOL"),
    },
    platform: expPlatform.platform,
    instrumentModel: expPlatform.instrumentModel,
    platformFields: expPlatform.platformFields,
    spotLength: spec.spotLength,
    readSpecs: spec.readSpecs,
    submissionAccession,
  };
}

interface RunContext {
  readonly studyAccession?: string | undefined;
  readonly sampleAccession?: string | undefined;
  readonly biosample?: string | undefined;
  readonly bioproject?: string | undefined;
  readonly submissionAccession?: string | undefined;
  readonly geoAccession?: string | undefined;
  readonly platform?: string | undefined;
  readonly instrumentModel?: string | undefined;
  readonly platformFields?: readonly SraPlatformField[] | undefined;
}

function run(node: XmlNode, ctx: Context, pkg: RunContext): SraRun {
  const b = base(node, ctx, "RUN_ATTRIBUTES", "RUN_LINKS");
  const experimentRef = child(node, "EXPERIMENT_REF");
  const statistics = child(node, "Statistics") ?? at(node, "Run/Statistics");
  const bases = child(node, "Bases") ?? at(node, "Run/Bases");
  const quality = child(node, "QualityCount") ?? at(node, "Run/QualityCount");
  const poolMembers = allAt(node, "Pool/Member").map(poolMember);
  const tax = child(node, "tax_analysis");
  const runPlatform = platform(node);
  const spec = readSpecs(node);
  return {
    kind: "sra_run" as const,
    ...b.common,
    pubmedIds: b.promoted.pubmedIds,
    geoAccession: b.promoted.geoAccession ?? pkg.geoAccession,
    biosample:
      b.promoted.biosample ??
      (poolMembers.length === 1 ? poolMembers[0]!.biosample : undefined) ??
      pkg.biosample,
    bioproject: b.promoted.bioproject ?? pkg.bioproject,
    title: textAt(node, "TITLE"),
    experimentAccession:
      attrOf(experimentRef, "accession") ??
      (experimentRef === undefined ? undefined : textAt(experimentRef, "IDENTIFIERS/PRIMARY_ID")),
    experimentRefname: attrOf(experimentRef, "refname"),
    studyAccession: pkg.studyAccession,
    sampleAccession:
      (poolMembers.length === 1 ? poolMembers[0]!.accession : undefined) ?? pkg.sampleAccession,
    submissionAccession: pkg.submissionAccession,
    runCenter: attrOf(node, "run_center"),
    runDate: toIsoDate(attrOf(node, "run_date")),
    totalSpots: toNumber(attrOf(node, "total_spots")),
    totalBases: toNumber(attrOf(node, "total_bases")),
    size: toNumber(attrOf(node, "size")),
    published: toIsoDate(attrOf(node, "published")),
    loadDone: toBool(attrOf(node, "load_done")),
    isPublic: toBool(attrOf(node, "is_public")),
    clusterName: attrOf(node, "cluster_name"),
    staticDataAvailable: toBool(attrOf(node, "static_data_available")),
    assembly: attrOf(node, "assembly"),
    // Runs inside a package often omit PLATFORM: the experiment's applies.
    platform: runPlatform.platform ?? pkg.platform,
    instrumentModel: runPlatform.instrumentModel ?? pkg.instrumentModel,
    platformFields:
      runPlatform.platform !== undefined ? runPlatform.platformFields : (pkg.platformFields ?? []),
    spotLength: spec.spotLength,
    readSpecs: spec.readSpecs,
    nreads: toInt(attrOf(statistics, "nreads")),
    nspots: toNumber(attrOf(statistics, "nspots")),
    reads:
      statistics === undefined
        ? []
        : childrenNamed(statistics, "Read").map((r, i) => ({
            index: toInt(attrOf(r, "index")) ?? i,
            count: toNumber(attrOf(r, "count")),
            average: toNumber(attrOf(r, "average")),
            stdev: toNumber(attrOf(r, "stdev")),
          })),
    baseCount: toNumber(attrOf(bases, "count")),
    csNative: toBool(attrOf(bases, "cs_native")),
    baseCounts: baseCounts(bases),
    qualityCounts: qualityCounts(quality),
    poolMembers,
    files: allAt(node, "SRAFiles/SRAFile").map(sraFile),
    cloudFiles: allAt(node, "CloudFiles/CloudFile").map((c) => ({
      filetype: attrOf(c, "filetype"),
      provider: attrOf(c, "provider"),
      location: attrOf(c, "location"),
    })),
    taxAnalysis: tax === undefined ? undefined : taxAnalysis(tax, ctx.maxTaxa),
  };
}

// Loops rather than flatMap: a run has dozens of quality bins, and flatMap allocated an array for each.
function baseCounts(bases: XmlNode | undefined): Array<{ base: string; count: number }> {
  const out: Array<{ base: string; count: number }> = [];
  if (bases === undefined) return out;
  for (const x of bases.children) {
    if (x.name !== "Base") continue;
    const base = attrOf(x, "value");
    const count = toNumber(attrOf(x, "count"));
    if (base !== undefined && count !== undefined) out.push({ base, count });
  }
  return out;
}

function qualityCounts(quality: XmlNode | undefined): Array<{ value: number; count: number }> {
  const out: Array<{ value: number; count: number }> = [];
  if (quality === undefined) return out;
  for (const q of quality.children) {
    if (q.name !== "Quality") continue;
    const value = toInt(attrOf(q, "value"));
    const count = toNumber(attrOf(q, "count"));
    if (value !== undefined && count !== undefined) out.push({ value, count });
  }
  return out;
}

function poolMember(m: XmlNode): SraPoolMember {
  const ids = identifiers(m);
  return {
    accession: attrOf(m, "accession") ?? ids.primary,
    memberName: attrOf(m, "member_name"),
    sampleName: attrOf(m, "sample_name"),
    sampleTitle: attrOf(m, "sample_title"),
    spots: toNumber(attrOf(m, "spots")),
    bases: toNumber(attrOf(m, "bases")),
    taxId: toInt(attrOf(m, "tax_id")),
    organism: attrOf(m, "organism"),
    biosample: ids.external.find((e) => BIOSAMPLE.test(e.value))?.value,
  };
}

function sraFile(f: XmlNode): SraFile {
  return {
    filename: attrOf(f, "filename"),
    url: attrOf(f, "url"),
    size: toNumber(attrOf(f, "size")),
    date: toIsoDate(attrOf(f, "date")),
    md5: attrOf(f, "md5"),
    semanticName: attrOf(f, "semantic_name"),
    supertype: attrOf(f, "supertype"),
    sratoolkit: attrOf(f, "sratoolkit"),
    cluster: attrOf(f, "cluster"),
    attributes: { ...f.attrs },
    alternatives: childrenNamed(f, "Alternatives").map((a) => ({
      url: attrOf(a, "url"),
      org: attrOf(a, "org"),
      freeEgress: attrOf(a, "free_egress"),
      accessType: attrOf(a, "access_type"),
    })),
  };
}

function taxAnalysis(node: XmlNode, maxTaxa: number): SraTaxAnalysis {
  const taxa: SraTaxon[] = [];
  let truncated = false;
  // Depth-first with an explicit stack: the tree's depth is bounded by the XML reader, its size here.
  // Three parallel stacks rather than one of objects: no allocation per taxon visited.
  const nodes: XmlNode[] = [];
  const parents: Array<number | undefined> = [];
  const depths: number[] = [];
  for (let i = node.children.length - 1; i >= 0; i--) {
    nodes.push(node.children[i]!);
    parents.push(undefined);
    depths.push(0);
  }
  while (nodes.length > 0) {
    const t = nodes.pop()!;
    const parent = parents.pop();
    const depth = depths.pop()!;
    if (t.name !== "taxon") continue;
    const taxId = toInt(attrOf(t, "tax_id"));
    if (taxId === undefined) continue;
    if (taxa.length >= maxTaxa) {
      truncated = true;
      break;
    }
    taxa.push({
      taxId,
      name: attrOf(t, "name"),
      rank: attrOf(t, "rank"),
      parentTaxId: parent,
      depth,
      selfCount: toNumber(attrOf(t, "self_count")),
      totalCount: toNumber(attrOf(t, "total_count")),
    });
    for (let i = t.children.length - 1; i >= 0; i--) {
      nodes.push(t.children[i]!);
      parents.push(taxId);
      depths.push(depth + 1);
    }
  }
  return {
    analyzedSpotCount: toNumber(attrOf(node, "analyzed_spot_count")),
    totalSpotCount: toNumber(attrOf(node, "total_spot_count")),
    identifiedSpotCount: toNumber(attrOf(node, "identified_spot_count")),
    parserVersion: attrOf(node, "parser_version"),
    taxa,
    truncated,
  };
}

function submission(node: XmlNode, ctx: Context, organizationNode: XmlNode | undefined): SraSubmission {
  const b = base(node, ctx, "SUBMISSION_ATTRIBUTES", "SUBMISSION_LINKS");
  return {
    kind: "sra_submission" as const,
    ...b.common,
    title: textAt(node, "TITLE"),
    labName: attrOf(node, "lab_name"),
    submissionComment: attrOf(node, "submission_comment"),
    submissionDate: toIsoDate(attrOf(node, "submission_date")),
    organization: organizationNode === undefined ? undefined : organization(organizationNode),
  };
}

function organization(node: XmlNode): SraOrganization {
  const name = child(node, "Name");
  return {
    type: attrOf(node, "type"),
    name: name === undefined ? undefined : textAt(name),
    abbr: attrOf(name, "abbr"),
    contacts: childrenNamed(node, "Contact").map((c) => ({
      email: attrOf(c, "email"),
      firstName: textAt(c, "Name/First"),
      lastName: textAt(c, "Name/Last"),
    })),
  };
}
