import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FormatError } from "../src/convert/format-error.js";
import { convertMtx } from "../src/mtx/mtx-converter.js";
import { MtxParser } from "../src/mtx/mtx-parser.js";
import { openMtxTriplets } from "../src/mtx/mtx-triplet-reader.js";
import { SyncByteReader } from "../src/mtx/sync-byte-reader.js";
import { query } from "./helpers/read-parquet.js";

let dir: string;
let out: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-mtx-"));
  out = join(dir, "out");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The matrix as "row,col=value" (1-based, matrix orientation) read back from Parquet, sorted. */
async function entries(genesOn: "rows" | "cols" = "rows"): Promise<string[]> {
  const rows = await query(
    `SELECT cell_idx, gene_idx, value::DOUBLE AS value FROM '${join(out, "matrix.X.parquet")}'`,
  );
  return rows
    .map((r) => {
      const cell = Number(r["cell_idx"]) + 1;
      const gene = Number(r["gene_idx"]) + 1;
      const [i, j] = genesOn === "rows" ? [gene, cell] : [cell, gene];
      return `${i},${j}=${Number(r["value"])}`;
    })
    .sort();
}

async function writeMtx(name: string, text: string, gzip = false): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, gzip ? gzipSync(Buffer.from(text)) : text);
  return path;
}

async function expectFailure(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  expect((error as FormatError).code).toBe(code);
  expect((error as FormatError).message).toMatch(message);
  // Nothing half-written: the output directory is gone or empty.
  const left = await readdir(out).catch(() => []);
  expect(left).toEqual([]);
}

