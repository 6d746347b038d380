import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parseBioSample } from "../src/biosample/biosample-parser.js";
import { biosampleSchema, type BiosampleRecord } from "../src/biosample/biosample-records.js";
import { ParseError } from "../src/errors/parse-error.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const fixtures = join(repoRoot, "..", "shared", "fixtures", "ncbi");
const haveFixtures = existsSync(fixtures);

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(bytes: Uint8Array, chunkSize = 1 << 16, file?: string): Promise<BiosampleRecord[]> {
  const out: BiosampleRecord[] = [];
  for await (const r of parseBioSample(chunked(bytes, chunkSize), { file })) out.push(r);
  return out;
}

const parseFile = async (name: string, chunkSize?: number): Promise<BiosampleRecord[]> =>
  parse(readFileSync(join(fixtures, name)), chunkSize, name);

describe.skipIf(!haveFixtures)("parseBioSample over the real fixtures", () => {
  const files = haveFixtures
    ? readdirSync(fixtures).filter((f) => f.startsWith("biosample_") && f.endsWith(".xml"))
    : [];

  test.each(files)("%s: one schema-valid record per <BioSample>", async (name) => {
    const text = readFileSync(join(fixtures, name), "utf8");
    const records = await parseFile(name, 61);
    expect(records).toHaveLength((text.match(/<BioSample[ >]/g) ?? []).length);
    for (const r of records) {
      expect(() => biosampleSchema.parse(r)).not.toThrow();
      expect(r.accession).toMatch(/^SAM[NED]\d+$/);
      expect(text).toContain(`accession="${r.accession}"`);
    }
  });

  test("lone BioSample root (efetch): ids, organism, attributes, links, owner, status", async () => {
    const [s] = (await parseFile("biosample_SAMN02981965.xml")) as [BiosampleRecord];
    expect(s).toMatchObject({
      kind: "biosample",
      accession: "SAMN02981965",
      id: 2981965,
      access: "public",
      publicationDate: "2015-12-22T01:15:47.477",
      lastUpdate: "2015-12-22T01:19:06.303",
      submissionDate: "2014-08-11T13:36:38.303",
      title: "DGRP563 M_E3_2_L3",
      organismName: "Drosophila melanogaster",
      taxonomyId: 7227,
      sraAccession: "SRS679015",
      geoAccession: "GSM1471477",
      bioprojects: ["PRJNA258012"],
      models: ["Generic"],
      package: "Generic.1.0",
      packageDisplayName: "Generic",
      ownerName: "Developmental Genomics, LCDB, NIDDK, NIH",
      contacts: [{ email: "briano@helix.nih.gov", firstName: "Brian", lastName: "Oliver" }],
      status: "live",
      statusDate: "2015-12-22T01:15:47.495",
    });
    expect(s.ids).toEqual([
      { db: "BioSample", isPrimary: true, value: "SAMN02981965" },
      { db: "SRA", value: "SRS679015" },
      { db: "GEO", value: "GSM1471477" },
    ]);
    expect(s.attributes).toContainEqual({
      attributeName: "developmental stage",
      harmonizedName: "dev_stage",
      displayName: "development stage",
      value: "Adult",
    });
    expect(s.links).toEqual([
      {
        type: "url",
        label: "GEO Sample GSM1471477",
        url: "http://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSM1471477",
        value: "http://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSM1471477",
      },
      { type: "entrez", target: "bioproject", label: "PRJNA258012", value: "258012" },
    ]);
  });

  test("controlled-access dbGaP sample: hidden Id, repeated attribute names, dbGaP ids promoted", async () => {
    const [s] = (await parseFile("biosample_SAMN03502652_dbgap.xml")) as [BiosampleRecord];
    expect(s).toMatchObject({
      accession: "SAMN03502652",
      access: "controlled-access",
      taxonomyId: 9606,
      organismName: "Homo sapiens",
      dbgapSampleId: "774-21971@1091668107",
      dbgapStudy: "phs000774",
      ownerAbbreviation: "NCBI",
      status: "live",
      statusDate: "2019-07-03T19:07:34",
    });
    expect(s.ids[1]).toEqual({
      db: "dbGaP",
      dbLabel: "Sample name",
      isHidden: true,
      value: "774-21971@1091668107",
    });
    expect(s.attributes.filter((a) => a.attributeName === "molecular data type").map((a) => a.value)).toEqual(
      ["SNP Genotypes (Array)", "SNP Genotypes (imputed)"],
    );
    expect(s.attributes).toContainEqual({
      attributeName: "body site",
      harmonizedName: "tissue",
      displayName: "tissue",
      value: "Saliva",
    });
    expect(s.title).toContain('dbGaP study "CCDG: Genetics of Orofacial Clefts and Related Phenotypes"');
  });

  test("is_reference of the BioSample element is kept as given, absent when the element has none", async () => {
    const name = "biosample_SAMN02981965.xml";
    const [plain] = (await parseFile(name)) as [BiosampleRecord];
    expect(plain.isReference).toBeUndefined();
    // Reference samples (the ones RefSeq genomes point at) carry the attribute; the real record with it added.
    const text = readFileSync(join(fixtures, name), "utf8").replace(
      '<BioSample access="public"',
      '<BioSample is_reference="yes" access="public"',
    );
    const [reference] = (await parse(Buffer.from(text), 5, name)) as [BiosampleRecord];
    expect(reference).toMatchObject({ accession: "SAMN02981965", access: "public", isReference: "yes" });
    expect(() => biosampleSchema.parse(reference)).not.toThrow();
  });

  test("Id with a db_label and no db, numeric character references in the comment", async () => {
    const [s] = (await parseFile("biosample_SAMN02261463.xml")) as [BiosampleRecord];
    expect(s.ids).toContainEqual({ dbLabel: "Sample name", value: "LmiInbred" });
    expect(s.taxonomyId).toBe(7004);
    expect(s.description).toContain("at 30\u2103 and on a diet");
    expect(s.bioprojects).toEqual(["PRJNA185471"]);
  });

  test("older record: submitter Id db, comment paragraph, url link with surrounding whitespace", async () => {
    const [s] = (await parseFile("biosample_120060.xml")) as [BiosampleRecord];
    expect(s).toMatchObject({
      accession: "SAMN00120060",
      id: 120060,
      taxonomyId: 101020,
      organismName: "Fragaria vesca subsp. vesca",
      sraAccession: "SRS120983",
      ownerName: "Oregon State University",
      contacts: [
        {
          email: "wilhelml@science.oregonstate.edu",
          firstName: "Larry",
          lastName: "Wilhelm",
          lab: "Dee Denver",
        },
      ],
    });
    expect(s.ids).toContainEqual({
      db: "Oregon State University",
      dbLabel: "Sample name",
      value: "DNA_leaves",
    });
    expect(s.description).toMatch(/^Genomic DNA was isolated from from young leaves/);
    expect(s.links[0]).toMatchObject({
      type: "url",
      url: "http://www.ars-grin.gov/cgi-bin/npgs/acc/display.pl?1446544",
    });
    expect(s.attributes).toContainEqual({
      attributeName: "tissue_type",
      harmonizedName: "tissue",
      displayName: "tissue",
      value: "leaf",
    });
  });
});

