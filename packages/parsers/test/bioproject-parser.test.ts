import { createReadStream, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBioProject } from "../src/bioproject/bioproject-parser.js";
import { bioprojectRecordSchemas, type BioprojectRecord } from "../src/bioproject/bioproject-records.js";
import { chunksOf, text } from "./helpers/byte-streams.js";
import { parseError } from "./helpers/expect-parse-error.js";
import { describeMutatedFixtures, XML_MUTATION_BYTES } from "./helpers/mutated-input-property.js";
import { fixture, fixtures, haveFixtures } from "./helpers/ncbi-fixtures.js";

async function collect(input: AsyncIterable<Uint8Array>, file?: string): Promise<BioprojectRecord[]> {
  const out: BioprojectRecord[] = [];
  for await (const r of parseBioProject(input, { file })) out.push(r);
  return out;
}

const parseOne = async (name: string): Promise<BioprojectRecord> => {
  const records = await collect(createReadStream(fixture(name)), name);
  expect(records).toHaveLength(1);
  return records[0]!;
};

describe.skipIf(!haveFixtures)(
  "parseBioProject over the real BioProject fixtures (skipped: ../shared/fixtures/ncbi absent)",
  () => {
    const files = haveFixtures
      ? readdirSync(fixtures).filter((f) => f.startsWith("bioproject_") && f.endsWith(".xml"))
      : [];

    it("parses every BioProject fixture into one schema-valid record, whatever the chunking", async () => {
      expect(files.length).toBeGreaterThanOrEqual(4);
      for (const name of files) {
        const bytes = readFileSync(fixture(name));
        const whole = await collect(chunksOf(bytes, bytes.length));
        expect(whole, name).toHaveLength(1);
        bioprojectRecordSchemas.bioproject.parse(whole[0]);
        expect(await collect(chunksOf(bytes, 3)), name).toEqual(whole);
      }
    });

    it("reads a bare DocumentSummary: GEO center id, dbXREF link, publication, submission", async () => {
      const p = await parseOne("bioproject_PRJNA258012_docsum.xml");
      expect(p.accession).toBe("PRJNA258012");
      expect(p.id).toBe(258012);
      expect(p.archive).toBe("NCBI");
      expect(p.centerIds).toEqual([{ center: "GEO", id: "GSE60314" }]);
      expect(p.externalLinks).toEqual([{ db: "GEO", id: "GSE60314" }]);
      expect(p.publications).toEqual([
        {
          id: "26732976",
          pubmedId: 26732976,
          dbType: "ePubmed",
          date: "2016-01-07T00:00:00Z",
          status: "ePublished",
          reference: "26732976",
        },
      ]);
      expect(p.pubmedIds).toEqual([26732976]);
      expect(p.relevance).toEqual([{ area: "ModelOrganism", value: "Yes" }]);
      expect(p.type).toEqual({
        kind: "ProjectTypeSubmission",
        targetCapture: "eWhole",
        targetMaterial: "eTranscriptome",
        targetSampleScope: "eMultiisolate",
        method: "eSequencing",
        objectives: ["eExpression"],
        intendedDataTypes: [],
      });
      expect(p.dataTypes).toEqual(["Transcriptome or Gene expression"]);
      expect(p.organism).toEqual({
        name: "Drosophila melanogaster",
        taxid: 7227,
        species: 7227,
        supergroup: "eEukaryotes",
      });
      expect(p.description).toContain("at 25°C, 60% humidity");
      expect(p.submissionId).toBe("SUB1475494");
      expect(p.submitted).toBe("2014-08-11");
      expect(p.lastUpdate).toBe("2016-04-20");
      expect(p.submitterOrganization).toBe("Developmental Genomics, LCDB, NIDDK, NIH");
      expect(p.access).toBe("public");
    });

    it("reads locus tag prefixes with their BioSample ids, genome size and provider", async () => {
      const p = await parseOne("bioproject_73819_recordset.xml");
      expect(p.accession).toBe("PRJNA73819");
      expect(p.locusTagPrefixes).toHaveLength(14);
      expect(p.locusTagPrefixes[0]).toEqual({ prefix: "DNI37", biosampleId: "SAMN09375800" });
      expect(p.locusTagPrefixes[13]).toEqual({ prefix: "KUY", biosampleId: "SAMN02981385" });
      expect(p.externalLinks).toEqual([{ label: "Project Website", url: "http://genome.ccbr.utoronto.ca" }]);
      expect(p.releaseDate).toBe("2011-10-13T00:00:00Z");
      expect(p.relevance).toEqual([{ area: "Medical", value: "yes" }]);
      expect(p.organism?.genomeSize).toEqual({ value: 820, units: "Mb" });
      expect(p.organism?.reproduction).toBe("eSexual");
      expect(p.type?.objectives).toEqual(["eRawSequenceReads", "eAssembly"]);
      expect(p.type?.intendedDataTypes).toEqual(["genome sequencing"]);
      expect(p.type?.provider?.startsWith("samples of Cannabis sativa Purple Kush")).toBe(true);
      expect(p.submitterOrganization).toBe("University of Toronto");
    });

    it("reads an assembly-linked locus tag prefix, two external links, local ids and a peer project link", async () => {
      const p = await parseOne("bioproject_PRJNA350852_recordset.xml");
      expect(p.locusTagPrefixes).toEqual([
        { prefix: "BLL54", biosampleId: "SAMN03704235", assemblyId: "GCF_001411555" },
      ]);
      expect(p.externalLinks.map((l) => l.label)).toEqual(["Dendrome", "JHU CCB ftp"]);
      expect(p.localIds).toEqual(["bp0"]);
      expect(p.pubmedIds).toEqual([9023104, 27145194]);
      expect(p.links).toEqual([
        { type: "peer", accession: "PRJNA291087", id: 291087, level: "eRefseqGenbank" },
      ]);
      expect(p.organizations).toEqual([
        {
          name: "National Center for Biotechnology Information",
          abbr: "NCBI",
          role: "owner",
          type: "institute",
          url: "http://www.ncbi.nlm.nih.gov",
        },
      ]);
    });

    it("reads a rich RefSeq record: 18 publications, species vs taxid, several organizations", async () => {
      const p = await parseOne("bioproject_12384_recordset.xml");
      expect(p.publications).toHaveLength(18);
      expect(p.pubmedIds[0]).toBe(9878232);
      expect(p.organism).toMatchObject({
        name: "Canis lupus familiaris",
        taxid: 9615,
        species: 9612,
        genomeSize: { value: 2445127.1, units: "Kb" },
      });
      expect(p.type?.method).toBe("eOther");
      expect(p.organizations).toHaveLength(5);
      expect(p.submitterOrganization).toBe("The Genome Sequencing Platform, The Genome Assembly Team");
      expect(p.description?.startsWith("<p>The reference sequence (RefSeq)")).toBe(true);
      expect(p.links[0]).toMatchObject({ type: "peer", accession: "PRJNA13179" });
    });
  },
);