describe("convertMtx", () => {
  it("converts a general integer coordinate file with comments, CRLF and names", async () => {
    const mtx = await writeMtx(
      "m.mtx.gz",
      "%%MatrixMarket matrix coordinate integer general\r\n% a comment\r\n%\r\n3 2 4\r\n1 1 5\r\n3 1 -2\r\n2 2 7\r\n3 2 2147483647\r\n",
      true,
    );
    const rowNames = await writeMtx("genes.tsv", "g1\tG1\ng2\tG2\ng3\tG3\n");
    const colNames = await writeMtx("cells.tsv", "c1\nc2\n");
    const result = await convertMtx(mtx, out, { rowNames, colNames });
    expect(await entries()).toEqual(["1,1=5", "2,2=7", "3,1=-2", "3,2=2147483647"]);
    expect(result.manifest["shape"]).toEqual({ cells: 2, genes: 3 });
    expect(
      result.outputs.find((o) => o.name === "matrix.X.parquet")?.fields.find((f) => f.name === "value")?.type,
    ).toBe("INTEGER");
    const features = await query(
      `SELECT gene_idx, name, column_2 FROM '${join(out, "features.parquet")}' ORDER BY gene_idx`,
    );
    expect(features).toEqual([
      { gene_idx: 0, name: "g1", column_2: "G1" },
      { gene_idx: 1, name: "g2", column_2: "G2" },
      { gene_idx: 2, name: "g3", column_2: "G3" },
    ]);
    expect((await readdir(out)).sort()).toEqual([
      "cells.parquet",
      "features.parquet",
      "manifest.json",
      "matrix.X.parquet",
    ]);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as {
      matrices: { X: { nnz: number } };
    };
    expect(manifest.matrices.X.nnz).toBe(4);
  });

  it("expands a symmetric real file and keeps exact decimals", async () => {
    const mtx = await writeMtx(
      "s.mtx",
      "%%MatrixMarket matrix coordinate real symmetric\n3 3 4\n1 1 1.5\n2 1 -0.1\n3 2 1e-3\n3 3 12345.678901234567\n",
    );
    const result = await convertMtx(mtx, out);
    expect(await entries()).toEqual(
      ["1,1=1.5", "1,2=-0.1", "2,1=-0.1", "2,3=0.001", "3,2=0.001", "3,3=12345.678901234567"].sort(),
    );
    expect(result.outputs.find((o) => o.name === "matrix.X.parquet")?.rows).toBe(6);
  });

  it("negates the mirrored entries of a skew-symmetric file", async () => {
    const mtx = await writeMtx(
      "k.mtx",
      "%%MatrixMarket matrix coordinate integer skew-symmetric\n2 2 1\n2 1 3\n",
    );
    await convertMtx(mtx, out);
    expect(await entries()).toEqual(["1,2=-3", "2,1=3"]);
  });

  it("writes 1 for every entry of a pattern file", async () => {
    const mtx = await writeMtx(
      "p.mtx",
      "%%MatrixMarket matrix coordinate pattern general\n2 3 2\n1 3\n2 1\n",
    );
    await convertMtx(mtx, out);
    expect(await entries()).toEqual(["1,3=1", "2,1=1"]);
  });

  it("reads array files column-major, keeping nonzeros, and symmetric arrays by their lower triangle", async () => {
    const general = await writeMtx(
      "a.mtx",
      "%%MatrixMarket matrix array real general\n2 2\n1.0\n0\n0.5\n-2\n",
    );
    await convertMtx(general, out);
    expect(await entries()).toEqual(["1,1=1", "1,2=0.5", "2,2=-2"]);
    await rm(out, { recursive: true });
    const symmetric = await writeMtx(
      "as.mtx",
      "%%MatrixMarket matrix array integer symmetric\n2 2\n4\n5\n6\n",
    );
    await convertMtx(symmetric, out);
    expect(await entries()).toEqual(["1,1=4", "1,2=5", "2,1=5", "2,2=6"]);
  });

  it("reports an out-of-range index with its line", async () => {
    const mtx = await writeMtx(
      "r.mtx",
      "%%MatrixMarket matrix coordinate integer general\n3 3 2\n1 1 1\n4 2 1\n",
    );
    await expectFailure(
      convertMtx(mtx, out),
      "mtx_index_out_of_range",
      /, line 4: row index 4 is out of range 1\.\.3/,
    );
  });

  it("reports a header that disagrees with the entries", async () => {
    const fewer = await writeMtx(
      "f.mtx",
      "%%MatrixMarket matrix coordinate integer general\n3 3 3\n1 1 1\n2 2 1\n",
    );
    await expectFailure(
      convertMtx(fewer, out),
      "mtx_header_mismatch",
      /declares 3 entries but the file ends after 2/,
    );
    const more = await writeMtx(
      "m.mtx",
      "%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 1\n2 2 1\n",
    );
    await expectFailure(convertMtx(more, out), "mtx_header_mismatch", /, line 4: more entries than the 1/);
    const real = await writeMtx(
      "i.mtx",
      "%%MatrixMarket matrix coordinate integer general\n3 3 2\n1 1 1\n2 2 1.5\n",
    );
    await expectFailure(
      convertMtx(real, out),
      "mtx_header_mismatch",
      /, line 4: a real value "1\.5" in an integer file/,
    );
    const names = await writeMtx("n.tsv", "a\nb\n");
    const ok = await writeMtx("ok.mtx", "%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 1\n");
    await expectFailure(
      convertMtx(ok, out, { rowNames: names }),
      "mtx_header_mismatch",
      /lists 2 features but the matrix has 3 rows/,
    );
  });

  it("refuses complex matrices and malformed lines clearly", async () => {
    const complex = await writeMtx(
      "c.mtx",
      "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n",
    );
    await expectFailure(convertMtx(complex, out), "mtx_unsupported", /complex matrices are not supported/);
    const junk = await writeMtx("j.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 x 3\n");
    await expectFailure(convertMtx(junk, out), "mtx_malformed", /, line 3: expected a column index/);
    const notMtx = await writeMtx("t.mtx", "hello\n");
    await expectFailure(convertMtx(notMtx, out), "mtx_malformed", /%%MatrixMarket/);
  });

  it("reports a truncated gzip file and leaves nothing in the output directory", async () => {
    const lines = ["%%MatrixMarket matrix coordinate integer general", "1000 1000 20000"];
    for (let k = 0; k < 20000; k++) lines.push(`${(k % 1000) + 1} ${Math.floor(k / 20) + 1} ${(k % 7) + 1}`);
    const full = gzipSync(Buffer.from(`${lines.join("\n")}\n`));
    const path = join(dir, "cut.mtx.gz");
    const cutAt = Math.floor(full.length / 2);
    await writeFile(path, full.subarray(0, cutAt));
    const error = await convertMtx(path, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toMatchObject({
      code: "compressed_truncated",
      file: path,
      location: { byteOffset: cutAt },
    });
    expect((error as Error).message).toMatch(
      new RegExp(`gzip stream ends early at compressed byte ${cutAt} .*after \\d+ entries \\(line \\d+\\)`),
    );
    // Nothing half-written: the output directory is gone or empty.
    expect(await readdir(out).catch(() => [])).toEqual([]);
  });
});

describe("plain Matrix Market files larger than a read chunk", () => {
  it("reads a line that crosses the 1 MiB read boundary with the right numbers", async () => {
    // scipy.io.mmwrite's layout: real values in exponent notation, long enough lines that a partial line is kept
    // across every read. The reader reuses its read buffer, so a kept partial line must be a copy.
    const n = 110_000;
    const value = (k: number): number => ((k * 7919) % 100_003) / 7;
    const lines = ["%%MatrixMarket matrix coordinate real general", "%", `2000 3000 ${n}`];
    for (let k = 0; k < n; k++)
      lines.push(`${(k % 2000) + 1} ${(k % 3000) + 1} ${value(k).toExponential(18)}`);
    const text = `${lines.join("\n")}\n`;
    // The test is only meaningful if lines really straddle the read boundaries.
    for (const boundary of [1 << 20, 2 << 20, 3 << 20]) {
      expect(text.length).toBeGreaterThan(boundary);
      expect(text[boundary - 1]).not.toBe("\n");
    }
    const path = await writeMtx("big.mtx", text);
    const m = openMtxTriplets(path, { genesOn: "rows" });
    let k = 0;
    try {
      for (let b = m.source(); b !== undefined; b = m.source()) {
        for (let e = 0; e < b.length; e++, k++) {
          if (
            b.gene[e] !== k % 2000 ||
            b.cell[e] !== k % 3000 ||
            b.value[e] !== Number(value(k).toExponential(18))
          )
            throw new Error(`entry ${k}: got (${b.gene[e]}, ${b.cell[e]}) = ${b.value[e]}`);
        }
      }
    } finally {
      m.close();
    }
    expect(k).toBe(n);
  });
});

describe("MtxParser", () => {
  it("gives the same entries however the input is split into chunks", () => {
    const text =
      "%%MatrixMarket matrix coordinate real general\n%c\n4 5 6\n1 1 1.25\n2 3 -7e2\n4 5 3.5E-1\n3 3 nan\n1 5 +2\n4 1 0.000000000000000000012345\n";
    const bytes = Buffer.from(text);
    const parse = (size: number): string[] => {
      const parser = new MtxParser("x.mtx");
      const got: string[] = [];
      const take = (b: ReturnType<MtxParser["push"]>): void => {
        for (let k = 0; k < b.length; k++) got.push(`${b.rows[k]},${b.cols[k]}=${b.values[k]}`);
      };
      for (let p = 0; p < bytes.length; p += size) take(parser.push(bytes.subarray(p, p + size)));
      take(parser.end());
      return got;
    };
    const expected = ["0,0=1.25", "1,2=-700", "3,4=0.35", "2,2=NaN", "0,4=2", "3,0=1.2345e-20"];
    for (const size of [1, 2, 3, 7, 16, 1000]) expect(parse(size)).toEqual(expected);
  });
});

describe("SyncByteReader", () => {
  it("delivers every byte of a gzip file when the inflating worker has to wait for the reader", async () => {
    const text = Buffer.from(
      Array.from({ length: 60_000 }, (_, i) => `${i} ${(i * 7919) % 1000} ${i % 13}`).join("\n"),
    );
    const path = join(dir, "big.gz");
    await writeFile(path, gzipSync(text));
    // Small chunks and two in flight force the worker to pause and resume many times.
    const reader = new SyncByteReader(path, { chunkSize: 4096, maxInFlight: 2 });
    const parts: Uint8Array[] = [];
    try {
      for (let chunk = reader.next(); chunk !== undefined; chunk = reader.next())
        parts.push(Uint8Array.from(chunk));
    } finally {
      reader.close();
    }
    expect(reader.gzip).toBe(true);
    expect(parts.length).toBeGreaterThan(10);
    expect(Buffer.concat(parts).equals(text)).toBe(true);
  });
});
