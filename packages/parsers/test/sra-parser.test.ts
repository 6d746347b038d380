import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ParseError } from "../src/errors/parse-error.js";
import { openInput } from "../src/io/open-input.js";
import { parseSra } from "../src/sra/sra-parser.js";
import {
  sraRecordSchema,
  type SraExperiment,
  type SraRecord,
  type SraRun,
  type SraSample,
  type SraStudy,
  type SraSubmission,
} from "../src/sra/sra-records.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const fixtures = join(repoRoot, "..", "shared", "fixtures", "ncbi");
const haveFixtures = existsSync(fixtures);

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parseFile(name: string, chunkSize = 1 << 16): Promise<SraRecord[]> {
  const out: SraRecord[] = [];
  for await (const r of parseSra(chunked(readFileSync(join(fixtures, name)), chunkSize), { file: name }))
    out.push(r);
  return out;
}

function only<K extends SraRecord["kind"]>(
  records: SraRecord[],
  kind: K,
): Array<Extract<SraRecord, { kind: K }>> {
  return records.filter((r): r is Extract<SraRecord, { kind: K }> => r.kind === kind);
}

function byAccession<T extends SraRecord>(records: T[], accession: string): T {
  const found = records.find((r) => r.accession === accession);
  if (found === undefined) throw new Error(`no record ${accession}`);
  return found;
}

