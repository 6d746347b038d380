import { ParseError } from "../errors/parse-error.js";
import { allAt, child, textAt, type XmlNode } from "../xml/xml-node.js";
import { readXmlRecordBatches } from "../xml/xml-record-reader.js";
import { attrOf, toBool, toInt, toIsoDate } from "../xml/xml-values.js";
import type { BiosampleAttribute, BiosampleId, BiosampleLink, BiosampleRecord } from "./biosample-records.js";

export interface ParseBioSampleOptions {
  /** File name used in error messages. */
  readonly file?: string;
}

const SRA_SAMPLE = /^[SED]RS\d+$/;
const GEO_SAMPLE = /^GSM\d+$/;
const BIOPROJECT = /^PRJ[NED][A-Z]\d+$/;

/**
 * Streams BioSample records out of a `BioSampleSet` document (`biosample_set.xml.gz`, efetch) or a lone
 * `BioSample` root.
 *
 * @example
 * for await (const s of parseBioSample(openInput("biosample_set.xml.gz"))) console.log(s.accession, s.taxonomyId);
 */
export async function* parseBioSample(
  input: AsyncIterable<Uint8Array>,
  options: ParseBioSampleOptions = {},
): AsyncGenerator<BiosampleRecord> {
  for await (const batch of readXmlRecordBatches(input, {
    records: ["BioSample"],
    roots: ["BioSampleSet", "BioSample"],
    file: options.file,
  })) {
    for (const { node, byteOffset } of batch) yield biosample(node, options.file, byteOffset);
  }
}

function biosample(node: XmlNode, file: string | undefined, byteOffset: number): BiosampleRecord {
  const idsNode = child(node, "Ids");
  const ids: BiosampleId[] = [];
  if (idsNode !== undefined) {
    for (const id of idsNode.children) {
      const value = id.text.trim();
      if (id.name !== "Id" || value === "") continue;
      ids.push({
        db: attrOf(id, "db"),
        dbLabel: attrOf(id, "db_label"),
        isPrimary: toBool(attrOf(id, "is_primary")),
        isHidden: toBool(attrOf(id, "is_hidden")),
        value,
      });
    }
  }
  const accession = attrOf(node, "accession") ?? ids.find((i) => i.isPrimary === true)?.value;
  if (accession === undefined) {
    throw new ParseError(
      "missing_accession",
      "<BioSample> has no accession attribute and no primary Id",
      {
        file,
        byteOffset,
        record: attrOf(node, "id") === undefined ? "BioSample" : `BioSample id ${attrOf(node, "id")}`,
      },
      { hint: "Check that the file is a complete BioSample XML file" },
    );
  }
  const description = child(node, "Description");
  const organism = description === undefined ? undefined : child(description, "Organism");
  const comment =
    description === undefined
      ? undefined
      : allAt(description, "Comment/Paragraph")
          .map((p) => p.text.trim())
          .filter((p) => p !== "")
          .join("\n\n");
  const attributes: BiosampleAttribute[] = [];
  for (const a of allAt(node, "Attributes/Attribute")) {
    const attributeName = attrOf(a, "attribute_name") ?? attrOf(a, "harmonized_name");
    if (attributeName === undefined) continue;
    attributes.push({
      attributeName,
      harmonizedName: attrOf(a, "harmonized_name"),
      displayName: attrOf(a, "display_name"),
      unit: attrOf(a, "unit"),
      value: textAt(a),
    });
  }
  const links: BiosampleLink[] = allAt(node, "Links/Link").map((l) => {
    const type = attrOf(l, "type");
    const value = textAt(l);
    return {
      type,
      target: attrOf(l, "target"),
      label: attrOf(l, "label"),
      url: type === "url" ? value : undefined,
      value,
    };
  });
  const bioprojects = new Set<string>();
  for (const l of links) {
    if (l.target?.toLowerCase() !== "bioproject") continue;
    if (l.label !== undefined && BIOPROJECT.test(l.label)) bioprojects.add(l.label);
    else if (l.value !== undefined && BIOPROJECT.test(l.value)) bioprojects.add(l.value);
  }
  const owner = child(node, "Owner");
  const ownerName = owner === undefined ? undefined : child(owner, "Name");
  const pkg = child(node, "Package");
  const status = child(node, "Status");
  const idOf = (db: string, pattern?: RegExp): string | undefined =>
    ids.find((i) => i.db?.toLowerCase() === db && (pattern === undefined || pattern.test(i.value)))?.value;
  return {
    kind: "biosample",
    accession,
    id: toInt(attrOf(node, "id")),
    access: attrOf(node, "access"),
    isReference: attrOf(node, "is_reference"),
    submissionDate: toIsoDate(attrOf(node, "submission_date")),
    lastUpdate: toIsoDate(attrOf(node, "last_update")),
    publicationDate: toIsoDate(attrOf(node, "publication_date")),
    ids,
    title: description === undefined ? undefined : textAt(description, "Title"),
    description: comment === "" ? undefined : comment,
    organismName:
      attrOf(organism, "taxonomy_name") ??
      (organism === undefined ? undefined : textAt(organism, "OrganismName")),
    taxonomyId: toInt(attrOf(organism, "taxonomy_id")),
    attributes,
    links,
    models: models(node),
    package: pkg === undefined ? undefined : textAt(pkg),
    packageDisplayName: attrOf(pkg, "display_name"),
    ownerName: ownerName === undefined ? undefined : textAt(ownerName),
    ownerAbbreviation: attrOf(ownerName, "abbreviation"),
    contacts:
      owner === undefined
        ? []
        : allAt(owner, "Contacts/Contact").map((c) => ({
            email: attrOf(c, "email"),
            firstName: textAt(c, "Name/First"),
            lastName: textAt(c, "Name/Last"),
            lab: attrOf(c, "lab"),
          })),
    status: attrOf(status, "status"),
    statusDate: toIsoDate(attrOf(status, "when")),
    sraAccession: idOf("sra", SRA_SAMPLE) ?? idOf("sra"),
    geoAccession: idOf("geo", GEO_SAMPLE),
    dbgapSampleId: idOf("dbgap"),
    dbgapStudy: attributes.find(
      (a) => a.harmonizedName === "gap_accession" || a.attributeName === "gap_accession",
    )?.value,
    bioprojects: [...bioprojects],
  };
}

function models(node: XmlNode): string[] {
  // A loop rather than flatMap, which allocated an array per model.
  const out: string[] = [];
  for (const m of allAt(node, "Models/Model")) {
    const t = textAt(m);
    if (t !== undefined) out.push(t);
  }
  return out;
}
