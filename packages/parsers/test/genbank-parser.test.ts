import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseGenbank, type GenbankParseOptions } from "../src/genbank/genbank-parser.js";
import { genbankRecordSchema, type GenbankRecord } from "../src/genbank/genbank-records.js";
import { openInput } from "../src/io/open-input.js";
import { recordParser } from "../src/parse/record-parsers.js";
import { chunksOf, reusedBufferChunks, text } from "./helpers/byte-streams.js";
import { parseError } from "./helpers/expect-parse-error.js";
import { checkMutatedInputs } from "./helpers/mutated-input-property.js";
import { BARE_MRNA, PLASMID, RELEASE_HEADER, SS_RNA } from "./helpers/genbank-samples.js";

async function collect(
  input: AsyncIterable<Uint8Array>,
  options: GenbankParseOptions = {},
): Promise<GenbankRecord[]> {
  const out: GenbankRecord[] = [];
  for await (const r of parseGenbank(input, options)) out.push(r);
  return out;
}

const ALL = RELEASE_HEADER + PLASMID + BARE_MRNA + SS_RNA;

const PLASMID_RECORD: GenbankRecord = {
  kind: "genbank_record",
  accession: "NZ_CP990001",
  secondaryAccessions: ["NZ_CP990002"],
  version: "NZ_CP990001.2",
  locus: "NZ_CP990001",
  length: 120,
  lengthUnit: "bp",
  molecule: "DNA",
  topology: "circular",
  division: "BCT",
  date: "2016-07-26",
  definition:
    "Escherichia coli strain OML-7 plasmid pOML1, complete sequence, with a second definition line.",
  keywords: ["RefSeq", "plasmid", "complete genome"],
  dblink: [
    { database: "BioProject", id: "PRJNA990001" },
    { database: "BioSample", id: "SAMN09900001" },
    { database: "Sequence Read Archive", id: "SRR9900001" },
    { database: "Sequence Read Archive", id: "SRR9900002" },
  ],
  bioprojects: ["PRJNA990001"],
  biosamples: ["SAMN09900001"],
  source: "Escherichia coli",
  organism: "Escherichia coli",
  taxonomy: [
    "Bacteria",
    "Pseudomonadota",
    "Gammaproteobacteria",
    "Enterobacterales",
    "Enterobacteriaceae",
    "Escherichia",
  ],
  taxid: 562,
  references: [
    {
      number: 1,
      bases: "bases 1 to 120",
      authors: "Doe,J., Roe,R. and Poe,P.",
      title: "A made-up plasmid for testing a GenBank reader, with a title that continues on a second line",
      journal: "J. Test. Seq. 12 (3), 45-67 (2016)",
      pubmed: 99000001,
    },
    {
      number: 2,
      bases: "bases 1 to 120",
      consortium: "Test Sequencing Consortium",
      title: "Direct Submission",
      journal: "Submitted (01-JUN-2016) Test Institute, 1 Example Road, Testville 00000, Nowhere",
    },
  ],
  features: {
    counts: { source: 1, gene: 2, CDS: 2, misc_feature: 1 },
    // The quoted /note holding `/product="not a product"` on a continuation line is not a product.
    cdsProducts: ["plasmid replication protein with a name long enough to wrap", "hypothetical protein"],
    locusTags: ["OML_RS00005", "OML_RS00010"],
  },
};

const BARE_RECORD: GenbankRecord = {
  kind: "genbank_record",
  accession: "AB990002",
  secondaryAccessions: [],
  version: "AB990002.1",
  locus: "AB990002",
  length: 120,
  lengthUnit: "bp",
  molecule: "mRNA",
  topology: "linear",
  division: "PLN",
  date: "1999-02-03",
  definition: "Madeup plant mRNA for a test protein.",
  keywords: [],
  dblink: [],
  bioprojects: [],
  biosamples: [],
  source: "Testia plantae",
  organism: "Testia plantae",
  taxonomy: ["Eukaryota", "Viridiplantae"],
  references: [],
  features: { counts: { source: 1 }, cdsProducts: [], locusTags: [] },
};

const SS_RNA_RECORD: GenbankRecord = {
  kind: "genbank_record",
  accession: "XX990003",
  secondaryAccessions: [],
  version: "XX990003.3",
  locus: "XX990003",
  length: 60,
  lengthUnit: "bp",
  molecule: "RNA",
  strandedness: "ss",
  division: "VRL",
  date: "2001-12-31",
  definition: "Test virus segment 1.",
  keywords: [],
  dblink: [],
  bioprojects: [],
  biosamples: [],
  source: "Test virus",
  organism: "Test virus",
  taxonomy: ["Viruses", "Riboviria"],
  taxid: 99999,
  references: [],
  features: { counts: { source: 1 }, cdsProducts: [], locusTags: [] },
};