describe.skipIf(!haveFixtures)("parseSra over the real fixtures", () => {
  const files = haveFixtures
    ? readdirSync(fixtures).filter((f) => f.startsWith("sra_") && f.endsWith(".xml"))
    : [];

  test.each(files)(
    "%s: every record matches its schema, and counts match the file's elements",
    async (name) => {
      const text = readFileSync(join(fixtures, name), "utf8");
      // Small chunks so every record crosses chunk boundaries.
      const records = await parseFile(name, 997);
      for (const r of records) expect(() => sraRecordSchema.parse(r)).not.toThrow();
      const count = (re: RegExp): number => (text.match(re) ?? []).length;
      expect(only(records, "sra_run")).toHaveLength(count(/<RUN[ >]/g));
      expect(only(records, "sra_experiment")).toHaveLength(count(/<EXPERIMENT[ >]/g));
      expect(only(records, "sra_sample")).toHaveLength(count(/<SAMPLE[ >]/g));
      expect(only(records, "sra_study")).toHaveLength(count(/<STUDY[ >]/g));
      expect(only(records, "sra_submission")).toHaveLength(count(/<SUBMISSION[ >]/g));
      for (const r of records) expect(r.accession).toMatch(/^[SED]R[APXSR]\d+$/);
    },
  );

  test("STUDY_SET: ids, promoted BioProject/GEO/PubMed, links with CDATA and attributes", async () => {
    const [study] = only(await parseFile("sra_study_set_SRP178136.xml"), "sra_study") as [SraStudy];
    expect(study).toMatchObject({
      kind: "sra_study",
      accession: "SRP178136",
      alias: "GSE124872",
      centerName: "GEO",
      brokerName: "NCBI",
      title: "Multi-modal analysis of the aging mouse lung at cellular resolution",
      studyType: "Transcriptome Analysis",
      centerProjectName: "GSE124872",
      geoAccession: "GSE124872",
      bioproject: "PRJNA514051",
      pubmedIds: [30814501],
    });
    expect(study.identifiers.secondary).toEqual(["PRJNA514051"]);
    expect(study.identifiers.external).toContainEqual({
      namespace: "BioProject",
      label: "primary",
      value: "PRJNA514051",
    });
    expect(study.abstract).toMatch(/^A\) Whole lung tissue from 24 months/);
    expect(study.attributes).toContainEqual({ tag: "ENA-BASE-COUNT", value: "385374220281" });
    expect(study.xrefLinks).toContainEqual({ db: "ENA-RUN", id: "SRR8426358-SRR8426398" });
    const fastq = study.xrefLinks.find((l) => l.db === "ENA-FASTQ-FILES");
    expect(fastq?.id).toBe(
      "http://www.ebi.ac.uk/ena/data/warehouse/filereport?accession=SRP178136&result=read_run&fields=run_accession,fastq_ftp,fastq_md5,fastq_bytes",
    );
  });

  test("SAMPLE_SET: taxon, names, BioSample and GEO ids, attributes", async () => {
    const [sample] = only(await parseFile("sra_sample_set_SRS4237519.xml"), "sra_sample") as [SraSample];
    expect(sample).toMatchObject({
      accession: "SRS4237519",
      alias: "GSM3557675",
      title: "old_Dropseq_1",
      taxonId: 10090,
      scientificName: "Mus musculus",
      commonName: "house mouse",
      biosample: "SAMN10719598",
      geoAccession: "GSM3557675",
    });
    // SUBMITTER_ID with an empty namespace keeps no namespace.
    expect(sample.identifiers.submitter).toEqual([{ value: "GSM3557675" }]);
    expect(sample.attributes).toContainEqual({ tag: "number of cells", value: "799" });
    expect(sample.xrefLinks).toContainEqual({ db: "ENA-EXPERIMENT", id: "SRX5234128" });
  });

  test("EXPERIMENT_SET: references, library, platform, entity-decoded link ids", async () => {
    const [exp] = only(await parseFile("sra_experiment_set_SRX5692097.xml"), "sra_experiment") as [
      SraExperiment,
    ];
    expect(exp).toMatchObject({
      accession: "SRX5692097",
      centerName: "GEO",
      studyAccession: "SRP192693",
      sampleAccession: "SRS4631629",
      bioproject: "PRJNA532356",
      biosample: "SAMN11397491",
      geoAccession: "GSM3717978",
      platform: "ILLUMINA",
      instrumentModel: "Illumina HiSeq 2500",
      library: { strategy: "RNA-Seq", source: "TRANSCRIPTOMIC", selection: "cDNA", layout: "PAIRED" },
    });
    expect(exp.library.constructionProtocol).toMatch(/^Tissues were manually minced/);
    expect(exp.xrefLinks.find((l) => l.db === "ENA-SUBMITTED-FILES")?.id).toContain(
      "accession=SRX5692097&result=read_run&fields=",
    );
    expect(exp.attributes).toContainEqual({ tag: "ENA-BASE-COUNT", value: "69044996850" });
  });

  test("EXPERIMENT_SET: every IDENTIFIERS child, PAIRED ORIENTATION, POOLING_STRATEGY, every PLATFORM child", async () => {
    const name = "sra_experiment_set_SRX5692097.xml";
    const [real] = only(await parseFile(name), "sra_experiment") as [SraExperiment];
    expect(real.identifiers).toEqual({
      primary: "SRX5692097",
      secondary: [],
      external: [],
      submitter: [{ namespace: "GEO", value: "GSM3717978" }],
      uuid: [],
    });
    expect(real.platformFields).toEqual([{ name: "INSTRUMENT_MODEL", value: "Illumina HiSeq 2500" }]);
    expect(real.library).toMatchObject({
      layout: "PAIRED",
      orientation: undefined,
      poolingStrategy: undefined,
    });

    // The same record as older and ENA submissions write it: the fields the real file leaves out.
    const text = readFileSync(join(fixtures, name), "utf8")
      .replace(
        "<PRIMARY_ID>SRX5692097</PRIMARY_ID>",
        '<PRIMARY_ID>SRX5692097</PRIMARY_ID><SECONDARY_ID>ERX000001</SECONDARY_ID><EXTERNAL_ID namespace="GEO" label="sample">GSM3717978</EXTERNAL_ID><UUID>1f0e8f7c-3b5a-4a8e-9a51-2c0d6f0b9e11</UUID>',
      )
      .replace('<SUBMITTER_ID namespace="GEO">', '<SUBMITTER_ID namespace="GEO" label="geo id">')
      .replace("<PAIRED/>", "<PAIRED ORIENTATION=\"5'3'-3'5'\"/>")
      .replace(
        "<LIBRARY_CONSTRUCTION_PROTOCOL>",
        "<POOLING_STRATEGY>multiplexed</POOLING_STRATEGY><LIBRARY_CONSTRUCTION_PROTOCOL>",
      )
      .replace(
        "<ILLUMINA>\n<INSTRUMENT_MODEL>Illumina HiSeq 2500</INSTRUMENT_MODEL>\n</ILLUMINA>",
        "<LS454><INSTRUMENT_MODEL>454 GS FLX</INSTRUMENT_MODEL><FLOW_SEQUENCE>TACG</FLOW_SEQUENCE><FLOW_COUNT>800</FLOW_COUNT><KEY_SEQUENCE>TCAG</KEY_SEQUENCE></LS454>",
      );
    const records: SraRecord[] = [];
    for await (const r of parseSra(chunked(Buffer.from(text), 7), { file: name })) records.push(r);
    const [exp] = only(records, "sra_experiment") as [SraExperiment];
    expect(() => sraRecordSchema.parse(exp)).not.toThrow();
    expect(exp.identifiers).toEqual({
      primary: "SRX5692097",
      secondary: ["ERX000001"],
      external: [{ namespace: "GEO", label: "sample", value: "GSM3717978" }],
      submitter: [{ namespace: "GEO", label: "geo id", value: "GSM3717978" }],
      uuid: ["1f0e8f7c-3b5a-4a8e-9a51-2c0d6f0b9e11"],
    });
    expect(exp.library).toMatchObject({
      layout: "PAIRED",
      orientation: "5'3'-3'5'",
      poolingStrategy: "multiplexed",
    });
    expect(exp).toMatchObject({ platform: "LS454", instrumentModel: "454 GS FLX" });
    expect(exp.platformFields).toEqual([
      { name: "INSTRUMENT_MODEL", value: "454 GS FLX" },
      { name: "FLOW_SEQUENCE", value: "TACG" },
      { name: "FLOW_COUNT", value: "800" },
      { name: "KEY_SEQUENCE", value: "TCAG" },
    ]);
  });

  test("RUN_SET: experiment reference and read spec", async () => {
    const [run] = only(await parseFile("sra_run_set_SRR8426358.xml"), "sra_run") as [SraRun];
    expect(run).toMatchObject({
      accession: "SRR8426358",
      alias: "GSM3557675_r1",
      experimentAccession: "SRX5234128",
      experimentRefname: "GSM3557675",
      spotLength: 202,
      title: "Illumina HiSeq 4000 paired end sequencing; GSM3557675: old_Dropseq_1; Mus musculus; RNA-Seq",
    });
    expect(run.readSpecs).toEqual([
      { index: 0, readClass: "Application Read", readType: "Forward", baseCoord: 1 },
      { index: 1, readClass: "Application Read", readType: "Reverse", baseCoord: 102 },
    ]);
    expect(run.attributes).toContainEqual({ tag: "ENA-SPOT-COUNT", value: "109256158" });
  });

  test("lone EXPERIMENT_PACKAGE: run statistics and the tax_analysis tree", async () => {
    const records = await parseFile("sra_pkg_SRR3001915_taxanalysis.xml");
    expect(records.map((r) => r.kind)).toEqual([
      "sra_experiment",
      "sra_study",
      "sra_sample",
      "sra_run",
      "sra_submission",
    ]);
    const run = byAccession(only(records, "sra_run"), "SRR3001915");
    expect(run).toMatchObject({
      totalSpots: 2001211,
      totalBases: 152092036,
      size: 102354786,
      published: "2015-12-21T16:18:09",
      isPublic: true,
      experimentAccession: "SRX1483046",
      studyAccession: "SRP045429",
      sampleAccession: "SRS679015",
      submissionAccession: "SRA178685",
      biosample: "SAMN02981965",
      bioproject: "PRJNA258012",
      nreads: 1,
      reads: [{ index: 0, count: 2001211, average: 76, stdev: 0 }],
    });
    expect(run.baseCounts).toContainEqual({ base: "N", count: 799334 });
    const tax = run.taxAnalysis!;
    expect(tax).toMatchObject({
      analyzedSpotCount: 2001211,
      identifiedSpotCount: 634270,
      parserVersion: "0.4",
      truncated: false,
    });
    const text = readFileSync(join(fixtures, "sra_pkg_SRR3001915_taxanalysis.xml"), "utf8");
    expect(tax.taxa).toHaveLength((text.match(/<taxon /g) ?? []).length);
    expect(tax.taxa[0]).toEqual({
      taxId: 131567,
      name: "cellular organisms",
      depth: 0,
      selfCount: 16,
      totalCount: 634200,
    });
    expect(tax.taxa[1]).toMatchObject({
      taxId: 2759,
      name: "Eukaryota",
      rank: "superkingdom",
      parentTaxId: 131567,
      depth: 1,
    });
    const study = only(records, "sra_study")[0]!;
    expect(study).toMatchObject({
      accession: "SRP045429",
      pubmedIds: [26732976],
      bioproject: "PRJNA258012",
      geoAccession: "GSE60314",
    });
    const sample = only(records, "sra_sample")[0]!;
    expect(sample).toMatchObject({ accession: "SRS679015", taxonId: 7227, biosample: "SAMN02981965" });
    expect(sample.xrefLinks).toContainEqual({ db: "bioproject", id: "258012", label: "PRJNA258012" });
  });

  test("a bounded tax_analysis keeps the first taxa and says so", async () => {
    const out: SraRecord[] = [];
    const bytes = readFileSync(join(fixtures, "sra_pkg_SRR3001915_taxanalysis.xml"));
    for await (const r of parseSra(chunked(bytes, 1 << 16), { maxTaxa: 10 })) out.push(r);
    const run = only(out, "sra_run")[0]!;
    expect(run.taxAnalysis?.taxa).toHaveLength(10);
    expect(run.taxAnalysis?.truncated).toBe(true);
  });

  test("EXPERIMENT_PACKAGE_SET with Statistics, Bases and the quality histogram", async () => {
    const records = await parseFile("sra_pkgset_SRR5100239_qualities.xml");
    const run = byAccession(only(records, "sra_run"), "SRR5100239");
    expect(run).toMatchObject({
      totalSpots: 25818690,
      size: 1322886522,
      published: "2016-12-14T16:12:25",
      nreads: 2,
      geoAccession: "GSM2425536",
      platform: "ILLUMINA",
      instrumentModel: "Illumina HiSeq 2500",
    });
    // The run names no platform of its own: the package experiment's applies, every child of it.
    expect(run.platformFields).toEqual([{ name: "INSTRUMENT_MODEL", value: "Illumina HiSeq 2500" }]);
    expect(run.reads).toEqual([
      { index: 0, count: 25818690, average: 50, stdev: 0 },
      { index: 1, count: 25818690, average: 50, stdev: 0 },
    ]);
    expect(run.qualityCounts).toHaveLength(20);
    expect(run.qualityCounts[0]).toEqual({ value: 2, count: 1035773 });
    expect(run.qualityCounts).toContainEqual({ value: 16, count: 82052014 });
    expect(run.poolMembers).toEqual([
      {
        accession: "SRS1854358",
        sampleName: "GSM2425536",
        sampleTitle: "Drosophila melanogaster w1118 testis total RNA replicate 1",
        spots: 25818690,
        bases: 2581869000,
        taxId: 7227,
        organism: "Drosophila melanogaster",
        biosample: "SAMN06134387",
      },
    ]);
    const exp = only(records, "sra_experiment")[0]!;
    // &#x2019; in the protocol is decoded.
    expect(exp.library.constructionProtocol).toContain("Manufacturer\u2019s protocol was followed");
    const submission: SraSubmission = only(records, "sra_submission")[0]!;
    expect(submission).toMatchObject({
      accession: "SRA502713",
      brokerName: "GEO",
      submissionComment: "submission brokered by GEO",
      organization: {
        type: "center",
        name: "NCBI",
        abbr: "GEO",
        contacts: [{ email: "geo-group@ncbi.nlm.nih.gov", firstName: "Geo", lastName: "Curators" }],
      },
    });
  });

  test("ENA-brokered package: ERR/ERX/ERS accessions, paired nominal length, submission lab", async () => {
    const records = await parseFile("sra_pkg_ERR1662611_ena.xml");
    const exp = only(records, "sra_experiment")[0]!;
    expect(exp).toMatchObject({
      accession: "ERX1732932",
      library: { name: "unspecified", layout: "PAIRED", nominalLength: 200 },
    });
    const sample = only(records, "sra_sample")[0]!;
    expect(sample).toMatchObject({
      accession: "ERS1370008",
      commonName: "fruit fly",
      biosample: "SAMEA4470829",
    });
    const run = only(records, "sra_run")[0]!;
    expect(run).toMatchObject({
      accession: "ERR1662611",
      totalSpots: 12314272,
      totalBases: 2438225856,
      bioproject: "PRJEB15540",
    });
    expect(only(records, "sra_study")[0]).toMatchObject({ studyType: "Other", bioproject: "PRJEB15540" });
    expect(only(records, "sra_submission")[0]).toMatchObject({
      accession: "ERA713471",
      labName: "European Nucleotide Archive",
    });
  });

  test("SRAFiles with every attribute and their Alternatives, cloud files, assembly", async () => {
    const records = await parseFile("sra_pkgset_ERS3331676_srafiles.xml");
    const run = only(records, "sra_run")[0]!;
    expect(run.assembly).toBe("GCF_000005845.1");
    expect(run.files).toHaveLength(4);
    const cram = run.files[0]!;
    expect(cram).toMatchObject({
      filename: "29694_1_382.cram",
      size: 100576829,
      date: "2020-06-11T19:23:25",
      md5: "26e62fcae91b058b13be6b94214ae2e6",
      semanticName: "cram",
      supertype: "Original",
      sratoolkit: "0",
    });
    expect(cram.attributes.url).toBe("https://sra-pub-src-14.s3.amazonaws.com/ERR4229796/29694_1_382.cram.1");
    expect(cram.alternatives[0]).toEqual({
      url: "https://storage.googleapis.com/sra-pub-src-14/ERR4229796/29694_1_382.cram.1",
      org: "GCP",
      freeEgress: "worldwide",
      accessType: "anonymous",
    });
    expect(run.files[1]!.alternatives).toContainEqual({
      url: "s3://sra-pub-run-2/ERR4229796/ERR4229796.1",
      org: "AWS",
      freeEgress: "s3.us-east-1",
      accessType: "aws identity",
    });
    expect(run.cloudFiles).toContainEqual({ filetype: "cram", provider: "gs", location: "gs.US" });
    expect(run.baseCounts).toContainEqual({ base: "A", count: 85540613 });
    const exp = only(records, "sra_experiment")[0]!;
    expect(exp.library).toMatchObject({
      name: "DN539314J:H12",
      strategy: "WGS",
      nominalLength: 452,
      nominalSdev: 121,
    });
    expect(only(records, "sra_submission")[0]).toMatchObject({
      organization: { name: "Wellcome Sanger Institute" },
    });
  });

  test("87-package set: multi-run packages, URL links, fastq files", async () => {
    const records = await parseFile("sra_pkgset_87pkgs.xml");
    expect(only(records, "sra_run")).toHaveLength(92);
    const exp = byAccession(only(records, "sra_experiment"), "SRX878014");
    expect(exp.urlLinks).toEqual([
      { label: "GEO Sample GSM1611598", url: "http://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSM1611598" },
    ]);
    const runs = only(records, "sra_run").filter((r) => r.experimentAccession === "SRX878014");
    expect(runs.map((r) => [r.accession, r.totalSpots])).toEqual([
      ["SRR1804351", 50000000],
      ["SRR1804352", 364078],
    ]);
    const fastq = byAccession(only(records, "sra_run"), "SRR11217918").files.find(
      (f) => f.semanticName === "fastq",
    );
    expect(fastq).toMatchObject({
      filename: "ICN-05_S5.fastq.gz",
      size: 801345858,
      md5: "8103aefb1b95eaf0acb7578300651ec0",
    });
    const last = byAccession(only(records, "sra_run"), "SRR522009");
    expect(last).toMatchObject({ experimentAccession: "SRX160147", sampleAccession: "SRS350385" });
    expect(byAccession(only(records, "sra_sample"), "SRS350385").taxonId).toBe(6239);
    // Records come out in document order: the first package's experiment first.
    expect(records[0]).toMatchObject({
      kind: "sra_experiment",
      accession: "SRX7830165",
      geoAccession: "GSM4369051",
    });
  });
});

