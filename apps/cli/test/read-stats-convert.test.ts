import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { openDuckDb } from "@omicslake/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

/** `n` reads named `<prefix>.<r>` of length r, alternating G and T, all quality `5` (Q20). */
function fastq(n: number, prefix: string): string {
  let text = "";
  for (let r = 1; r <= n; r++) {
    const seq = Array.from({ length: r }, (_, i) => (i % 2 === 0 ? "G" : "T")).join("");
    text += `@${prefix}.${r} 1:N:0\n${seq}\n+\n${"5".repeat(r)}\n`;
  }
  return text;
}

/** Reads the output back through DuckDB, independent of the writer. */
async function readParquet(sql: string): Promise<Record<string, unknown>[]> {
  const duck = await openDuckDb();
  try {
    return (await duck.connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    duck.close();
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-cli-reads-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("omicslake convert on FASTQ", () => {
  it("turns a gzipped FASTQ pair into read statistics Parquet per file, not a one-column TSV", async () => {
    const pair = join(dir, "sample");
    await mkdir(pair);
    await writeFile(join(pair, "x_1.fastq.gz"), gzipSync(fastq(5, "x")));
    await writeFile(join(pair, "x_2.fastq.gz"), gzipSync(fastq(3, "x")));
    const out = join(dir, "out");
    const result = await runInProcess(dir, ["convert", pair, "-o", out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("x_1.fastq.gz/read_stats.parquet");
    expect(result.stdout).not.toContain("table.parquet");
    for (const member of ["x_1.fastq.gz", "x_2.fastq.gz"])
      expect((await readdir(join(out, member))).sort()).toEqual([
        "read_length_histogram.parquet",
        "read_quality_by_position.parquet",
        "read_stats.parquet",
      ]);
    const rows = await readParquet(
      `SELECT file, format, reads, bases, gc_fraction, q20_fraction, q30_fraction
       FROM read_parquet('${join(out, "*", "read_stats.parquet")}') ORDER BY file`,
    );
    // x_1: lengths 1..5 = 15 bases, G at odd positions: 1+1+2+2+3 = 9 G.
    expect(rows).toEqual([
      {
        file: "x_1.fastq.gz",
        format: "fastq",
        reads: 5n,
        bases: 15n,
        gc_fraction: 9 / 15,
        q20_fraction: 1,
        q30_fraction: 0,
      },
      {
        file: "x_2.fastq.gz",
        format: "fastq",
        reads: 3n,
        bases: 6n,
        gc_fraction: 4 / 6,
        q20_fraction: 1,
        q30_fraction: 0,
      },
    ]);
  });

  it("ingests a FASTQ pair into a dataset whose processed objects are the statistics tables", async () => {
    expect((await runInProcess(dir, ["init"])).code).toBe(0);
    await writeFile(join(dir, "x_1.fastq.gz"), gzipSync(fastq(5, "x")));
    await writeFile(join(dir, "x_2.fastq.gz"), gzipSync(fastq(3, "x")));
    const ingest = await runInProcess(dir, ["ingest", "x_1.fastq.gz", "x_2.fastq.gz", "--dataset", "reads"]);
    expect(ingest.code, ingest.stderr).toBe(0);
    const files = await runInProcess(dir, ["catalog", "files", "processed:reads"]);
    expect(files.code, files.stderr).toBe(0);
    for (const member of ["x_1.fastq.gz", "x_2.fastq.gz"])
      for (const table of ["read_stats", "read_length_histogram", "read_quality_by_position"])
        expect(files.stdout).toContain(`${member}/${table}.parquet`);
    expect(files.stdout).not.toContain("table.parquet");
  });

  it("exits 1 on a FASTQ whose record lacks its + line, naming the file and line, and writes nothing", async () => {
    const input = join(dir, "reads.fq");
    await writeFile(input, `${fastq(2, "r")}@r.3\nGTG\n555\n`);
    const result = await runInProcess(dir, ["convert", input, "-o", join(dir, "out")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("reads_malformed");
    expect(result.stderr).toContain(input);
    expect(result.stderr).toContain("line 11");
    expect(result.stderr).toContain('expected the "+" line');
    expect(await readdir(dir)).toEqual(["reads.fq"]);
  });
});
