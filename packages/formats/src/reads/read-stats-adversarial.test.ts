import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FormatError } from "../convert/format-error.js";
import { readStats } from "./read-stats.js";

/*
 * Inputs shaped to trip a byte scanner: a "+" line repeating the id, quality lines that start with "@" (and
 * so look like a header), empty reads, CRLF, gzip members concatenated. The expected numbers are computed here
 * from the records with string operations.
 */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-reads-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const RECORDS = [
  { id: "r1", seq: "ACGTN", qual: "@@@@@" },
  { id: "r2", seq: "", qual: "" },
  { id: "@r3", seq: "GGCC", qual: "@II!" },
  { id: "r4", seq: "a", qual: "@" },
] as const;

function fastq(eol: string): string {
  return RECORDS.map((r) => `@${r.id}${eol}${r.seq}${eol}+${r.id}${eol}${r.qual}${eol}`).join("");
}

const BASES = RECORDS.reduce((n, r) => n + r.seq.length, 0);
const GC = [...RECORDS.map((r) => r.seq).join("")].filter((c) => "GCgc".includes(c)).length;
const QUALS = [...RECORDS.map((r) => r.qual).join("")].map((c) => c.charCodeAt(0) - 33);

describe("readStats on awkward FASTQ and FASTA", () => {
  it("counts reads whose + repeats the id and whose quality starts with @, at chunk sizes 1..17, LF and CRLF", async () => {
    for (const eol of ["\n", "\r\n"]) {
      const path = await file(`a${eol.length}.fastq`, fastq(eol));
      const gz = await file(`a${eol.length}.fastq.gz`, gzipSync(fastq(eol)));
      for (let chunkSize = 1; chunkSize <= 17; chunkSize++) {
        for (const p of [path, gz]) {
          const stats = await readStats(p, "fastq", { chunkSize });
          expect(stats, `${p} ${chunkSize}`).toMatchObject({
            reads: 4,
            bases: BASES,
            minLength: 0,
            maxLength: 5,
          });
          expect(stats.gcFraction).toBeCloseTo(GC / BASES, 12);
          expect(stats.quality?.meanQuality).toBeCloseTo(QUALS.reduce((a, b) => a + b) / QUALS.length, 12);
          expect(stats.quality?.q30Fraction).toBeCloseTo(
            QUALS.filter((q) => q >= 30).length / QUALS.length,
            12,
          );
        }
      }
    }
  });

  it("reads every member of a multi-member gzip file", async () => {
    const text = fastq("\n");
    const path = await file(
      "multi.fastq.gz",
      Buffer.concat([gzipSync(text), gzipSync(text), gzipSync(text)]),
    );
    for (const chunkSize of [1, 7, 65_536]) {
      const stats = await readStats(path, "fastq", { chunkSize });
      expect(stats).toMatchObject({ reads: 12, bases: 3 * BASES });
    }
  });

  it("refuses a file that ends right after the + line", async () => {
    for (const tail of ["+", "+\n", "+r9", "+\r\n"]) {
      const path = await file("cut.fastq", `${fastq("\n")}@r9\nACGT\n${tail}`);
      for (const chunkSize of [1, 2, 65_536]) {
        const error = await readStats(path, "fastq", { chunkSize }).catch((e: unknown) => e);
        expect(error, `${JSON.stringify(tail)} ${chunkSize}`).toBeInstanceOf(FormatError);
        expect((error as FormatError).message).toMatch(/ends inside the record's (\+|quality) line/);
      }
    }
  });

  it("counts a FASTA of a lone > as one empty record, and > lines with CRLF between", async () => {
    const lone = await file("lone.fa", ">");
    expect(await readStats(lone, "fasta", { chunkSize: 1 })).toMatchObject({ reads: 1, bases: 0, n50: 0 });
    const several = await file("several.fa", ">\r\n>\r\nAC\r\n\r\n>x\r\nG\r\nC");
    for (let chunkSize = 1; chunkSize <= 9; chunkSize++) {
      const stats = await readStats(several, "fasta", { chunkSize });
      expect(stats, String(chunkSize)).toMatchObject({ reads: 3, bases: 4, minLength: 0, maxLength: 2 });
      expect(stats.gcFraction).toBeCloseTo(3 / 4, 12);
    }
  });
});
