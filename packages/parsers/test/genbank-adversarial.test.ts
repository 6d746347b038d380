import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseGenbank, type GenbankParseOptions } from "../src/genbank/genbank-parser.js";
import type { GenbankRecord } from "../src/genbank/genbank-records.js";
import { openInput } from "../src/io/open-input.js";
import { reusedBufferChunks, text } from "./helpers/byte-streams.js";
import { parseError } from "./helpers/expect-parse-error.js";
import { BARE_MRNA, PLASMID, RELEASE_HEADER, SS_RNA } from "./helpers/genbank-samples.js";

async function collect(
  input: AsyncIterable<Uint8Array>,
  options: GenbankParseOptions = {},
): Promise<GenbankRecord[]> {
  const out: GenbankRecord[] = [];
  for await (const r of parseGenbank(input, options)) out.push(r);
  return out;
}

/** A WGS master-like entry: CONTIG instead of ORIGIN, WGS lines, secondary accessions over two lines. */
const CONTIG_ENTRY = `LOCUS       AAAA02000000             500 bp    DNA     linear   CON 12-MAR-2010
DEFINITION  Testia plantae cultivar X, whole genome shotgun sequencing project.
ACCESSION   AAAA02000000 AAAA01000000 BBBB01000000-BBBB01000009 CCCC01000001
            CCCC01000002 CCCC01000003
VERSION     AAAA02000000.1
DBLINK      BioProject: PRJNA990002
KEYWORDS    WGS.
SOURCE      Testia plantae
  ORGANISM  Testia plantae
            Eukaryota; Viridiplantae.
COMMENT     A comment with "quotes" and // inside.
FEATURES             Location/Qualifiers
     source          1..500
                     /organism="Testia plantae"
                     /db_xref="BOLD:ABC1234"
                     /db_xref="taxon:4530"
     CDS             1..300
                     /product="protein ""quoted"" name that
                     continues ""here"""
                     /translation="MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
                     MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                     /locus_tag="TP_0001"
WGS         AAAA02000001-AAAA02000100
WGS_SCAFLD  AAAA02100001-AAAA02100010
CONTIG      join(AAAA02000001.1:1..250,gap(10),
            AAAA02000002.1:1..240)
//
`;

/** A LOCUS line in the pre-2006 column layout (name in 13-22, length right-aligned, no topology). */
const OLD_LOCUS = `LOCUS       HSU99001     60 bp    mRNA            PRI       15-JAN-1999
DEFINITION  Human test mRNA.
ACCESSION   U99001
VERSION     U99001.1  GI:9990001
SOURCE      human.
  ORGANISM  Homo sapiens
            Eukaryota; Metazoa; Chordata.
FEATURES             Location/Qualifiers
     source          1..60
                     /organism="Homo sapiens"
                     /db_xref="taxon:9606"
BASE COUNT       15 a     15 c     15 g     15 t
ORIGIN      
        1 acgtacgtac gtacgtacgt acgtacgtac gtacgtacgt acgtacgtac gtacgtacgt
//
`;

const MULTI = RELEASE_HEADER + PLASMID + CONTIG_ENTRY + BARE_MRNA + OLD_LOCUS + SS_RNA;

describe("parseGenbank against awkward input", () => {
  it("reads CONTIG, WGS lines, many secondary accessions, doubled quotes and a second db_xref", async () => {
    const [r] = await collect(text(CONTIG_ENTRY));
    expect(r).toMatchObject({
      accession: "AAAA02000000",
      secondaryAccessions: [
        "AAAA01000000",
        "BBBB01000000-BBBB01000009",
        "CCCC01000001",
        "CCCC01000002",
        "CCCC01000003",
      ],
      division: "CON",
      taxid: 4530,
      features: {
        counts: { source: 1, CDS: 1 },
        cdsProducts: ['protein "quoted" name that continues "here"'],
        locusTags: ["TP_0001"],
      },
    });
    expect(r!.sequence).toBeUndefined();
  });

  it("reads a pre-2006 LOCUS line and a VERSION with a GI", async () => {
    const [r] = await collect(text(OLD_LOCUS), { withSequence: true });
    expect(r).toMatchObject({
      accession: "U99001",
      version: "U99001.1",
      locus: "HSU99001",
      length: 60,
      molecule: "mRNA",
      division: "PRI",
      date: "1999-01-15",
      taxid: 9606,
    });
    expect(r!.topology).toBeUndefined();
    expect(r!.sequence).toHaveLength(60);
  });

  it("gives the same records at every chunk size 1..64, LF and CRLF, through a reused buffer", async () => {
    for (const withSequence of [false, true]) {
      const whole = await collect(text(MULTI), { withSequence });
      expect(whole.map((r) => r.accession)).toEqual([
        "NZ_CP990001",
        "AAAA02000000",
        "AB990002",
        "U99001",
        "XX990003",
      ]);
      for (const eol of ["\n", "\r\n"]) {
        const bytes = Buffer.from(MULTI.replaceAll("\n", eol));
        for (let size = 1; size <= 64; size++) {
          const got = await collect(reusedBufferChunks(bytes, size), { withSequence });
          expect(got, `chunk size ${size}, ${JSON.stringify(eol)}`).toEqual(whole);
        }
      }
    }
  });

  it("reports gzip cut mid-member as truncated_gzip, after handing out the records before the cut", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-genbank-"));
    try {
      const body = RELEASE_HEADER + (PLASMID + CONTIG_ENTRY + BARE_MRNA + OLD_LOCUS + SS_RNA).repeat(200);
      const gz = gzipSync(Buffer.from(body));
      const path = join(dir, "cut.seq.gz");
      await writeFile(path, gz.subarray(0, Math.floor(gz.length / 2)));
      for (const options of [{ worker: false, chunkSize: 13 }, {}]) {
        const seen: GenbankRecord[] = [];
        const error = await parseError(async () => {
          for await (const r of parseGenbank(openInput(path, options), { file: path })) seen.push(r);
        });
        expect(error.code, JSON.stringify(options)).toBe("truncated_gzip");
        expect(seen.length).toBeGreaterThan(10);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads past a 100 MB sequence line without holding it when the sequence is not asked for", async () => {
    const head = SS_RNA.slice(0, SS_RNA.indexOf("ORIGIN"));
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    async function* input(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`${head}ORIGIN\n        1 `);
      const chunk = Buffer.alloc(1 << 20, 0x61);
      for (let i = 0; i < 100; i++) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
        yield chunk;
      }
      yield Buffer.from("\n//\n");
    }
    const records = await collect(input());
    expect(records.map((r) => r.accession)).toEqual(["XX990003"]);
    // One chunk plus small carry is fine; holding the line would be ~100 MB.
    expect(peak).toBeLessThan(32 * 1024 * 1024);
  });
});
