import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FormatError } from "../src/convert/format-error.js";
import { csvToParquet } from "../src/csv/csv-converter.js";
import { convertCsv } from "../src/csv/csv-path-converter.js";
import { sniffFormat } from "../src/sniff/sniff-format.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const cellsTsv = resolve(repoRoot, "../shared/fixtures/formats/10x_v3/cells.tsv");
const haveFixtures = existsSync(cellsTsv);
if (!haveFixtures) console.warn(`csv tests: skipping the fixture test, ${cellsTsv} is absent`);

const rscript = "Rscript";
const haveR = spawnSync(rscript, ["-e", "0"]).status === 0;
if (!haveR) console.warn("csv tests: skipping the tables written by R (Rscript is not installed)");
const python = "/usr/bin/python3";
const havePandas = spawnSync(python, ["-c", "import pandas"]).status === 0;
if (!havePandas)
  console.warn("csv tests: skipping the table written by pandas (/usr/bin/python3 with pandas)");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-csv-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rows(parquet: string, sql = "SELECT *"): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(`${sql} FROM '${parquet}'`)).getRowsJS();
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

describe("CSV/TSV through DuckDB", () => {
  it.skipIf(!haveFixtures)("converts the 10x cell metadata TSV with its header and types", async () => {
    const lines = (await readFile(cellsTsv, "utf8")).split("\n").filter((l) => l.length > 0);
    const out = join(dir, "cells.parquet");
    const r = await csvToParquet(cellsTsv, out);
    expect(r.rows).toBe(lines.length - 1);
    expect(r.dialect).toMatchObject({ delimiter: "\t", header: true });
    expect(r.fields.map((f) => f.name)).toEqual(lines[0]!.split("\t"));
    expect(r.fields.find((f) => f.name === "nCount")?.type).toBe("BIGINT");
    const first = lines[1]!.split("\t");
    expect((await rows(out, "SELECT NAME, Cluster, Subject, nCount::VARCHAR"))[0]).toEqual(first);
  });

  it("reads gzip CSV with a missing value and sniffs the types", async () => {
    await writeFile(join(dir, "t.csv.gz"), gzipSync('id,name,score\n1,"x, quoted",2.5\n2,y,\n3,z,-1e3\n'));
    const r = await convertCsv(join(dir, "t.csv.gz"), join(dir, "out"));
    expect(r.format).toBe("csv");
    expect(r.outputs[0]).toMatchObject({ name: "table.parquet", rows: 3 });
    expect(r.outputs[0]!.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      "id:BIGINT",
      "name:VARCHAR",
      "score:DOUBLE",
    ]);
    expect(await rows(join(dir, "out", "table.parquet"))).toEqual([
      [1n, "x, quoted", 2.5],
      [2n, "y", null],
      [3n, "z", -1000],
    ]);
  });

  it("reports the line of a malformed row in a small file (inside DuckDB's sniffing sample)", async () => {
    await writeFile(join(dir, "bad.csv"), "a,b,c\n1,x,2.5\n2,y,3\n3,z,4,5\n4,w,1\n");
    const error = await csvToParquet(join(dir, "bad.csv"), join(dir, "bad.parquet")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toMatchObject({ code: "csv_malformed", location: { line: 4 }, file: join(dir, "bad.csv") });
    expect((error as FormatError).message).toContain("expected 3 fields");
    expect(existsSync(join(dir, "bad.parquet"))).toBe(false);
  });

  it("reports the line DuckDB gives for a malformed row far into a file", async () => {
    const body = Array.from({ length: 30_000 }, (_, i) => `${i},name${i},${i / 2}`);
    body[25_000] = "25000,broken,1,2,3";
    await writeFile(join(dir, "late.csv"), `a,b,c\n${body.join("\n")}\n`);
    const error = await csvToParquet(join(dir, "late.csv"), join(dir, "late.parquet")).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FormatError);
    // header is line 1, body[i] is line i + 2
    expect(error).toMatchObject({ code: "csv_malformed", location: { line: 25002 } });
  });

  it("reads an R-style table whose header is one field short (pbmc_raw.txt) with the row names as _index", async () => {
    // The shape of Seurat's pbmc_raw.txt: cell names in the header, then a gene name and one count per cell.
    const path = join(dir, "pbmc_raw.txt");
    await writeFile(path, "ATGC-1\tCAGT-1\tGGCA-1\nMS4A1\t0\t3\t1\nCD79B\t1\t0\t0\nNA-gene\t2\tNA\t5\n");
    expect((await sniffFormat(path)).details).toMatchObject({ delimiter: "\t", rowNames: true });
    const r = await convertCsv(path, join(dir, "out"));
    expect(r.format).toBe("tsv");
    expect(r.manifest["csv"]).toMatchObject({ rowNames: true, header: true });
    expect(r.outputs[0]!.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      "_index:VARCHAR",
      "ATGC-1:BIGINT",
      "CAGT-1:BIGINT",
      "GGCA-1:BIGINT",
    ]);
    expect(await rows(join(dir, "out", "table.parquet"))).toEqual([
      ["MS4A1", 0n, 3n, 1n],
      ["CD79B", 1n, 0n, 0n],
      ["NA-gene", 2n, null, 5n],
    ]);
  });

  it("keeps numeric-looking row names as text, as R wrote them", async () => {
    // write.table(df, quote = FALSE) of a data frame without row names writes 1, 2, 3; sample ids are often numbers.
    for (const [name, body] of [
      ["short.tsv", "a\tb\n1\t0.5\t7\n2\t1.5\t8\n10\t2.5\t9\n"],
      ["empty-first.csv", '"","a","b"\n"1",0.5,7\n"2",1.5,8\n"10",2.5,9\n'],
    ] as const) {
      const path = join(dir, name);
      await writeFile(path, body);
      const out = join(dir, `${name}.parquet`);
      const r = await csvToParquet(path, out);
      expect(r.dialect.rowNames, name).toBe(true);
      expect(
        r.fields.map((f) => `${f.name}:${f.type}`),
        name,
      ).toEqual(["_index:VARCHAR", "a:DOUBLE", "b:BIGINT"]);
      expect(await rows(out), name).toEqual([
        ["1", 0.5, 7n],
        ["2", 1.5, 8n],
        ["10", 2.5, 9n],
      ]);
    }
  });

  it('reads NA, NaN and empty fields as nulls, keeping numeric columns numeric and a quoted "NA" as text', async () => {
    const path = join(dir, "na.csv");
    await writeFile(path, 'id,score,label,count\n1,NaN,"NA",NA\n2,2.5,NA,3\n3,,"",4\n4,1e3,"x",\n');
    const r = await convertCsv(path, join(dir, "out"));
    expect(r.outputs[0]!.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      "id:BIGINT",
      "score:DOUBLE",
      "label:VARCHAR",
      "count:BIGINT",
    ]);
    expect(await rows(join(dir, "out", "table.parquet"))).toEqual([
      [1n, null, "NA", null],
      [2n, 2.5, null, 3n],
      [3n, null, "", 4n],
      [4n, 1000, "x", null],
    ]);
  });

  it.skipIf(!haveR)(
    "converts what R's write.table and write.csv write, row names and NA included",
    async () => {
      const script = `
df <- data.frame(count = c(1L, NA, 3L), score = c(0.5, NaN, NA), label = c("a", NA, "NA"), row.names = c("g1", "g2", "g3"))
write.table(df, file.path(commandArgs(TRUE)[1], "table.tsv"), sep = "\\t", quote = FALSE)
write.csv(df, file.path(commandArgs(TRUE)[1], "table.csv"))
`;
      const run = spawnSync(rscript, ["-e", script.trim(), dir], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      for (const [name, label3] of [
        ["table.tsv", null], // quote = FALSE: the string "NA" cannot be told from a missing value
        ["table.csv", "NA"], // write.csv quotes strings, so "NA" stays text
      ] as const) {
        const out = join(dir, `out-${name}`);
        const r = await convertCsv(join(dir, name), out);
        expect(
          r.outputs[0]!.fields.map((f) => `${f.name}:${f.type}`),
          name,
        ).toEqual(["_index:VARCHAR", "count:BIGINT", "score:DOUBLE", "label:VARCHAR"]);
        expect(await rows(join(out, "table.parquet")), name).toEqual([
          ["g1", 1n, 0.5, "a"],
          ["g2", null, null, null],
          ["g3", 3n, null, label3],
        ]);
      }
    },
  );

  it.skipIf(!havePandas)(
    "converts pandas to_csv output: its unnamed index becomes _index, NaN a null",
    async () => {
      const script = `
import sys, numpy as np, pandas as pd
pd.DataFrame({"n": [1.5, np.nan], "s": ["x", None]}, index=["r1", "r2"]).to_csv(sys.argv[1])
`;
      const path = join(dir, "pandas.csv");
      const run = spawnSync(python, ["-c", script, path], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      const r = await convertCsv(path, join(dir, "out"));
      expect(r.outputs[0]!.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
        "_index:VARCHAR",
        "n:DOUBLE",
        "s:VARCHAR",
      ]);
      expect(await rows(join(dir, "out", "table.parquet"))).toEqual([
        ["r1", 1.5, "x"],
        ["r2", null, null],
      ]);
    },
  );
});