describe("parseGenbank", () => {
  it("reads every field of a plasmid entry with references, DBLINK and wrapped qualifiers", async () => {
    const [record, ...rest] = await collect(text(PLASMID));
    expect(rest).toHaveLength(0);
    expect(record).toEqual(PLASMID_RECORD);
    expect("sequence" in record!).toBe(false);
    expect(() => genbankRecordSchema.parse(record)).not.toThrow();
  });

  it("leaves out what an entry does not have: KEYWORDS, DBLINK, taxon db_xref, references, topology", async () => {
    expect(await collect(text(BARE_MRNA))).toEqual([BARE_RECORD]);
    expect(await collect(text(SS_RNA))).toEqual([SS_RNA_RECORD]);
  });

  it("skips a release file's header block and reads several entries", async () => {
    const records = await collect(text(ALL), { file: "gbtst1.seq" });
    expect(records).toEqual([PLASMID_RECORD, BARE_RECORD, SS_RNA_RECORD]);
    for (const r of records) expect(() => genbankRecordSchema.parse(r)).not.toThrow();
  });

  it("keeps the sequence only when asked, letters as written", async () => {
    const records = await collect(text(ALL), { withSequence: true });
    expect(records.map((r) => r.sequence?.length)).toEqual([120, 120, 60]);
    expect(records[0]!.sequence).toMatch(/^gatcctccatatacaacggtatctcc[acgt]+tcagct$/);
    expect(records[1]!.sequence).toMatch(/^ATGGCTTCTAAGGAG[ACGT]+GCAGCATAA$/);
    expect(records.map((r) => ({ ...r, sequence: undefined }))).toEqual(
      [PLASMID_RECORD, BARE_RECORD, SS_RNA_RECORD].map((r) => ({ ...r, sequence: undefined })),
    );
  });

  it("reads an organism name that wraps onto a second line apart from the lineage", async () => {
    const wrapped = SS_RNA.replace(
      "  ORGANISM  Test virus\n",
      "  ORGANISM  Test virus with a very long strain designation that does not fit\n            on one line\n",
    );
    const [record] = await collect(text(wrapped));
    expect(record!.organism).toBe(
      "Test virus with a very long strain designation that does not fit on one line",
    );
    expect(record!.taxonomy).toEqual(["Viruses", "Riboviria"]);
    const unclassified = SS_RNA.replace("            Viruses; Riboviria.\n", "            Unclassified.\n");
    expect((await collect(text(unclassified)))[0]).toMatchObject({
      organism: "Test virus",
      taxonomy: ["Unclassified"],
    });
  });

  it("gives the same records whatever the chunk boundaries, also through a reused read buffer", async () => {
    const bytes = Buffer.from(ALL);
    const whole = await collect(text(ALL), { withSequence: true });
    for (const size of [1, 7, 64 * 1024]) {
      expect(await collect(chunksOf(bytes, size), { withSequence: true }), `chunks of ${size}`).toEqual(
        whole,
      );
      expect(
        await collect(reusedBufferChunks(bytes, size), { withSequence: true }),
        `reused ${size}`,
      ).toEqual(whole);
    }
  });

  it("reads CRLF line endings and a byte order mark", async () => {
    const crlf = `\ufeff${ALL.replace(/\n/g, "\r\n")}`;
    expect(await collect(chunksOf(Buffer.from(crlf), 3))).toEqual([
      PLASMID_RECORD,
      BARE_RECORD,
      SS_RNA_RECORD,
    ]);
  });

  it("through the format registry, refuses withSequence for formats without sequences", async () => {
    const parse = recordParser("genbank");
    const out = [];
    for await (const r of parse(text(SS_RNA), { file: "x.gb", withSequence: true })) out.push(r);
    expect((out[0] as GenbankRecord).sequence).toHaveLength(60);
    expect(() => recordParser("geo")(text(""), { withSequence: true })).toThrow(
      /geo format has no sequences/,
    );
  });

  describe("files", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "omicslake-genbank-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("reads a gzip file through openInput, inflated in a worker or here, at small chunk sizes", async () => {
      const path = join(dir, "gbtst1.seq.gz");
      await writeFile(path, gzipSync(ALL));
      for (const options of [{}, { worker: false, chunkSize: 7 }, { chunkSize: 64 * 1024 }]) {
        const records = await collect(openInput(path, options), { file: path });
        expect(records, JSON.stringify(options)).toEqual([PLASMID_RECORD, BARE_RECORD, SS_RNA_RECORD]);
      }
    });

    it("reports a gzip file cut short as truncated_gzip, not as a GenBank problem", async () => {
      const path = join(dir, "cut.gb.gz");
      const gz = gzipSync(ALL);
      await writeFile(path, gz.subarray(0, gz.length - 12));
      const error = await parseError(() => collect(openInput(path, { worker: false }), { file: path }));
      expect(error.code).toBe("truncated_gzip");
    });
  });

  describe("errors", () => {
    it("reports an entry without its // at the end of the file, with file and last line, after the good ones", async () => {
      const input = RELEASE_HEADER + PLASMID + BARE_MRNA.replace("//\n", "");
      const seen: string[] = [];
      const error = await parseError(async () => {
        for await (const r of parseGenbank(text(input), { file: "cut.gb" })) seen.push(r.accession);
      });
      expect(seen).toEqual(["NZ_CP990001"]);
      expect(error.code).toBe("truncated_genbank");
      expect(error.location).toMatchObject({ file: "cut.gb", record: "AB990002" });
      expect(error.location.line).toBe(input.split("\n").length - 1);
      expect(error.message).toContain("cut.gb");
      const locusLine = input.split("\n").findIndex((l) => l.startsWith("LOCUS       AB990002")) + 1;
      expect(locusLine).toBe(RELEASE_HEADER.split("\n").length + PLASMID.split("\n").length - 1);
      expect(error.message).toContain(`(LOCUS at line ${locusLine}) before its "//" line`);
    });

    it("reports a LOCUS line it cannot read, naming the line", async () => {
      const bad = PLASMID + BARE_MRNA.replace("120 bp", "12x bp");
      const error = await parseError(() => collect(text(bad), { file: "bad.gb" }));
      expect(error.code).toBe("malformed_genbank");
      expect(error.location).toMatchObject({ file: "bad.gb", line: PLASMID.split("\n").length });
      expect(error.message).toContain('the length "12x" is not a whole number');
      const badDate = await parseError(() => collect(text(SS_RNA.replace("31-DEC-2001", "31-FOO-2001"))));
      expect(badDate.message).toContain('the date "31-FOO-2001"');
      const noUnit = await parseError(() => collect(text("LOCUS       X1  100\n//\n")));
      expect(noUnit.message).toContain("expected a name, a length and a unit");
    });

    it("reports a feature location line without a key", async () => {
      const bad = SS_RNA.replace("     source          1..60\n", "                     1..60\n");
      const error = await parseError(() => collect(text(bad), { file: "nokey.gb" }));
      expect(error.code).toBe("malformed_genbank");
      expect(error.location).toMatchObject({ file: "nokey.gb", line: 10, record: "XX990003" });
      expect(error.message).toContain("without a feature key");
    });

    it("reports a second LOCUS before the first entry's //", async () => {
      const error = await parseError(() => collect(text(PLASMID.replace("//\n", "") + SS_RNA)));
      expect(error.code).toBe("malformed_genbank");
      expect(error.location.line).toBe(PLASMID.split("\n").length - 1);
      expect(error.message).toContain('has no "//" line before the next LOCUS');
    });

    it("refuses text before the first LOCUS unless it is a release header, and text between entries", async () => {
      const before = await parseError(() => collect(text(`hello\n${SS_RNA}`)));
      expect(before.code).toBe("malformed_genbank");
      expect(before.location.line).toBe(1);
      expect(before.message).toContain('expected a LOCUS line, got "hello"');
      const between = await parseError(() => collect(text(`${SS_RNA}\nstray text\n${SS_RNA}`)));
      expect(between.location.line).toBe(SS_RNA.split("\n").length + 1);
      expect(await collect(text(`\n\n${SS_RNA}\n${SS_RNA}`))).toHaveLength(2);
    });

    it("reports an empty input as empty_input", async () => {
      expect((await parseError(() => collect(text("")))).code).toBe("empty_input");
      expect((await parseError(() => collect(text(RELEASE_HEADER)))).code).toBe("empty_input");
    });

    it("bounds what one record may hold and how long a line may be", async () => {
      const huge = PLASMID.replace(
        "COMMENT",
        `DEFINITION  ${"x".repeat(100)}\n${`            ${"y".repeat(60)}\n`.repeat(100)}COMMENT`,
      );
      const tooMuch = await parseError(() => collect(text(huge), { maxRecordBytes: 4096 }));
      expect(tooMuch.code).toBe("record_too_large");
      expect(tooMuch.location.record).toBe("NZ_CP990001");
      const long = await parseError(() =>
        collect(chunksOf(Buffer.from(`LOCUS ${"a".repeat(5000)}\n`), 100), { maxLineBytes: 1024 }),
      );
      expect(long.code).toBe("record_too_large");
      expect(long.location.line).toBe(1);
    });
  });

  it("either yields schema-valid records or stops with a ParseError, for any byte edits and chunking (property)", async () => {
    await checkMutatedInputs({
      sources: [Buffer.from(ALL), Buffer.from(PLASMID)],
      // The format's delimiters, a letter, a digit and a byte never valid in UTF-8.
      values: [...'"/= \n\t();.L'].map((c) => c.charCodeAt(0)).concat([0x30, 0xff]),
      numRuns: 300,
      consume: async (input) => {
        for await (const r of parseGenbank(input, { withSequence: true })) genbankRecordSchema.parse(r);
      },
    });
  });

  it("does not let an unbalanced quote swallow the features after it", async () => {
    const unbalanced = PLASMID.replace('/product="hypothetical protein"', '/product="hypothetical protein');
    const [record] = await collect(text(unbalanced));
    expect(record!.features.counts).toEqual({ source: 1, gene: 2, CDS: 2, misc_feature: 1 });
    expect(record!.features.cdsProducts[1]).toBe("hypothetical protein");
  });
});
