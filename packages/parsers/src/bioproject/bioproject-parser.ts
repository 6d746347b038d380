import { ParseError } from "../errors/parse-error.js";
import { readXmlRecords, type XmlParseOptions } from "../xml/xml-record-reader.js";
import { allAt, at, child, childrenNamed, textAt, textsOf, type XmlNode } from "../xml/xml-node.js";
import type {
  BioprojectExternalLink,
  BioprojectGrant,
  BioprojectLink,
  BioprojectOrganism,
  BioprojectOrganization,
  BioprojectPublication,
  BioprojectRecord,
  BioprojectType,
} from "./bioproject-records.js";

export type BioprojectParseOptions = XmlParseOptions;

/*
 * The same Project element arrives in two wrappers: the FTP dump (`PackageSet/Package/Project/{Project,
 * Submission,ProjectLinks}`) and efetch (`RecordSet/DocumentSummary/{Project,Submission,ProjectLinks}`,
 * or a bare `DocumentSummary` root for one id). Both are reduced to (project, submission, links).
 */
const RECORDS = ["Package", "DocumentSummary"];
const ROOTS = ["PackageSet", "RecordSet", "DocumentSummary"];

function int(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

function num(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.attrs[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

/** Drops undefined values so records serialise without `"x": undefined` noise and match `.optional()`. */
function compact<T extends object>(o: T): T {
  // A copy rather than `delete`, which would turn the object into a slow dictionary-mode one.
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

function organism(node: XmlNode | undefined): BioprojectOrganism | undefined {
  if (node === undefined) return undefined;
  const size = child(node, "GenomeSize");
  const sizeValue = num(size?.text.trim());
  return compact({
    name: textAt(node, "OrganismName"),
    taxid: int(attr(node, "taxID")),
    species: int(attr(node, "species")),
    label: textAt(node, "Label"),
    strain: textAt(node, "Strain"),
    isolateName: textAt(node, "IsolateName"),
    breed: textAt(node, "Breed"),
    cultivar: textAt(node, "Cultivar"),
    supergroup: textAt(node, "Supergroup"),
    organization: textAt(node, "Organization"),
    reproduction: textAt(node, "Reproduction"),
    genomeSize:
      sizeValue === undefined ? undefined : compact({ value: sizeValue, units: attr(size, "units") }),
  });
}

function projectType(typeNode: XmlNode | undefined): {
  type?: BioprojectType;
  organism?: BioprojectOrganism;
  dataTypes: string[];
} {
  const inner = typeNode?.children[0];
  if (inner === undefined) return { dataTypes: [] };
  const target = child(inner, "Target");
  const method = child(inner, "Method");
  const type = compact<BioprojectType>({
    kind: inner.name,
    subtype: attr(inner, "subtype"),
    targetCapture: attr(target, "capture"),
    targetMaterial: attr(target, "material"),
    targetSampleScope: attr(target, "sample_scope"),
    targetDescription: target && textAt(target, "Description"),
    provider: target && textAt(target, "Provider"),
    method: attr(method, "method_type"),
    methodDescription: method && textAt(method),
    objectives: allAt(inner, "Objectives/Data")
      .map((d) => attr(d, "data_type") ?? textAt(d))
      .filter((s): s is string => s !== undefined),
    intendedDataTypes: textsOf(allAt(inner, "IntendedDataTypeSet/DataType")),
  });
  // Submissions name the organism under Target; top-level projects directly under the type element.
  const org = organism(target !== undefined ? child(target, "Organism") : child(inner, "Organism"));
  return {
    type,
    ...(org !== undefined && { organism: org }),
    dataTypes: textsOf(allAt(inner, "ProjectDataTypeSet/DataType")),
  };
}

function publication(node: XmlNode): BioprojectPublication {
  const id = attr(node, "id");
  const dbType = textAt(node, "DbType");
  const citation = child(node, "StructuredCitation");
  const isPubmed = dbType === undefined || dbType === "ePubmed";
  return compact({
    id,
    pubmedId: isPubmed ? int(id) : undefined,
    doi: dbType === "eDOI" ? id : undefined,
    dbType,
    date: attr(node, "date"),
    status: attr(node, "status"),
    reference: textAt(node, "Reference"),
    title: citation && textAt(citation, "Title"),
    journal: citation && textAt(citation, "Journal/JournalTitle"),
    year: citation && int(textAt(citation, "Journal/Year")),
  });
}

function externalLink(node: XmlNode): BioprojectExternalLink {
  const xref = child(node, "dbXREF");
  return compact({
    label: attr(node, "label"),
    category: attr(node, "category"),
    url: textAt(node, "URL"),
    db: attr(xref, "db"),
    id: xref && textAt(xref, "ID"),
  });
}

function grant(node: XmlNode): BioprojectGrant {
  const agency = child(node, "Agency");
  return compact({
    id: attr(node, "GrantId"),
    title: textAt(node, "Title"),
    agency: agency && textAt(agency),
    agencyAbbr: attr(agency, "abbr"),
  });
}

function organizationOf(node: XmlNode): BioprojectOrganization {
  const name = child(node, "Name");
  return compact({
    name: name && textAt(name),
    abbr: attr(name, "abbr"),
    role: attr(node, "role"),
    type: attr(node, "type"),
    url: attr(node, "url"),
  });
}

function links(node: XmlNode | undefined): BioprojectLink[] {
  if (node === undefined) return [];
  const out: BioprojectLink[] = [];
  for (const link of childrenNamed(node, "Link")) {
    const self = child(link, "ProjectIDRef");
    const peer = child(link, "PeerProject");
    const hierarchical = child(link, "Hierarchical");
    if (peer !== undefined) {
      const member = child(peer, "MemberID");
      out.push(
        compact<BioprojectLink>({
          type: "peer",
          accession: attr(member, "accession"),
          id: int(attr(member, "id")),
          level: textAt(peer, "CommonInputData"),
        }),
      );
    } else if (hierarchical !== undefined) {
      const member = child(hierarchical, "MemberID");
      out.push(
        compact<BioprojectLink>({
          type: "hierarchical",
          accession: attr(self, "accession"),
          id: int(attr(self, "id")),
          memberAccession: attr(member, "accession"),
          level: attr(hierarchical, "type"),
        }),
      );
    }
  }
  return out;
}

function unwrap(node: XmlNode): { project?: XmlNode; submission?: XmlNode; links?: XmlNode } {
  if (node.name === "Package") {
    const wrapper = child(node, "Project");
    if (wrapper === undefined) return {};
    const project = child(wrapper, "Project");
    return { project, submission: child(wrapper, "Submission"), links: child(wrapper, "ProjectLinks") };
  }
  return {
    project: child(node, "Project"),
    submission: child(node, "Submission"),
    links: child(node, "ProjectLinks"),
  };
}

/** Turns one `Package` or `DocumentSummary` element into a record; exported for callers with their own reader. */
export function bioprojectFromXml(
  node: XmlNode,
  location: { file?: string; byteOffset?: number } = {},
): BioprojectRecord {
  const parts = unwrap(node);
  const project = parts.project;
  const archive = project && at(project, "ProjectID/ArchiveID");
  const accession = attr(archive, "accession");
  if (project === undefined || accession === undefined) {
    throw new ParseError(
      "missing_element",
      `BioProject ${node.name} has no ${project === undefined ? "Project element" : "ProjectID/ArchiveID accession"}`,
      { ...location, record: attr(node, "uid") ?? node.name },
      { hint: "Check that the file is BioProject XML (bioproject.xml or efetch db=bioproject)" },
    );
  }
  const descr = child(project, "ProjectDescr");
  const typed = projectType(child(project, "ProjectType"));
  const publications = descr ? childrenNamed(descr, "Publication").map(publication) : [];
  const submission = parts.submission;
  const organizations = submission ? allAt(submission, "Description/Organization").map(organizationOf) : [];
  const owner = organizations.find((o) => o.role === "owner") ?? organizations[0];
  return compact<BioprojectRecord>({
    kind: "bioproject",
    accession,
    id: int(attr(archive, "id")),
    archive: attr(archive, "archive"),
    centerIds: allAt(project, "ProjectID/CenterID").flatMap((c) => {
      const id = textAt(c);
      return id === undefined ? [] : [compact({ center: attr(c, "center"), id })];
    }),
    localIds: [...new Set(textsOf(allAt(project, "ProjectID/LocalID")))],
    name: descr && textAt(descr, "Name"),
    title: descr && textAt(descr, "Title"),
    description: descr && textAt(descr, "Description"),
    type: typed.type,
    dataTypes: typed.dataTypes,
    organism: typed.organism,
    publications,
    pubmedIds: publications.flatMap((p) => (p.pubmedId === undefined ? [] : [p.pubmedId])),
    externalLinks: descr ? childrenNamed(descr, "ExternalLink").map(externalLink) : [],
    locusTagPrefixes: descr
      ? childrenNamed(descr, "LocusTagPrefix").flatMap((l) => {
          const prefix = textAt(l);
          return prefix === undefined
            ? []
            : [compact({ prefix, biosampleId: attr(l, "biosample_id"), assemblyId: attr(l, "assembly_id") })];
        })
      : [],
    grants: descr ? childrenNamed(descr, "Grant").map(grant) : [],
    relevance: descr
      ? (child(descr, "Relevance")?.children ?? []).map((r) => ({ area: r.name, value: r.text.trim() }))
      : [],
    keywords: descr ? textsOf(childrenNamed(descr, "Keyword")) : [],
    releaseDate: descr && textAt(descr, "ProjectReleaseDate"),
    submissionId: attr(submission, "submission_id"),
    submitted: attr(submission, "submitted"),
    lastUpdate: attr(submission, "last_update"),
    organizations,
    submitterOrganization: owner?.name,
    access: submission && textAt(submission, "Description/Access"),
    links: links(parts.links),
  });
}

/**
 * Streams BioProject XML (FTP `bioproject.xml` or efetch output) into `bioproject` records.
 *
 * @example
 * for await (const p of parseBioProject(fs.createReadStream("bioproject.xml"))) console.log(p.accession, p.title);
 */
export async function* parseBioProject(
  input: AsyncIterable<Uint8Array>,
  options: BioprojectParseOptions = {},
): AsyncGenerator<BioprojectRecord> {
  const records = readXmlRecords(input, { ...options, records: RECORDS, roots: ROOTS });
  for await (const { node, byteOffset } of records) {
    yield bioprojectFromXml(node, { file: options.file, byteOffset });
  }
}
