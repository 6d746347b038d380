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

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const cellsTsv = resolve(repoRoot, "../shared/fixtures/formats/10x_v3/cells.tsv");
const haveFixtures = existsSync(cellsTsv);
if (!haveFixtures) console.warn(`csv tests: skipping the fixture test, ${cellsTsv} is absent`);

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
});
