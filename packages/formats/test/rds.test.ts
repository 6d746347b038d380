import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FormatError } from "../src/convert/format-error.js";
import type { Column, DataFrame } from "../src/frame/data-frame.js";
import { convertRds } from "../src/rds/rds-converter.js";
import { rValueToTables } from "../src/rds/rds-frame.js";
import type { RdsTable } from "../src/rds/rds-frame.js";
import { readRdsBytes } from "../src/rds/rds-reader.js";
import { readRdsStream } from "../src/rds/rds-source.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = resolve(repoRoot, "../shared/fixtures/formats/rds");
const haveFixtures = existsSync(fixtures);
const RSCRIPT = "/usr/bin/Rscript";
const haveR = existsSync(RSCRIPT);
if (!haveFixtures) console.warn(`rds tests: skipping fixture tests, ${fixtures} is absent`);
if (!haveR) console.warn("rds tests: skipping the R-generated edge cases, Rscript is not installed");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-rds-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tablesOf(path: string): Promise<RdsTable[]> {
  const { bytes } = await readRdsStream(path);
  return rValueToTables(readRdsBytes(bytes, path).value, path).tables;
}

function col(frame: DataFrame, name: string): Column {
  const c = frame.columns.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no column ${name}`);
  return c;
}

/** Cell values with nulls where `valid` says so. */
function cells(c: Column): unknown[] {
  return Array.from(c.values, (v, i) => (c.valid !== undefined && c.valid[i] === 0 ? null : v));
}

/** The text of cell k (categoricals resolved to their label). */
function label(c: Column, k: number): unknown {
  const v = c.values[k];
  return c.type.kind === "categorical" ? c.type.categories[v as number] : v;
}

/** Runs R code (saving files into `dir`) — the real writer of RDS files. */
function runR(code: string): string {
  return execFileSync(RSCRIPT, ["--vanilla", "-e", code], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The data.frame of make_rds.R, checked cell by cell (the same expectations for every variant R writes). */
function expectFixtureFrame(t: RdsTable[]): void {
  expect(t).toHaveLength(1);
  const f = t[0]!.frame;
  expect(t[0]!.rClass).toBe("data.frame");
  expect(f.rowCount).toBe(4);
  expect(f.index).toBeUndefined(); // compact row names c(NA, -4) carry no labels
  expect(f.columns.map((c) => c.name)).toEqual(["chr", "fct", "int", "dbl", "lgl"]);
  expect(cells(col(f, "chr"))).toEqual(["a", null, "c", "déjà"]);
  const fct = col(f, "fct");
  expect(fct.type).toEqual({ kind: "categorical", categories: ["lo", "hi"], ordered: false });
  expect(cells(fct)).toEqual([0, 1, null, 0]);
  expect(col(f, "int").type.kind).toBe("int32");
  expect(cells(col(f, "int"))).toEqual([1, null, 3, -4]);
  const dbl = col(f, "dbl");
  // NA_real_ is missing; NaN is a value: they must not be confused.
  expect(dbl.valid).toEqual(Uint8Array.from([1, 0, 1, 1]));
  expect(dbl.values[0]).toBe(1.5);
  expect(Number.isNaN(dbl.values[2])).toBe(true);
  expect(dbl.values[3]).toBe(Number.POSITIVE_INFINITY);
  expect(cells(col(f, "lgl"))).toEqual([true, null, false, true]);
}

describe.skipIf(!haveFixtures)("RDS fixtures written by R 4.2", () => {
  it("reads the gzip data.frame cell by cell", async () => {
    const { bytes, compression } = await readRdsStream(join(fixtures, "df.rds"));
    expect(compression).toBe("gzip");
    const { header, value } = readRdsBytes(bytes, "df.rds");
    expect(header).toMatchObject({ format: "xdr", version: 3, nativeEncoding: "UTF-8" });
    expectFixtureFrame(rValueToTables(value, "df.rds").tables);
  });

  it("reads the uncompressed data.frame the same way", async () => {
    const { compression } = await readRdsStream(join(fixtures, "df_uncompressed.rds"));
    expect(compression).toBe("none");
    expectFixtureFrame(await tablesOf(join(fixtures, "df_uncompressed.rds")));
  });

  it.skipIf(!haveR)("turns the dgCMatrix into triplets with dimnames, matching R's own i/p/x", async () => {
    const t = await tablesOf(join(fixtures, "dgc.rds"));
    expect(t[0]!.rClass).toBe("dgCMatrix");
    const f = t[0]!.frame;
    // R as the oracle: one line per nonzero "row col value rowname colname" (0-based like our output).
    const out = runR(
      `suppressMessages(library(Matrix)); m <- readRDS("${join(fixtures, "dgc.rds")}"); s <- summary(m); ` +
        `for (k in seq_len(nrow(s))) cat(s$i[k]-1, s$j[k]-1, format(s$x[k], digits=17), rownames(m)[s$i[k]], colnames(m)[s$j[k]], "\\n")`,
    );
    const expected = out
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/));
    expect(f.rowCount).toBe(expected.length);
    const got = Array.from({ length: f.rowCount }, (_, k) => [
      String(col(f, "row").values[k]),
      String(col(f, "col").values[k]),
      col(f, "value").values[k] as number,
      label(col(f, "row_name"), k),
      label(col(f, "col_name"), k),
    ]);
    const key = (r: readonly unknown[]): string => `${String(r[0])},${String(r[1])}`;
    const byKey = new Map(got.map((r) => [key(r), r]));
    for (const e of expected) {
      const g = byKey.get(key(e));
      expect(g, `entry ${key(e)}`).toBeDefined();
      expect(g![2]).toBeCloseTo(Number(e[2]), 12);
      expect(g![3]).toBe(e[3]);
      expect(g![4]).toBe(e[4]);
    }
    // Through Parquet: the dimnames come back as text.
    await convertRds(join(fixtures, "dgc.rds"), join(dir, "dgc"));
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    try {
      const parquet = join(dir, "dgc", "table.parquet");
      const back = (
        await c.runAndReadAll(
          `SELECT row_name::VARCHAR, col_name::VARCHAR, value FROM '${parquet}' ORDER BY col, row`,
        )
      ).getRowsJS();
      expect(back.map((r) => `${r[0] as string}/${r[1] as string}`)).toEqual(
        expected.map((e) => `${e[3]}/${e[4]}`),
      );
      back.forEach((r, k) => expect(r[2]).toBeCloseTo(Number(expected[k]![2]), 12));
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it("converts to Parquet that DuckDB reads back with the same cells", async () => {
    const out = join(dir, "out");
    const result = await convertRds(join(fixtures, "df.rds"), out);
    expect(result.outputs.map((o) => o.name)).toEqual(["table.parquet"]);
    expect(result.outputs[0]!.rows).toBe(4);
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    try {
      const rows = (
        await c.runAndReadAll(
          `SELECT chr, fct::VARCHAR AS fct, int, dbl, isnan(dbl) AS nan, lgl FROM '${join(out, "table.parquet")}'`,
        )
      ).getRowObjectsJS();
      expect(rows.map((r) => r["chr"])).toEqual(["a", null, "c", "déjà"]);
      expect(rows.map((r) => r["fct"])).toEqual(["lo", "hi", null, "lo"]);
      expect(rows.map((r) => r["int"])).toEqual([1, null, 3, -4]);
      expect(rows.map((r) => r["nan"])).toEqual([false, null, true, false]);
      expect(rows.map((r) => r["lgl"])).toEqual([true, null, false, true]);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });
});

describe("RDS refusals on crafted bytes", () => {
  /** A minimal XDR version-3 header (R 4.2.2 writer, 3.5.0 reader, UTF-8) followed by `body`. */
  function xdr(...ints: number[]): Buffer {
    const head = Buffer.alloc(2 + 4 * 4 + 5);
    head.write("X\n", 0, "latin1");
    head.writeInt32BE(3, 2);
    head.writeInt32BE(0x040202, 6);
    head.writeInt32BE(0x030500, 10);
    head.writeInt32BE(5, 14);
    head.write("UTF-8", 18, "latin1");
    const body = Buffer.alloc(ints.length * 4);
    ints.forEach((v, i) => body.writeInt32BE(v, i * 4));
    return Buffer.concat([head, body]);
  }

  it("names an unknown SEXP type code with its byte offset", () => {
    const bytes = xdr(99);
    expect(() => readRdsBytes(bytes, "bad.rds")).toThrowError(
      /bad\.rds, byte 23: RDS: unknown SEXP type code 99 /,
    );
    try {
      readRdsBytes(bytes, "bad.rds");
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
      expect((e as FormatError).code).toBe("unknown_sexp_type");
      expect((e as FormatError).location?.byteOffset).toBe(23);
    }
  });

  it("refuses a closure, naming the R type", () => {
    // A list whose second element is a CLOSXP (type 3): the error points at that element.
    const bytes = xdr(19, 2, 13, 1, 7, 3);
    let error: unknown;
    try {
      readRdsBytes(bytes, "fn.rds");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe("unsupported_r_type");
    expect((error as FormatError).message).toContain("R closure");
    expect((error as FormatError).message).toContain("CLOSXP");
    expect((error as FormatError).message).toContain("byte 43");
  });

  it("reports a truncated stream", () => {
    const bytes = xdr(13, 5, 1); // an integer vector of 5 with only one value
    expect(() => readRdsBytes(bytes, "short.rds")).toThrowError(/truncated/);
  });

  it("rejects bytes that are not an R serialization", () => {
    expect(() => readRdsBytes(Buffer.from("hello world"), "x.rds")).toThrowError(FormatError);
  });
});

describe.skipIf(!haveR)("RDS files R writes on the spot", () => {
  const makeDf =
    'df <- data.frame(chr = c("a", NA, "c", "d\\u00e9j\\u00e0"), fct = factor(c("lo", "hi", NA, "lo"), levels = c("lo", "hi")), ' +
    "int = c(1L, NA, 3L, -4L), dbl = c(1.5, NA, NaN, Inf), lgl = c(TRUE, NA, FALSE, TRUE), stringsAsFactors = FALSE); ";

  it.each([
    ["xz", 'compress = "xz"', "xz"],
    ["bzip2", 'compress = "bzip2"', "bzip2"],
    ["version 2", "version = 2", "gzip"],
    ["ASCII", "ascii = TRUE", "gzip"],
    ["ASCII uncompressed version 2", "ascii = TRUE, compress = FALSE, version = 2", "none"],
  ])("reads the %s variant with the same cells", async (_label, args, compression) => {
    runR(`${makeDf} saveRDS(df, "v.rds", ${args})`);
    const { compression: seen } = await readRdsStream(join(dir, "v.rds"));
    expect(seen).toBe(compression);
    expectFixtureFrame(await tablesOf(join(dir, "v.rds")));
  });

  it("expands ALTREP sequences, deferred strings, ordered factors, dates, latin1 strings and character row names", async () => {
    runR(
      "x <- data.frame(seq = 1:5, rseq = seq(0.5, by = 1, length.out = 5), s = as.character(11:15), " +
        'o = factor(c("b","a","c","a","b"), levels = c("c","b","a"), ordered = TRUE), ' +
        'd = as.Date(c("2024-01-02", NA, "1970-01-01", "2000-02-29", "1969-12-31")), ' +
        'l = c(iconv("caf\\u00e9", "UTF-8", "latin1"), "b", "c", "d", "e"), stringsAsFactors = FALSE); ' +
        'rownames(x) <- paste0("r", 1:5); saveRDS(x, "alt.rds")',
    );
    // The file really holds ALTREP objects (R ≥ 3.5 writes them for 1:n and as.character(<ints>)).
    const { bytes } = await readRdsStream(join(dir, "alt.rds"));
    expect(bytes.includes("compact_intseq")).toBe(true);
    expect(bytes.includes("deferred_string")).toBe(true);
    const [t] = await tablesOf(join(dir, "alt.rds"));
    const f = t!.frame;
    expect(cells(col(f, "seq"))).toEqual([1, 2, 3, 4, 5]);
    expect(cells(col(f, "s"))).toEqual(["11", "12", "13", "14", "15"]);
    expect(col(f, "o").type).toEqual({ kind: "categorical", categories: ["c", "b", "a"], ordered: true });
    expect(cells(col(f, "o"))).toEqual([1, 2, 0, 2, 1]);
    expect(col(f, "d").type).toEqual({ kind: "timestamp", unit: "ms" });
    expect(cells(col(f, "d"))).toEqual([Date.UTC(2024, 0, 2), null, 0, Date.UTC(2000, 1, 29), -86_400_000]);
    expect(cells(col(f, "l"))[0]).toBe("café");
    expect(Array.from(f.index!.values)).toEqual(["r1", "r2", "r3", "r4", "r5"]);
  });

  it("reads R's native little-endian binary serialization (B format)", async () => {
    runR(`${makeDf} writeBin(serialize(df, NULL, xdr = FALSE), "native.rds")`);
    const { bytes } = await readRdsStream(join(dir, "native.rds"));
    expect(readRdsBytes(bytes, "native.rds").header.format).toBe("binary");
    expectFixtureFrame(await tablesOf(join(dir, "native.rds")));
  });

  it("turns a dense matrix into a wide table with its dimnames", async () => {
    runR(
      'm <- matrix(c(1.5, NA, 3, 4, 5, 6), nrow = 2, dimnames = list(c("g1", "g2"), c("a", "b", "c"))); saveRDS(m, "m.rds")',
    );
    const [t] = await tablesOf(join(dir, "m.rds"));
    expect(t!.rClass).toBe("matrix");
    expect(t!.frame.columns.map((c) => c.name)).toEqual(["a", "b", "c"]);
    expect(cells(col(t!.frame, "a"))).toEqual([1.5, null]);
    expect(cells(col(t!.frame, "c"))).toEqual([5, 6]);
    expect(Array.from(t!.frame.index!.values)).toEqual(["g1", "g2"]);
  });

  it("walks named lists and named vectors", async () => {
    runR('saveRDS(list(a = 1:3, b = "x", nested = list(z = TRUE), v = c(p = 1.5, q = NA)), "list.rds")');
    const t = await tablesOf(join(dir, "list.rds"));
    expect(t.map((x) => x.name)).toEqual(["a", "b", "nested.z", "v"]);
    expect(cells(t[0]!.frame.columns[0]!)).toEqual([1, 2, 3]);
    expect(cells(t[1]!.frame.columns[0]!)).toEqual(["x"]);
    expect(cells(t[2]!.frame.columns[0]!)).toEqual([true]);
    const v = t[3]!.frame;
    expect(cells(col(v, "name"))).toEqual(["p", "q"]);
    expect(cells(col(v, "value"))).toEqual([1.5, null]);
  });

  it("turns a dgTMatrix into the same triplets as its dgCMatrix", async () => {
    runR(
      "suppressMessages(library(Matrix)); set.seed(3); m <- rsparsematrix(5, 3, density = 0.5); " +
        'dimnames(m) <- list(paste0("g", 1:5), paste0("c", 1:3)); saveRDS(m, "c.rds"); saveRDS(as(m, "TsparseMatrix"), "t.rds")',
    );
    const [c] = await tablesOf(join(dir, "c.rds"));
    const [t] = await tablesOf(join(dir, "t.rds"));
    expect(t!.rClass).toBe("dgTMatrix");
    const triples = (f: DataFrame): string[] =>
      Array.from(
        { length: f.rowCount },
        (_, k) =>
          `${String(label(col(f, "row_name"), k))}/${String(label(col(f, "col_name"), k))}=${String(col(f, "value").values[k])}`,
      ).sort();
    expect(triples(t!.frame)).toEqual(triples(c!.frame));
    expect(c!.frame.rowCount).toBeGreaterThan(0);
  });

  it("reads data whose attributes hold an external pointer, an environment and a formula", async () => {
    runR(
      'df <- data.frame(a = 1:2, b = c("x", "y")); attr(df, ".internal.selfref") <- new("externalptr"); ' +
        'attr(df, "env") <- new.env(); attr(df, "f") <- y ~ x; saveRDS(df, "attrs.rds")',
    );
    const [t] = await tablesOf(join(dir, "attrs.rds"));
    expect(cells(col(t!.frame, "a"))).toEqual([1, 2]);
    expect(cells(col(t!.frame, "b"))).toEqual(["x", "y"]);
  });

  it("refuses a list element that is an environment, naming it", async () => {
    runR('saveRDS(list(ok = 1, e = new.env()), "le.rds")');
    await expect(tablesOf(join(dir, "le.rds"))).rejects.toMatchObject({
      code: "unsupported_r_type",
      message: expect.stringMatching(/ENVSXP.*element e/) as unknown,
    });
  });

  it("refuses a saved function and an environment with the R type in the message", async () => {
    runR('saveRDS(function(x) x + 1, "fn.rds"); saveRDS(new.env(), "env.rds")');
    await expect(tablesOf(join(dir, "fn.rds"))).rejects.toMatchObject({
      code: "unsupported_r_type",
      message: expect.stringContaining("CLOSXP") as unknown,
    });
    await expect(tablesOf(join(dir, "env.rds"))).rejects.toMatchObject({
      code: "unsupported_r_type",
      message: expect.stringContaining("ENVSXP") as unknown,
    });
  });

  it("keeps a gzip file's decompressed bytes identical to R's own serialize()", async () => {
    runR(`${makeDf} saveRDS(df, "g.rds"); writeBin(serialize(df, NULL, xdr = TRUE), "raw.bin")`);
    const { bytes } = await readRdsStream(join(dir, "g.rds"));
    const raw = await readFile(join(dir, "raw.bin"));
    // serialize() writes the same stream saveRDS compresses; both parse to the same frame.
    expect(bytes.length).toBe(raw.length);
    await writeFile(join(dir, "raw.rds"), raw);
    expectFixtureFrame(await tablesOf(join(dir, "raw.rds")));
  });
});
