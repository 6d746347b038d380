import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bzip2, canBzip2AndXz } from "../../test/helpers/compressed-variants.js";
import { makeTar } from "../../test/helpers/make-tar.js";
import { query } from "../../test/helpers/read-parquet.js";
import { convertPath } from "../convert/convert-path.js";
import { FormatError } from "../convert/format-error.js";
import { sniffFormat } from "../sniff/sniff-format.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-reads-convert-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** `n` reads of length 1..n, all `A` with quality `I` (Q40) except the last base of each read, `#` (Q2). */
function simpleFastq(n: number, prefix: string): string {
  let text = "";
  for (let r = 1; r <= n; r++) text += `@${prefix}.${r}\n${"A".repeat(r)}\n+\n${"I".repeat(r - 1)}#\n`;
  return text;
}

describe("sniffing reads by content", () => {
  it("finds FASTQ and FASTA whatever the name or compression, and leaves text tables alone", async () => {
    const fq = simpleFastq(3, "r");
    expect(await sniffFormat(await file("upload.bin", fq))).toMatchObject({ format: "fastq" });
    expect(await sniffFormat(await file("r.txt.gz", gzipSync(fq)))).toMatchObject({
      format: "fastq",
      compressed: "gzip",
    });
    expect(await sniffFormat(await file("g.tsv", ">chr1 test\r\nACGTN\r\nAC\r\n"))).toMatchObject({
      format: "fasta",
    });
    // A long read cut by the sniffer's 64 KiB look is still FASTQ.
    const long = `@long\n${"ACGT".repeat(40_000)}\n+\n${"I".repeat(160_000)}\n`;
    expect(await sniffFormat(await file("long.fq", long))).toMatchObject({ format: "fastq" });
    // SAM headers start with @ too, and one-column lists stay TSV.
    expect((await sniffFormat(await file("x.sam", "@HD\tVN:1.6\n@SQ\tSN:chr1\tLN:10\n"))).format).not.toBe(
      "fastq",
    );
    expect(await sniffFormat(await file("barcodes.tsv", "AAACCTG-1\nAAACGGG-1\n"))).toMatchObject({
      format: "tsv",
    });
  });

  it.skipIf(!canBzip2AndXz)("finds FASTQ inside bzip2", async () => {
    const path = await file("r.fq.bz2", bzip2(Buffer.from(simpleFastq(4, "r"))));
    expect(await sniffFormat(path)).toMatchObject({ format: "fastq", compressed: "bzip2" });
  });
});

describe("converting reads", () => {
  it("gives each file of a FASTQ pair in a folder its own statistics tables", async () => {
    const input = join(dir, "run");
    await mkdir(input);
    await writeFile(join(input, "x_1.fastq.gz"), gzipSync(simpleFastq(4, "x")));
    await writeFile(join(input, "x_2.fastq.gz"), gzipSync(simpleFastq(6, "x")));
    const out = join(dir, "out");
    const result = await convertPath(input, out);
    expect(result.format).toBe("directory");
    expect(result.outputs.map((o) => o.name).sort()).toEqual([
      "manifest.json",
      "x_1.fastq.gz/read_length_histogram.parquet",
      "x_1.fastq.gz/read_quality_by_position.parquet",
      "x_1.fastq.gz/read_stats.parquet",
      "x_2.fastq.gz/read_length_histogram.parquet",
      "x_2.fastq.gz/read_quality_by_position.parquet",
      "x_2.fastq.gz/read_stats.parquet",
    ]);
    const stats = await query(
      `SELECT * FROM read_parquet('${join(out, "*", "read_stats.parquet")}') ORDER BY file`,
    );
    expect(stats).toHaveLength(2);
    // x_2: 6 reads of lengths 1..6 = 21 bases; 6 of them Q2, 15 Q40.
    expect(stats[1]).toMatchObject({
      file: "x_2.fastq.gz",
      format: "fastq",
      reads: 6n,
      bases: 21n,
      min_length: 1n,
      max_length: 6n,
      n50: 5n,
      quality_encoding: "phred33",
      gc_fraction: 0,
    });
    expect(stats[1]!["mean_length"]).toBeCloseTo(3.5, 12);
    expect(stats[1]!["mean_quality"]).toBeCloseTo((6 * 2 + 15 * 40) / 21, 12);
    expect(stats[1]!["q30_fraction"]).toBeCloseTo(15 / 21, 12);
    expect(stats[0]).toMatchObject({ file: "x_1.fastq.gz", reads: 4n, bases: 10n });
    const positions = await query(
      `SELECT position, mean_quality, reads FROM read_parquet('${join(out, "x_2.fastq.gz", "read_quality_by_position.parquet")}') ORDER BY position`,
    );
    // Position p is the last base (Q2) of one read and a Q40 base of the 6 - p longer ones.
    expect(positions.map((r) => r["reads"])).toEqual([6n, 5n, 4n, 3n, 2n, 1n]);
    positions.forEach((r, i) => {
      const reads = 6 - i;
      expect(r["mean_quality"]).toBeCloseTo((2 + 40 * (reads - 1)) / reads, 12);
    });
    const histogram = await query(
      `SELECT sum(count) AS n, count(*) AS lengths FROM read_parquet('${join(out, "x_1.fastq.gz", "read_length_histogram.parquet")}')`,
    );
    expect(histogram[0]).toEqual({ n: 4n, lengths: 4n });
  });

  it("converts a FASTA in a tar.gz without a quality table", async () => {
    const archive = await file(
      "genome.tar.gz",
      gzipSync(await makeTar([{ name: "ref/genome.fa", body: ">c1\nACGG\nCC\n>c2\nNNAT\n" }])),
    );
    const out = join(dir, "out");
    const result = await convertPath(archive, out);
    expect(result.outputs.map((o) => o.name).sort()).toEqual([
      "manifest.json",
      "ref/genome.fa/read_length_histogram.parquet",
      "ref/genome.fa/read_stats.parquet",
    ]);
    const [row] = await query(
      `SELECT * FROM read_parquet('${join(out, "ref", "genome.fa", "read_stats.parquet")}')`,
    );
    expect(row).toMatchObject({
      file: "ref/genome.fa",
      format: "fasta",
      reads: 2n,
      bases: 10n,
      quality_encoding: null,
      mean_quality: null,
    });
    expect(row!["gc_fraction"]).toBeCloseTo(5 / 10, 12);
    expect(row!["n_fraction"]).toBeCloseTo(2 / 10, 12);
  });

  it("refuses a malformed FASTQ with its line and leaves no output", async () => {
    const input = await file("bad.fastq", `${simpleFastq(2, "r")}@r.3\nAAA\n+\nII\n`);
    const out = join(dir, "out");
    const error = await convertPath(input, out).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe("reads_malformed");
    expect((error as FormatError).message).toContain("line 12");
    expect((error as FormatError).message).toContain("the quality line has 2 characters but the sequence 3");
    expect((await readdir(dir)).sort()).toEqual(["bad.fastq"]);
  });
});
