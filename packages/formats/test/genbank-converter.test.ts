import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ParseError } from "@omicslake/parsers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { convertPath } from "../src/convert/convert-path.js";
import { sniffFormat } from "../src/sniff/sniff-format.js";
import { query } from "./helpers/read-parquet.js";

// Hand-written entries in NCBI's layout; organisms, accessions and bases are made up.
const PLASMID = `LOCUS       XP990201                 120 bp    DNA     circular BCT 26-JUL-2016
DEFINITION  Testella coli strain T1 plasmid pT1, complete sequence.
ACCESSION   XP990201
VERSION     XP990201.1
DBLINK      BioProject: PRJNA990201
            BioSample: SAMN99020101
KEYWORDS    plasmid; complete genome.
SOURCE      Testella coli
  ORGANISM  Testella coli
            Bacteria; Pseudomonadota; Gammaproteobacteria; Enterobacterales;
            Testellaceae; Testella.
REFERENCE   1  (bases 1 to 120)
  AUTHORS   Doe,J. and Roe,R.
  TITLE     A plasmid made up for a converter test
  JOURNAL   J. Test. Seq. 1 (1), 1-2 (2016)
   PUBMED   99020101
FEATURES             Location/Qualifiers
     source          1..120
                     /organism="Testella coli"
                     /db_xref="taxon:990201"
     gene            1..60
                     /locus_tag="TC_0001"
     CDS             1..60
                     /locus_tag="TC_0001"
                     /product="replication protein"
     CDS             complement(join(61..90,
                     91..120))
                     /locus_tag="TC_0002"
                     /product="mobilization protein with a
                     wrapped name"
ORIGIN
        1 gatcctccat atacaacggt atctccacct caggtttaga tctcaacaac ggaaccattg
       61 ccgacatgag acagttaggt atcgtcgaga gttacaagct aaaacgagca gtagtcagct
//
`;
const MRNA = `LOCUS       XP990202                  60 bp    mRNA    linear   PLN 03-FEB-1999
DEFINITION  Madeup mRNA.
ACCESSION   XP990202
VERSION     XP990202.3
SOURCE      Testia plantae
  ORGANISM  Testia plantae
            Eukaryota; Viridiplantae.
FEATURES             Location/Qualifiers
     source          1..60
                     /organism="Testia plantae"
ORIGIN
        1 atggcttcta aggagcttgc aattgctgct gctcttcttc ttgctgttgt tcttgcagca
//
`;
const RELEASE_HEADER = `GBTST1.SEQ          Genetic Sequence Data Bank
                          October 15 2026

                NCBI-GenBank Flat File Release 999.0

                     Test Sequences (Part 1)

   2 loci,    180 bases, from    2 reported sequences


`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-genbank-convert-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("GenBank sniffing", () => {
  it("recognises GenBank by content: a LOCUS line first, gzip or not, or after a release header", async () => {
    await writeFile(join(dir, "a.txt"), PLASMID);
    await writeFile(join(dir, "b.bin"), gzipSync(MRNA));
    await writeFile(join(dir, "c.seq"), RELEASE_HEADER + PLASMID + MRNA);
    expect(await sniffFormat(join(dir, "a.txt"))).toEqual({
      format: "genbank",
      details: { locus: "XP990201" },
    });
    expect(await sniffFormat(join(dir, "b.bin"))).toEqual({
      format: "genbank",
      compressed: "gzip",
      details: { locus: "XP990202" },
    });
    expect(await sniffFormat(join(dir, "c.seq"))).toEqual({
      format: "genbank",
      details: { locus: "XP990201", releaseHeader: "GBTST1.SEQ" },
    });
  });

  it("does not take other text starting with LOCUS for GenBank", async () => {
    await writeFile(join(dir, "t.tsv"), "LOCUS\tlength\nX1\t20\n");
    expect((await sniffFormat(join(dir, "t.tsv"))).format).toBe("tsv");
    await writeFile(join(dir, "h.txt"), `${RELEASE_HEADER}no entries here\n`);
    expect((await sniffFormat(join(dir, "h.txt"))).format).not.toBe("genbank");
  });
});

