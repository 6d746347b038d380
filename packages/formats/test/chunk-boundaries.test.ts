import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractArchive } from "../src/archive/archive-extractor.js";
import { readTextLines } from "../src/compression/read-decompressed.js";
import { csvToParquet, findInconsistentRow } from "../src/csv/csv-converter.js";
import { openMtxTriplets } from "../src/mtx/mtx-triplet-reader.js";
import { readPickleBytes } from "../src/pickle/pickle-reader.js";
import { rValueToTables } from "../src/rds/rds-frame.js";
import { readRdsBytes } from "../src/rds/rds-reader.js";
import { readRdsStream } from "../src/rds/rds-source.js";
import { readDelimitedTable } from "../src/tenx/delimited-table-reader.js";
import { bzip2, canBzip2AndXz, gzip } from "./helpers/compressed-variants.js";
import { formatFixture, haveFormatFixtures } from "./helpers/format-fixtures.js";
import { makeTar } from "./helpers/make-tar.js";
import { query } from "./helpers/read-parquet.js";

/*
 * Every reader of the converters, fed every test file it has at read chunk sizes down to one byte, plain and
 * compressed, must give exactly what one whole-file read gives (compared as a hash of its output). The chunk size
 * goes through each reader's own seam into the real read loop: a partial line, token or header carried from one
 * read to the next is exercised at every position. Small files get every size; large ones only sizes that keep the
 * number of reads bounded, so the suite stays fast.
 */

if (!haveFormatFixtures)
  console.warn("chunk-boundary tests: fixture cases skipped, ../shared/fixtures/formats is absent");
if (!canBzip2AndXz)
  console.warn("chunk-boundary tests: bzip2 cases skipped, /usr/bin/python3 (bz2) is not installed");

const CHUNK_SIZES = [1, 2, 3, 7, 64, 4093, 65_536, (1 << 20) + 1];
const WHOLE = 1 << 30;
/** Most reads one file is cut into. */
const MAX_CHUNKS = 12_000;
const sizesFor = (bytes: number): number[] => CHUNK_SIZES.filter((s) => bytes / s <= MAX_CHUNKS);

const sha = (...parts: (string | Uint8Array)[]): string => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};
const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "bigint"
      ? `${x}n`
      : ArrayBuffer.isView(x) && !(x instanceof DataView)
        ? Array.from(x as Uint8Array)
        : x,
  );

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-format-chunks-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `bytes` as `name` and `name.gz`; returns both paths. */
async function plainAndGzip(name: string, bytes: Uint8Array): Promise<[string, string]> {
  const plain = join(dir, name);
  await writeFile(plain, bytes);
  await writeFile(`${plain}.gz`, gzip(bytes));
  return [plain, `${plain}.gz`];
}

/** Runs `read` at every size the file allows and expects the reference's result each time. */
async function expectSameAtEverySize(
  label: string,
  bytes: number,
  read: (chunkSize: number) => Promise<string>,
): Promise<void> {
  const reference = await read(WHOLE);
  const sizes = sizesFor(bytes);
  expect(sizes.length, `${label}: sizes tried`).toBeGreaterThanOrEqual(4);
  for (const size of sizes) expect(await read(size), `${label} read in chunks of ${size}`).toBe(reference);
}

// ---- Matrix Market ---------------------------------------------------------------------------------------

const MTX_FILES: Record<string, string> = {
  "real-symmetric.mtx":
    "%%MatrixMarket matrix coordinate real symmetric\r\n% comment\r\n%\r\n\r\n4 4 7\r\n1 1 1.5e+00\r\n2 1 -.5\r\n3 2 +3\r\n" +
    "4 4 1E-3\r\n4 1 0.1234567890123456789e-5\r\n3 3 nan\r\n4 3 -inf\r\n",
  "integer-general.mtx":
    "%%MatrixMarket matrix coordinate integer general\n3 5 6\n1\t1\t5\n3 1 -2  \n2 5 2147483647\n% inside\n1 2 0\n3 5 -2147483648\n2 2 17\n",
  "pattern.mtx": "%%MatrixMarket matrix coordinate pattern general\n5 3 4\n1 1\n5 3\n2 2\n4 1\n",
  "array.mtx": "%%MatrixMarket matrix array real general\n3 2\n1.0\n0\n-2.5e10\n0.0\n3.25\n1e-300\n",
  "array-symmetric.mtx": "%%MatrixMarket matrix array integer symmetric\n3 3\n1\n2\n3\n4\n5\n6\n",
  "skew.mtx": "%%MatrixMarket matrix coordinate integer skew-symmetric\n3 3 2\n2 1 4\n3 2 -7\n",
};