describe.skipIf(!haveFixtures)("parseSra on bad input", () => {
  test("a file cut in the middle yields the packages before the cut, then truncated_xml with the package being read", async () => {
    const bytes = readFileSync(join(fixtures, "sra_pkgset_87pkgs.xml"));
    const cut = Math.floor(bytes.length / 2);
    const records: SraRecord[] = [];
    let error: unknown;
    try {
      for await (const r of parseSra(chunked(bytes.subarray(0, cut), 4096), { file: "cut.xml" }))
        records.push(r);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    const e = error as ParseError;
    expect(e.code).toBe("truncated_xml");
    expect(e.location).toMatchObject({ file: "cut.xml", byteOffset: cut });
    // The packages completely before the cut: count their closing tags independently.
    const complete = (
      bytes
        .subarray(0, cut)
        .toString("latin1")
        .match(/<\/EXPERIMENT_PACKAGE>/g) ?? []
    ).length;
    expect(only(records, "sra_experiment")).toHaveLength(complete);
    // The package being read is named by its first accession.
    const open = bytes.subarray(0, cut).toString("latin1");
    const lastStart = open.lastIndexOf("<EXPERIMENT_PACKAGE>");
    const accession = /accession="([^"]+)"/.exec(open.slice(lastStart))![1];
    expect(e.location.record).toBe(`EXPERIMENT_PACKAGE ${accession}`);
  });

  test("a real file gzipped and cut: records before the cut, then truncated_gzip at the compressed end", async () => {
    const dir = mkdtempSync(join(tmpdir(), "omicslake-sra-gz-"));
    try {
      const gz = gzipSync(readFileSync(join(fixtures, "sra_pkgset_87pkgs.xml")));
      const cut = Math.floor(gz.length * 0.6);
      const path = join(dir, "cut.xml.gz");
      writeFileSync(path, gz.subarray(0, cut));
      const records: SraRecord[] = [];
      let error: unknown;
      try {
        for await (const r of parseSra(openInput(path, { chunkSize: 8192 }), { file: path })) records.push(r);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ParseError);
      expect((error as ParseError).code).toBe("truncated_gzip");
      expect((error as ParseError).location).toMatchObject({ file: path, byteOffset: cut });
      expect(records.length).toBeGreaterThan(0);
      // What came out is a prefix of the complete parse, packages whole.
      const full = await parseFile("sra_pkgset_87pkgs.xml");
      expect(records.map((r) => r.accession)).toEqual(full.slice(0, records.length).map((r) => r.accession));
      expect(records.at(-1)!.kind).toBe("sra_submission");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unexpected root names the roots allowed", async () => {
    await expect(async () => {
      for await (const _ of parseSra(chunked(Buffer.from("<BioSampleSet></BioSampleSet>"), 64), {
        file: "x.xml",
      }))
        void _;
    }).rejects.toThrow(/unexpected root element <BioSampleSet>, expected one of <EXPERIMENT_PACKAGE_SET>/);
  });

  test("a record without an accession is a ParseError naming it", async () => {
    const xml = `<STUDY_SET><STUDY alias="mine"><DESCRIPTOR/></STUDY></STUDY_SET>`;
    await expect(async () => {
      for await (const _ of parseSra(chunked(Buffer.from(xml), 64))) void _;
    }).rejects.toMatchObject({
      code: "missing_accession",
      location: { record: "STUDY alias mine", byteOffset: 11 },
    });
  });
});