describe("parseBioProject on constructed input", () => {
  const ftp = `<?xml version="1.0"?>
<PackageSet>
<Package><Project><Project>
  <ProjectID><ArchiveID accession="PRJNA1" archive="NCBI" id="1"/></ProjectID>
  <ProjectDescr><Name>N</Name><Title>T</Title>
    <Grant GrantId="U54 HG003079"><Title>Sequencing center</Title><Agency abbr="NHGRI">National Human Genome Research Institute</Agency></Grant>
    <Keyword>kw</Keyword>
  </ProjectDescr>
  <ProjectType><ProjectTypeTopAdmin subtype="eOther"><Organism species="9606" taxID="9606"><OrganismName>Homo sapiens</OrganismName><Strain>x</Strain></Organism></ProjectTypeTopAdmin></ProjectType>
</Project>
<Submission submitted="2020-01-02"><Description><Organization role="owner" type="center"><Name>Org</Name></Organization><Access>public</Access></Description></Submission>
<ProjectLinks><Link><ProjectIDRef archive="NCBI" id="1" accession="PRJNA1"/><Hierarchical type="TopAdmin"><MemberID archive="NCBI" id="2" accession="PRJNA2"/></Hierarchical></Link></ProjectLinks>
</Project></Package>
<Package><Project><Project><ProjectID><ArchiveID accession="PRJEB3" archive="EBI" id="3"/></ProjectID></Project></Project></Package>
</PackageSet>`;

  it("reads the FTP PackageSet/Package wrapper with grants, a top-admin type and hierarchical links", async () => {
    const records = await collect(text(ftp));
    expect(records.map((r) => r.accession)).toEqual(["PRJNA1", "PRJEB3"]);
    for (const r of records) bioprojectRecordSchemas.bioproject.parse(r);
    const [p] = records;
    expect(p!.grants).toEqual([
      {
        id: "U54 HG003079",
        title: "Sequencing center",
        agency: "National Human Genome Research Institute",
        agencyAbbr: "NHGRI",
      },
    ]);
    expect(p!.type).toEqual({
      kind: "ProjectTypeTopAdmin",
      subtype: "eOther",
      objectives: [],
      intendedDataTypes: [],
    });
    expect(p!.organism).toEqual({ name: "Homo sapiens", taxid: 9606, species: 9606, strain: "x" });
    expect(p!.keywords).toEqual(["kw"]);
    expect(p!.links).toEqual([
      { type: "hierarchical", accession: "PRJNA1", id: 1, memberAccession: "PRJNA2", level: "TopAdmin" },
    ]);
    expect(p!.submitterOrganization).toBe("Org");
    expect(records[1]!.archive).toBe("EBI");
  });

  it("stops on truncated XML after the complete projects, naming the file", async () => {
    const cut = ftp.slice(0, ftp.indexOf("PRJEB3"));
    const seen: string[] = [];
    const error = await parseError(async () => {
      for await (const r of parseBioProject(text(cut), { file: "bp.xml" })) seen.push(r.accession);
    });
    expect(seen).toEqual(["PRJNA1"]);
    expect(error.location.file).toBe("bp.xml");
  });

  it("rejects a wrong root, an empty file and a project without accession", async () => {
    expect((await parseError(() => collect(text("<PubmedArticleSet></PubmedArticleSet>")))).code).toBe(
      "unexpected_root",
    );
    expect((await parseError(() => collect(text("   ")))).code).toBe("empty_input");
    const noAcc = await parseError(() =>
      collect(text('<RecordSet><DocumentSummary uid="9"><Project/></DocumentSummary></RecordSet>')),
    );
    expect(noAcc.code).toBe("missing_element");
    expect(noAcc.location.record).toBe("9");
  });
});

describeMutatedFixtures(
  "parseBioProject",
  ["bioproject_PRJNA258012_docsum.xml", "bioproject_73819_recordset.xml"],
  {
    values: XML_MUTATION_BYTES,
    numRuns: 150,
    consume: async (input) => {
      for await (const r of parseBioProject(input)) bioprojectRecordSchemas.bioproject.parse(r);
    },
  },
);
