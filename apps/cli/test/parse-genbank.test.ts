import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

// Two hand-written entries (made-up organism, accessions and bases) in NCBI's layout.
const ENTRY_A = `LOCUS       XA990101                 120 bp    DNA     circular SYN 05-MAR-2020
DEFINITION  Cloning vector pTEST1, complete sequence.
ACCESSION   XA990101
VERSION     XA990101.1
KEYWORDS    cloning vector.
SOURCE      synthetic construct
  ORGANISM  synthetic construct
            other sequences; artificial sequences.
FEATURES             Location/Qualifiers
     source          1..120
                     /organism="synthetic construct"
                     /mol_type="other DNA"
                     /db_xref="taxon:32630"
     CDS             complement(join(1..30,
                     61..120))
                     /locus_tag="PT_0001"
                     /product="beta-lactamase, a long product name wrapped
                     over two lines"
ORIGIN
        1 ttaccaatgc ttaatcagtg aggcacctat ctcagcgatc tgtctatttc gttcatccat
       61 agttgcctga ctccccgtcg tgtagataac tacgatacgg gagggcttac catctggccc
//
`;
const ENTRY_B = `LOCUS       XA990102                  60 bp    mRNA    linear   PLN 29-FEB-2024
DEFINITION  Madeup mRNA.
ACCESSION   XA990102
VERSION     XA990102.2
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

interface Line {
  kind: string;
  accession: string;
  taxid?: number;
  date?: string;
  sequence?: string;
  features: { counts: Record<string, number>; cdsProducts: string[]; locusTags: string[] };
}

describe("omicslake parse / convert / ingest of GenBank files", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-parse-genbank-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one NDJSON record per entry, from plain and gzip files, with the sequence only when asked", async () => {
    await writeFile(join(dir, "a.gb"), ENTRY_A);
    await writeFile(join(dir, "b.gbff.gz"), gzipSync(ENTRY_B));
    const result = await runInProcess(dir, ["parse", "genbank", "a.gb", "b.gbff.gz"]);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => [l.kind, l.accession, l.taxid, l.date])).toEqual([
      ["genbank_record", "XA990101", 32630, "2020-03-05"],
      ["genbank_record", "XA990102", undefined, "2024-02-29"],
    ]);
    expect(lines[0]!.features).toEqual({
      counts: { source: 1, CDS: 1 },
      cdsProducts: ["beta-lactamase, a long product name wrapped over two lines"],
      locusTags: ["PT_0001"],
    });
    expect(lines.every((l) => l.sequence === undefined)).toBe(true);

    const withSequence = await runInProcess(dir, ["parse", "genbank", "--with-sequence", "a.gb", "-n", "1"]);
    expect(withSequence.code).toBe(0);
    const [only, ...rest] = withSequence.stdout.trim().split("\n");
    expect(rest).toHaveLength(0);
    const record = JSON.parse(only!) as Line;
    expect(record.sequence).toHaveLength(120);
    expect(record.sequence).toMatch(/^ttaccaatgc[acgt]+catctggccc$/);
  });

  it("converts a .gbff to genbank_records.parquet and ingests a .gb.gz into a dataset", async () => {
    await writeFile(join(dir, "x.gbff"), ENTRY_A + ENTRY_B);
    await writeFile(join(dir, "y.gb.gz"), gzipSync(ENTRY_B));
    const converted = await runInProcess(dir, ["convert", "x.gbff", "-o", "out", "--json"]);
    expect(converted.code, converted.stderr).toBe(0);
    const result = JSON.parse(converted.stdout) as {
      format: string;
      outputs: { name: string; rows: number }[];
    };
    expect(result.format).toBe("genbank");
    expect(result.outputs.map((o) => [o.name, o.rows])).toEqual([
      ["genbank_records.parquet", 2],
      ["manifest.json", 1],
    ]);

    expect((await runInProcess(dir, ["init"])).code).toBe(0);
    const ingested = await runInProcess(dir, ["ingest", "--dataset", "seqs", "y.gb.gz"]);
    expect(ingested.code, ingested.stderr).toBe(0);
    expect(ingested.stdout + ingested.stderr).toContain("genbank_records.parquet");
    const ls = await runInProcess(dir, ["catalog", "ls", "--json"]);
    const datasets = (JSON.parse(ls.stdout) as { data: { name: string; layer: string }[] }).data;
    expect(datasets.map((d) => `${d.layer}:${d.name}`).sort()).toEqual(["processed:seqs", "raw:seqs"]);
  });

  it("refuses --with-sequence for formats without sequences (exit 2)", async () => {
    await writeFile(join(dir, "x.soft"), "^SERIES = GSE1\n!Series_title = t\n");
    const result = await runInProcess(dir, ["parse", "geo", "--with-sequence", "x.soft"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--with-sequence applies to genbank records only");
    expect(result.stdout).toBe("");
  });

  it("fails with exit 1 naming the file and line of an entry without its //, after the good records", async () => {
    await writeFile(join(dir, "cut.gb"), ENTRY_A + ENTRY_B.replace("//\n", ""));
    const result = await runInProcess(dir, ["parse", "genbank", "cut.gb"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cut.gb");
    const lastLine = (ENTRY_A + ENTRY_B).split("\n").length - 2;
    expect(result.stderr).toContain(`line ${lastLine}`);
    expect(result.stderr).toContain("truncated_genbank");
    expect(
      result.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as Line).accession),
    ).toEqual(["XA990101"]);
  });
});