describe("parseBioSample on bad input", () => {
  const record = (n: number): string =>
    `<BioSample accession="SAMN${String(n).padStart(8, "0")}" id="${n}"><Description><Title>t${n}</Title></Description></BioSample>`;

  test("truncated set: complete records first, then truncated_xml naming the record being read", async () => {
    const xml = `<BioSampleSet>${record(1)}${record(2)}${record(3)}`;
    const cut = xml.length - 20;
    const out: BiosampleRecord[] = [];
    let error: unknown;
    try {
      for await (const r of parseBioSample(chunked(Buffer.from(xml.slice(0, cut)), 17), { file: "b.xml" }))
        out.push(r);
    } catch (e) {
      error = e;
    }
    expect(out.map((r) => r.accession)).toEqual(["SAMN00000001", "SAMN00000002"]);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).location).toMatchObject({
      file: "b.xml",
      byteOffset: cut,
      record: "BioSample SAMN00000003",
    });
    expect((error as ParseError).code).toBe("truncated_xml");
  });

  test("empty file and wrong root", async () => {
    await expect(parse(Buffer.alloc(0))).rejects.toMatchObject({ code: "empty_input" });
    await expect(parse(Buffer.from("<PubmedArticleSet/>"))).rejects.toMatchObject({
      code: "unexpected_root",
    });
    await expect(parse(Buffer.from("<PubmedArticleSet/>"))).rejects.toThrow(/<BioSampleSet>/);
  });

  test("a record without accession is named by its id", async () => {
    await expect(
      parse(Buffer.from(`<BioSampleSet><BioSample id="42"/></BioSampleSet>`)),
    ).rejects.toMatchObject({
      code: "missing_accession",
      location: { record: "BioSample id 42" },
    });
  });
});
