import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bzip2, canBzip2AndXz, xzCompress } from "../../test/helpers/compressed-variants.js";
import { FormatError } from "../convert/format-error.js";
import { readStats } from "./read-stats.js";
import type { ReadStats } from "./read-tally.js";

/*
 * Files are made from records held in memory, and the expected numbers are computed from those records with plain
 * string and array operations (no scanning of bytes, no histogram tricks), so the reader is checked against an
 * independent computation. Every case is read at chunk sizes 1, 3 and 64 KiB.
 */

const CHUNKS = [1, 3, 65_536];

interface Rec {
  readonly id: string;
  readonly seq: string;
  readonly qual: string;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reads of lengths 0 to 160, with lowercase, N and IUPAC codes, Phred+33 (or +64) qualities 2 to 41. */
function makeRecords(count: number, seed: number, offset = 33): Rec[] {
  const random = rng(seed);
  const alphabet = "ACGTACGTACGTNacgtRY";
  const recs: Rec[] = [];
  for (let r = 0; r < count; r++) {
    const length = r === 0 ? 0 : Math.floor(random() * 161);
    let seq = "";
    let qual = "";
    for (let i = 0; i < length; i++) {
      seq += alphabet[Math.floor(random() * alphabet.length)];
      qual += String.fromCharCode(offset + 2 + Math.floor(random() * 40));
    }
    recs.push({ id: `read_${r} lane=1`, seq, qual });
  }
  return recs;
}

function fastqText(recs: readonly Rec[], eol = "\n", finalEol = true): string {
  const text = recs.map((r) => `@${r.id}${eol}${r.seq}${eol}+${eol}${r.qual}`).join(eol);
  return finalEol ? text + eol : text;
}

/** FASTA with the sequence wrapped at `width` characters and a blank line between some records. */
function fastaText(recs: readonly Rec[], width: number, eol = "\n"): string {
  return recs
    .map((r, i) => {
      const lines = [`>${r.id}`];
      for (let p = 0; p < r.seq.length; p += width) lines.push(r.seq.slice(p, p + width));
      return lines.join(eol) + eol + (i % 5 === 4 ? eol : "");
    })
    .join("");
}

/** The expected statistics, computed the straightforward way from the records. */
function expected(recs: readonly Rec[], withQuality: boolean, offset = 33) {
  const lengths = recs.map((r) => r.seq.length);
  const bases = lengths.reduce((a, b) => a + b, 0);
  const all = recs.map((r) => r.seq).join("");
  const gc = (all.match(/[GCgc]/g) ?? []).length;
  const ns = (all.match(/[Nn]/g) ?? []).length;
  const sorted = [...lengths].sort((a, b) => b - a);
  let acc = 0;
  let n50 = 0;
  for (const l of sorted) {
    acc += l;
    if (acc >= bases / 2) {
      n50 = l;
      break;
    }
  }
  const histogram = new Map<number, number>();
  for (const l of lengths) histogram.set(l, (histogram.get(l) ?? 0) + 1);
  const scores = recs.flatMap((r) => [...r.qual].map((c) => c.charCodeAt(0) - offset));
  const maxLength = Math.max(...lengths);
  const byPosition = [];
  for (let p = 0; p < maxLength; p++) {
    const here = recs.filter((r) => r.qual.length > p).map((r) => r.qual.charCodeAt(p) - offset);
    byPosition.push({
      position: p + 1,
      meanQuality: here.reduce((a, b) => a + b, 0) / here.length,
      reads: here.length,
    });
  }
  return {
    reads: recs.length,
    bases,
    minLength: Math.min(...lengths),
    meanLength: bases / recs.length,
    maxLength,
    n50,
    gcFraction: gc / bases,
    nFraction: ns / bases,
    histogram: [...histogram.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([length, count]) => ({ length, count })),
    quality: withQuality
      ? {
          meanQuality: scores.reduce((a, b) => a + b, 0) / scores.length,
          q20Fraction: scores.filter((s) => s >= 20).length / scores.length,
          q30Fraction: scores.filter((s) => s >= 30).length / scores.length,
          byPosition,
        }
      : null,
  };
}

function expectStats(actual: ReadStats, want: ReturnType<typeof expected>): void {
  expect(actual.reads).toBe(want.reads);
  expect(actual.bases).toBe(want.bases);
  expect(actual.minLength).toBe(want.minLength);
  expect(actual.meanLength).toBeCloseTo(want.meanLength, 10);
  expect(actual.maxLength).toBe(want.maxLength);
  expect(actual.n50).toBe(want.n50);
  expect(actual.gcFraction).toBeCloseTo(want.gcFraction, 12);
  expect(actual.nFraction).toBeCloseTo(want.nFraction, 12);
  expect(actual.lengthHistogram).toEqual(want.histogram);
  if (want.quality === null) {
    expect(actual.quality).toBeNull();
    return;
  }
  const q = actual.quality;
  expect(q).not.toBeNull();
  expect(q!.meanQuality).toBeCloseTo(want.quality.meanQuality, 10);
  expect(q!.q20Fraction).toBeCloseTo(want.quality.q20Fraction, 12);
  expect(q!.q30Fraction).toBeCloseTo(want.quality.q30Fraction, 12);
  expect(q!.byPosition.length).toBe(want.quality.byPosition.length);
  for (let i = 0; i < q!.byPosition.length; i++) {
    const got = q!.byPosition[i]!;
    const exp = want.quality.byPosition[i]!;
    expect(got.position).toBe(exp.position);
    expect(got.reads).toBe(exp.reads);
    expect(got.meanQuality).toBeCloseTo(exp.meanQuality, 10);
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-reads-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<FormatError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

describe("readStats on FASTQ", () => {
  const recs = makeRecords(120, 7);
  const want = expected(recs, true);

  it.each(CHUNKS)("counts variable-length reads (LF, plain and gzip) at chunk size %i", async (chunkSize) => {
    const plain = await file("r.fastq", fastqText(recs));
    const gz = await file("r.fastq.gz", gzipSync(fastqText(recs)));
    const a = await readStats(plain, "fastq", { chunkSize });
    expectStats(a, want);
    expect(a.quality?.encoding).toBe("phred33");
    expect(a.quality?.ambiguous).toBe(false);
    expectStats(await readStats(gz, "fastq", { chunkSize, compressed: "gzip" }), want);
  });

  it.each(CHUNKS)(
    "drops Windows line endings, also without a final newline, at chunk size %i",
    async (chunkSize) => {
      const crlf = await file("r.fastq", fastqText(recs, "\r\n", false));
      expectStats(await readStats(crlf, "fastq", { chunkSize }), want);
    },
  );

  it("guesses Phred+64 from the quality characters and takes 64 off", async () => {
    const recs64 = makeRecords(40, 3, 64).map((r) => ({ ...r, qual: r.qual.replace(/^./, "h") }));
    const path = await file("old.fastq", fastqText(recs64));
    const stats = await readStats(path, "fastq", { chunkSize: 3 });
    expect(stats.quality?.encoding).toBe("phred64");
    expectStats(stats, expected(recs64, true, 64));
  });

  it("reads an empty file as no reads", async () => {
    const path = await file("empty.fastq", "");
    const stats = await readStats(path, "fastq", { chunkSize: 1 });
    expect(stats).toMatchObject({
      reads: 0,
      bases: 0,
      minLength: null,
      n50: null,
      gcFraction: null,
      quality: null,
    });
    expect(stats.lengthHistogram).toEqual([]);
  });

  it.skipIf(!canBzip2AndXz)("reads bzip2 and xz at chunk sizes 1 and 64 KiB", async () => {
    const text = Buffer.from(fastqText(recs));
    const bz = await file("r.fastq.bz2", bzip2(text));
    const xz = await file("r.fastq.xz", xzCompress(text));
    for (const chunkSize of [1, 65_536]) {
      expectStats(await readStats(bz, "fastq", { chunkSize, compressed: "bzip2" }), want);
      expectStats(await readStats(xz, "fastq", { chunkSize, compressed: "xz" }), want);
    }
  });
});

describe("readStats on FASTA", () => {
  const recs = makeRecords(90, 11).map((r) => ({ ...r, qual: "" }));
  const want = expected(recs, false);

  it.each(CHUNKS)(
    "sums multi-line records (LF and CRLF, blank lines) at chunk size %i",
    async (chunkSize) => {
      const lf = await file("g.fa", fastaText(recs, 60));
      const crlf = await file("g.fa.gz", gzipSync(fastaText(recs, 13, "\r\n")));
      expectStats(await readStats(lf, "fasta", { chunkSize }), want);
      expectStats(await readStats(crlf, "fasta", { chunkSize, compressed: "gzip" }), want);
    },
  );

  it("takes N50 at exactly half the bases, as seqkit does", async () => {
    // Lengths 4, 2, 2: the longest read alone holds half of the 8 bases.
    const path = await file("n50.fa", ">a\nAC\n>b\nACGT\n>c\nGG\n");
    const stats = await readStats(path, "fasta");
    expect(stats).toMatchObject({ reads: 3, bases: 8, n50: 4, minLength: 2, maxLength: 4 });
    expect(stats.gcFraction).toBeCloseTo(5 / 8, 12);
  });

  it("reads an empty file as no reads", async () => {
    const stats = await readStats(await file("empty.fa", ""), "fasta", { chunkSize: 1 });
    expect(stats).toMatchObject({ reads: 0, bases: 0, maxLength: null, quality: null });
  });
});

describe("readStats on malformed input", () => {
  const good = "@r1\nACGT\n+\nIIII\n";

  it.each(CHUNKS)(
    "names the line and record when the + line is missing (chunk size %i)",
    async (chunkSize) => {
      const path = await file("bad.fastq", `${good}@r2 x\nACGT\nIIII\n`);
      const error = await failure(readStats(path, "fastq", { chunkSize }));
      expect(error.code).toBe("reads_malformed");
      expect(error.message).toContain("line 7");
      expect(error.message).toContain("FASTQ record #2:");
      expect(error.location?.record).toBe("r2");
      expect(error.message).toContain('expected the "+" line');
      expect(error.message).toContain(path);
      expect(error.location?.line).toBe(7);
      expect(error.location?.byteOffset).toBe(good.length + 11);
      expect(error.hint).toMatch(/four lines/);
    },
  );

  it.each(CHUNKS)("reports a quality line of another length (chunk size %i)", async (chunkSize) => {
    const shorter = await file("short.fastq", `${good}${good}@r3\nACGTA\n+\nIIII\n`);
    const e1 = await failure(readStats(shorter, "fastq", { chunkSize }));
    expect(e1.message).toContain("line 12");
    expect(e1.message).toContain("the quality line has 4 characters but the sequence 5");
    const longer = await file("long.fastq", `@r1\nACG\n+\nIIII\n`);
    const e2 = await failure(readStats(longer, "fastq", { chunkSize }));
    expect(e2.message).toContain("line 4");
    expect(e2.message).toContain("longer than the sequence (3 bases)");
  });

  it.each(CHUNKS)("reports a record cut at the end of the file (chunk size %i)", async (chunkSize) => {
    const cut = await file("cut.fastq", `${good}@r2\nACGT\n+\nII`);
    const e1 = await failure(readStats(cut, "fastq", { chunkSize }));
    expect(e1.message).toContain("line 8");
    expect(e1.message).toContain(
      "the file ends inside the record's quality line (2 of 4 quality characters)",
    );
    const noPlus = await file("cut2.fastq", `${good}@r2\nACGT\n`);
    const e2 = await failure(readStats(noPlus, "fastq", { chunkSize }));
    expect(e2.message).toContain("line 7");
    expect(e2.message).toContain("record r2: FASTQ record #2: the file ends inside the record's + line");
  });

  it.each(CHUNKS)("reports a FASTA sequence line before any header (chunk size %i)", async (chunkSize) => {
    const path = await file("bad.fa", "\n\nACGT\n>r1\nACGT\n");
    const error = await failure(readStats(path, "fasta", { chunkSize }));
    expect(error.code).toBe("reads_malformed");
    expect(error.message).toMatch(/line 3, .*: FASTA/);
    expect(error.message).toContain('before the first ">" header starts with "A"');
  });

  it.each(CHUNKS)("reports a carriage return inside a sequence line (chunk size %i)", async (chunkSize) => {
    const fa = await file("cr.fa", ">r1\nAC\rGT\n");
    const e1 = await failure(readStats(fa, "fasta", { chunkSize }));
    expect(e1.message).toMatch(/line 2, .*: FASTA record #1: /);
    expect(e1.message).toContain("byte 0x0d");
    expect(e1.location?.byteOffset).toBe(6);
    const fq = await file("cr.fastq", "@r1\nACGT\n+\nII\rII\n");
    const e2 = await failure(readStats(fq, "fastq", { chunkSize }));
    expect(e2.message).toMatch(/line 4, .*: FASTQ record #1: /);
    expect(e2.message).toContain("byte 0x0d");
    expect(e2.location?.byteOffset).toBe(13);
  });

  it("reports a stray byte in a sequence with its line", async () => {
    const path = await file("space.fa", ">r1\nACGT\nAC GT\n");
    const error = await failure(readStats(path, "fasta", { chunkSize: 1 }));
    expect(error.message).toMatch(/line 3, .*: FASTA/);
    expect(error.message).toContain("byte 0x20");
  });
});