describe("GenBank to Parquet", () => {
  it("keeps only the records of a taxon subtree when given one, counting what it dropped", async () => {
    const input = join(dir, "gbtst1.seq");
    await writeFile(input, RELEASE_HEADER + PLASMID + MRNA);
    const out = join(dir, "subtree");
    // The plasmid's source feature names taxon 990201; the mRNA has no taxid and is dropped too.
    const result = await convertPath(input, out, { genbankTaxids: new Set([990201, 2]) });
    expect(result.outputs.find((o) => o.table === "genbank_records")?.rows).toBe(1);
    expect(result.manifest).toMatchObject({
      genbank: { records: 1, taxonFilter: { taxids: 2, dropped: 1 } },
    });
    expect(await query(`SELECT accession FROM '${join(out, "genbank_records.parquet")}'`)).toEqual([
      { accession: "XP990201" },
    ]);
    const none = await convertPath(input, join(dir, "none"), { genbankTaxids: new Set([7]) });
    expect(none.outputs.find((o) => o.table === "genbank_records")?.rows).toBe(0);
  });

  it("writes genbank_records.parquet, one row per entry, that DuckDB reads with lists, structs and a map", async () => {
    const input = join(dir, "gbtst1.seq.gz");
    await writeFile(input, gzipSync(RELEASE_HEADER + PLASMID + MRNA));
    const out = join(dir, "out");
    const result = await convertPath(input, out);
    expect(result.format).toBe("genbank");
    expect(result.outputs.map((o) => [o.name, o.table, o.rows])).toEqual([
      ["genbank_records.parquet", "genbank_records", 2],
      ["manifest.json", "manifest", 1],
    ]);
    expect(result.manifest).toMatchObject({ genbank: { records: 2, divisions: { BCT: 1, PLN: 1 } } });
    const fields = Object.fromEntries(result.outputs[0]!.fields.map((f) => [f.name, f.type]));
    expect(fields).toMatchObject({
      accession: "VARCHAR",
      length: "BIGINT",
      date: "DATE",
      taxonomy: "VARCHAR[]",
      featureCounts: "MAP(VARCHAR, INTEGER)",
      taxid: "BIGINT",
    });
    expect(Object.keys(fields)).not.toContain("sequence");
    expect((await readdir(out)).sort()).toEqual(["genbank_records.parquet", "manifest.json"]);

    const parquet = join(out, "genbank_records.parquet");
    const rows = await query(
      `SELECT accession, version, locus, length, molecule, topology, division, date::VARCHAR AS date, definition,
              keywords, bioprojects, biosamples, organism, taxonomy, taxid,
              featureCounts['CDS'] AS cds, featureCounts['gene'] AS genes, cdsProducts, locusTags,
              "references"[1].pubmed AS pubmed, "references"[1].title AS title, len("references") AS refs,
              dblink[2].database AS db2
       FROM read_parquet('${parquet}') ORDER BY accession`,
    );
    expect(rows).toEqual([
      {
        accession: "XP990201",
        version: "XP990201.1",
        locus: "XP990201",
        length: 120n,
        molecule: "DNA",
        topology: "circular",
        division: "BCT",
        date: "2016-07-26",
        definition: "Testella coli strain T1 plasmid pT1, complete sequence.",
        keywords: ["plasmid", "complete genome"],
        bioprojects: ["PRJNA990201"],
        biosamples: ["SAMN99020101"],
        organism: "Testella coli",
        taxonomy: [
          "Bacteria",
          "Pseudomonadota",
          "Gammaproteobacteria",
          "Enterobacterales",
          "Testellaceae",
          "Testella",
        ],
        taxid: 990201n,
        cds: 2,
        genes: 1,
        cdsProducts: ["replication protein", "mobilization protein with a wrapped name"],
        locusTags: ["TC_0001", "TC_0002"],
        pubmed: 99020101n,
        title: "A plasmid made up for a converter test",
        refs: 1n,
        db2: "BioSample",
      },
      {
        accession: "XP990202",
        version: "XP990202.3",
        locus: "XP990202",
        length: 60n,
        molecule: "mRNA",
        topology: "linear",
        division: "PLN",
        date: "1999-02-03",
        definition: "Madeup mRNA.",
        keywords: [],
        bioprojects: [],
        biosamples: [],
        organism: "Testia plantae",
        taxonomy: ["Eukaryota", "Viridiplantae"],
        taxid: null,
        cds: null,
        genes: null,
        cdsProducts: [],
        locusTags: [],
        pubmed: null,
        title: null,
        refs: 0n,
        db2: null,
      },
    ]);
  });

  it("fails on a malformed entry with the file and line, leaving no output", async () => {
    const input = join(dir, "bad.gb");
    await writeFile(input, PLASMID + MRNA.replace("//\n", ""));
    const out = join(dir, "out");
    const error = await convertPath(input, out).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).code).toBe("truncated_genbank");
    expect((error as ParseError).location).toMatchObject({ file: input, record: "XP990202" });
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(["bad.gb"]);
  });
});