function mtxHash(path: string, chunkSize: number): Promise<string> {
  const m = openMtxTriplets(path, { chunkSize });
  // One hash per column: batches differ with the chunk size, the columns' contents must not.
  const [cells, genes, values] = [createHash("sha256"), createHash("sha256"), createHash("sha256")];
  let entries = 0;
  try {
    for (let b = m.source(); b !== undefined; b = m.source()) {
      cells.update(new Uint8Array(b.cell.buffer, b.cell.byteOffset, b.length * 4));
      genes.update(new Uint8Array(b.gene.buffer, b.gene.byteOffset, b.length * 4));
      values.update(new Uint8Array(b.value.buffer, b.value.byteOffset, b.length * b.value.BYTES_PER_ELEMENT));
      entries += b.length;
    }
  } finally {
    m.close();
  }
  const digest = [cells, genes, values].map((h) => h.digest("hex")).join(" ");
  return Promise.resolve(`${json(m.header)} ${entries} ${digest}`);
}

describe("Matrix Market reader", () => {
  for (const [name, text] of Object.entries(MTX_FILES)) {
    it(`${name}: the same entries at every chunk size, plain and gzip`, async () => {
      const bytes = Buffer.from(text);
      for (const path of await plainAndGzip(name, bytes))
        await expectSameAtEverySize(path, bytes.length, (size) => mtxHash(path, size));
    });
  }

  it.skipIf(!haveFormatFixtures)(
    "the 10x fixture matrix: the same entries at every chunk size, plain and gzip",
    async () => {
      const bytes = gunzipSync(await readFile(formatFixture("10x_v3", "matrix.mtx.gz")));
      for (const path of await plainAndGzip("fixture.mtx", bytes))
        await expectSameAtEverySize(path, bytes.length, (size) => mtxHash(path, size));
    },
  );
});

// ---- delimited text: 10x names and cell metadata, the CSV row locator ----------------------------------------

const TEXT_FILES: Record<string, string> = {
  "names-crlf-bom.tsv":
    "\uFEFFENSG1\tCD3E\tGene Expression\r\nENSG2\tMS4A1\tGene Expression\r\n\r\nENSG3\tß-actin\tGene Expression\r\n",
  "multibyte.tsv": "cell\tlabel\nAAAC-1\t漢字の細胞\nAAAG-1\tcafé 🧬 naïve\nAAAT-1\t\n",
  "quoted.csv": 'barcode,cell_type,note\nAAAC-1,"T cell","a, b"\nAAAG-1,B cell,"say ""hi"""\nAAAT-1,NK,\n',
  "no-final-newline.tsv": "a\tb\nc\td",
};

async function tableHash(path: string, chunkSize: number, header: boolean): Promise<string> {
  const t = await readDelimitedTable(path, { header, chunkSize });
  return sha(json({ delimiter: t.delimiter, header: t.header, rows: t.rows, lines: t.lines }));
}

describe("delimited text reader (10x names, cell metadata)", () => {
  for (const [name, text] of Object.entries(TEXT_FILES)) {
    it(`${name}: the same rows at every chunk size, plain and gzip`, async () => {
      const bytes = Buffer.from(text);
      for (const path of await plainAndGzip(name, bytes)) {
        await expectSameAtEverySize(path, bytes.length, (size) => tableHash(path, size, true));
        await expectSameAtEverySize(path, bytes.length, (size) => tableHash(path, size, false));
      }
    });
  }

  it("keeps multi-byte characters whole and strips a byte order mark and CRs at 1-byte reads", async () => {
    const [plain] = await plainAndGzip("check.tsv", Buffer.from(TEXT_FILES["names-crlf-bom.tsv"]!));
    const lines: string[] = [];
    for await (const { text } of readTextLines(plain, { chunkSize: 1 })) lines.push(text);
    expect(lines).toEqual([
      "ENSG1\tCD3E\tGene Expression",
      "ENSG2\tMS4A1\tGene Expression",
      "",
      "ENSG3\tß-actin\tGene Expression",
    ]);
  });

  it.skipIf(!haveFormatFixtures)(
    "the 10x fixture's barcodes, features and cell metadata at every chunk size",
    async () => {
      for (const [name, header] of [
        ["barcodes.tsv.gz", false],
        ["features.tsv.gz", false],
        ["cells.tsv", true],
      ] as const) {
        const path = formatFixture("10x_v3", name);
        const bytes = name.endsWith(".gz") ? gunzipSync(await readFile(path)) : await readFile(path);
        for (const p of await plainAndGzip(`fixture-${name.replace(/\.gz$/, "")}`, bytes))
          await expectSameAtEverySize(p, bytes.length, (size) => tableHash(p, size, header));
      }
    },
  );

  it("finds the same inconsistent CSV row at every chunk size, plain and gzip", async () => {
    const rows = ["id,name,value"];
    for (let i = 0; i < 300; i++)
      rows.push(i === 217 ? `${i},"broken, row",1,2` : `${i},"name ${i}",${i * 3}`);
    const bytes = Buffer.from(`${rows.join("\r\n")}\r\n`);
    for (const path of await plainAndGzip("bad.csv", bytes)) {
      await expectSameAtEverySize(path, bytes.length, async (size) =>
        json(await findInconsistentRow(path, ",", { chunkSize: size })),
      );
      expect(await findInconsistentRow(path, ",", { chunkSize: 7 })).toEqual({
        line: 219,
        reason: "expected 3 fields (as in the header) but found 4",
      });
    }
  });

  it("converts a CSV to the same Parquet rows plain and gzip (DuckDB reads; zlib checks the gzip alongside)", async () => {
    const rows = ["id,label,score"];
    for (let i = 0; i < 5000; i++) rows.push(`${i},"label ${i % 17}",${(i * 0.37).toFixed(3)}`);
    const hashes: string[] = [];
    for (const path of await plainAndGzip("table.csv", Buffer.from(`${rows.join("\n")}\n`))) {
      const out = `${path}.parquet`;
      await csvToParquet(path, out);
      hashes.push(sha(json(await query(`SELECT * FROM '${out}' ORDER BY id`))));
    }
    expect(hashes[1]).toBe(hashes[0]);
  });
});

