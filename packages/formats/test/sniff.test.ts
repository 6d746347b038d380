import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { xz } from "@napi-rs/lzma";
import { DuckDBInstance } from "@duckdb/node-api";
import tar from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sniffFormat } from "../src/sniff/sniff-format.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = resolve(repoRoot, "../shared/fixtures/formats");
const haveFixtures = existsSync(fixtures);
const PYTHON = "/usr/bin/python3";
const haveH5py =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ["-c", "import h5py"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
const haveR = existsSync("/usr/bin/Rscript");
if (!haveFixtures) console.warn(`sniff tests: skipping fixture cases, ${fixtures} is absent`);
if (!haveH5py) console.warn("sniff tests: skipping HDF5 cases, Debian's python3-h5py is not installed");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-sniff-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `bytes` under a name that says nothing, so only the content can decide. */
async function blob(bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, `upload-${Math.random().toString(36).slice(2)}.bin`);
  await writeFile(path, bytes);
  return path;
}

async function tarOf(name: string, body: string): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(!haveFixtures)("sniffing the fixtures by content", () => {
  it.each([
    ["h5ad/sparse.h5ad", "h5ad", undefined],
    ["h5ad/dense.h5ad", "h5ad", undefined],
    ["10x_v3", "10x-mtx-dir", undefined],
    ["10x_v3/matrix.mtx.gz", "mtx", "gzip"],
    ["10x_v3/features.tsv.gz", "tsv", "gzip"],
    ["10x_v3/cells.tsv", "tsv", undefined],
    ["rds/df.rds", "rds", "gzip"],
    ["rds/df_uncompressed.rds", "rds", undefined],
    ["pickle/df_p5.pkl", "pickle", undefined],
  ])("%s is %s", async (path, format, compressed) => {
    const r = await sniffFormat(join(fixtures, path));
    expect(r.format).toBe(format);
    expect(r.compressed).toBe(compressed);
  });
});

describe("sniffing crafted content", () => {
  it("finds RDS in ASCII and xz wrappers, with its version", async () => {
    expect(await sniffFormat(await blob("A\n3\n262402\n197888\n5\nUTF-8\n"))).toMatchObject({
      format: "rds",
      details: { serialization: "ascii", version: 3 },
    });
    const xdr = Buffer.from([0x58, 0x0a, 0, 0, 0, 2, 0, 4, 2, 2, 0, 2, 3, 0, 0, 0, 0, 254]);
    expect(await sniffFormat(await blob(await xz.compress(xdr)))).toMatchObject({
      format: "rds",
      compressed: "xz",
      details: { version: 2 },
    });
  });

  it.skipIf(!haveR)("finds RDS inside bzip2 by decoding the first block", async () => {
    execFileSync(
      "/usr/bin/Rscript",
      ["--vanilla", "-e", 'saveRDS(data.frame(a = 1:3), "b.bin", compress = "bzip2")'],
      { cwd: dir, stdio: "ignore" },
    );
    expect(await sniffFormat(join(dir, "b.bin"))).toMatchObject({ format: "rds", compressed: "bzip2" });
  });

  it("tells archives, pickles, Matrix Market, Parquet and text apart", async () => {
    expect((await sniffFormat(await blob(await tarOf("a.txt", "hi")))).format).toBe("tar");
    expect(await sniffFormat(await blob(gzipSync(await tarOf("a.txt", "hi"))))).toMatchObject({
      format: "tar",
      compressed: "gzip",
    });
    expect(
      (await sniffFormat(await blob(Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]))))
        .format,
    ).toBe("zip");
    expect(await sniffFormat(await blob(Buffer.from([0x80, 0x05, 0x95])))).toMatchObject({
      format: "pickle",
      details: { protocol: 5 },
    });
    expect(
      (await sniffFormat(await blob("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1.5\n")))
        .format,
    ).toBe("mtx");
    expect(await sniffFormat(await blob("a,b\n1,2\n3,4\n"))).toMatchObject({
      format: "csv",
      details: { delimiter: ",", columns: 2 },
    });
    expect(await sniffFormat(await blob("a\tb\tc\n1\t2\t3\n"))).toMatchObject({
      format: "tsv",
      details: { delimiter: "\t", columns: 3 },
    });
    expect(await sniffFormat(await blob(gzipSync("x;y\n1;2\n")))).toMatchObject({
      format: "csv",
      compressed: "gzip",
      details: { delimiter: ";" },
    });
    expect((await sniffFormat(await blob(Buffer.from([0, 1, 2, 3, 255, 254])))).format).toBe("unknown");
    expect(
      (await sniffFormat(await blob("Just some prose, with a comma.\nAnd another line here.\n"))).format,
    ).toBe("unknown");
    expect(await sniffFormat(await blob(gzipSync(Buffer.from([0, 1, 2, 3]))))).toMatchObject({
      format: "gzip",
      compressed: "gzip",
    });

    const parquet = join(dir, "p.bin");
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    await c.run(`COPY (SELECT 1 AS a) TO '${parquet}' (FORMAT parquet)`);
    c.closeSync();
    instance.closeSync();
    expect((await sniffFormat(parquet)).format).toBe("parquet");
  });

  it("does not take a directory without the 10x triplet for a 10x directory", async () => {
    await mkdir(join(dir, "d"));
    await writeFile(join(dir, "d", "matrix.mtx"), "not a matrix");
    await writeFile(join(dir, "d", "barcodes.tsv"), "A\n");
    await writeFile(join(dir, "d", "features.tsv"), "G\n");
    expect((await sniffFormat(join(dir, "d"))).format).toBe("unknown");
  });
});

describe.skipIf(!haveH5py)("HDF5 flavours", () => {
  it("tells a 10x HDF5 and a plain HDF5 from AnnData by their groups", async () => {
    execFileSync(
      PYTHON,
      [
        "-c",
        "import h5py, numpy as np\n" +
          "with h5py.File('tenx.bin', 'w') as f:\n" +
          "    g = f.create_group('matrix')\n" +
          "    for k in ['barcodes', 'data', 'indices', 'indptr', 'shape']: g.create_dataset(k, data=np.arange(2))\n" +
          "with h5py.File('plain.bin', 'w') as f:\n" +
          "    f.create_dataset('values', data=np.arange(3))\n",
      ],
      { cwd: dir },
    );
    expect(await sniffFormat(join(dir, "tenx.bin"))).toMatchObject({
      format: "10x-h5",
      details: { layout: "v3" },
    });
    expect(await sniffFormat(join(dir, "plain.bin"))).toMatchObject({
      format: "hdf5",
      details: { groups: ["values"] },
    });
  });
});