// ---- RDS and pickle: the decompression into one buffer ------------------------------------------------------

describe.skipIf(!haveFormatFixtures)("RDS and pickle decompression", () => {
  const variants = async (name: string, raw: Buffer): Promise<string[]> => {
    const paths = await plainAndGzip(name, raw);
    if (canBzip2AndXz) {
      const bz = join(dir, `${name}.bz2`);
      await writeFile(bz, bzip2(raw));
      paths.push(bz);
    }
    return paths;
  };

  for (const name of ["df.rds", "df_uncompressed.rds", "dgc.rds"]) {
    it(`${name}: the same serialization bytes and tables at every chunk size, gzip and bzip2`, async () => {
      const raw = (await readRdsStream(formatFixture("rds", name))).bytes;
      const tables = sha(json(rValueToTables(readRdsBytes(raw, name).value, name).tables));
      for (const path of await variants(name, raw)) {
        const compressed = (await readFile(path)).length;
        await expectSameAtEverySize(path, compressed, async (size) => {
          const { bytes } = await readRdsStream(path, { chunkSize: size });
          expect(sha(json(rValueToTables(readRdsBytes(bytes, path).value, path).tables))).toBe(tables);
          return sha(bytes);
        });
      }
    });
  }

  it("every pickle fixture: the same object at every chunk size, gzip and bzip2", async () => {
    const names = (await readdir(formatFixture("pickle"))).filter((n) => n.endsWith(".pkl"));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const raw = await readFile(formatFixture("pickle", name));
      const expected = sha(json(readPickleBytes(raw, name)));
      for (const path of await variants(name, raw)) {
        await expectSameAtEverySize(path, (await readFile(path)).length, async (size) => {
          const { bytes } = await readRdsStream(path, { chunkSize: size });
          return sha(json(readPickleBytes(bytes, path)));
        });
        expect(sha(json(readPickleBytes((await readRdsStream(path, { chunkSize: 3 })).bytes, path)))).toBe(
          expected,
        );
      }
    }
  });
});

// ---- archives --------------------------------------------------------------------------------------------

describe("tar extraction", () => {
  it("extracts the same members at every read chunk size, tar and tar.gz", async () => {
    const members = [
      { name: "a/matrix.mtx", body: MTX_FILES["integer-general.mtx"]! },
      { name: "a/names.tsv", body: TEXT_FILES["multibyte.tsv"]! },
      { name: "b/empty.txt", body: "" },
      { name: "b/odd-size.bin", body: Buffer.from(Array.from({ length: 1537 }, (_, i) => (i * 31) % 256)) },
    ];
    const tarBytes = await makeTar(members);
    const expected = members.map((m) => `${m.name}:${sha(Buffer.from(m.body))}`).sort();
    let run = 0;
    for (const [path, compressed] of [
      [join(dir, "t.tar"), undefined],
      [join(dir, "t.tar.gz"), "gzip"],
    ] as const) {
      await writeFile(path, compressed === "gzip" ? gzip(tarBytes) : tarBytes);
      const size = (await readFile(path)).length;
      await expectSameAtEverySize(path, size, async (readChunkSize) => {
        const dest = join(dir, `x${run++}`);
        await mkdir(dest);
        const result = await extractArchive(path, dest, "tar", {
          ...(compressed ? { compressed } : {}),
          readChunkSize,
        });
        const got = await Promise.all(
          result.members.map(async (m) => `${m.path}:${sha(await readFile(m.file))}`),
        );
        expect(got.sort()).toEqual(expected);
        return json(got.sort());
      });
    }
  });
});
