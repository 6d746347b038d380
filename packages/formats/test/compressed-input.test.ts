import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readDecompressed, readTextLines } from "../src/compression/read-decompressed.js";
import { convertPath } from "../src/convert/convert-path.js";
import { FormatError } from "../src/convert/format-error.js";
import { csvToParquet } from "../src/csv/csv-converter.js";
import { extractArchive } from "../src/archive/archive-extractor.js";
import { convertMtx } from "../src/mtx/mtx-converter.js";
import { convertPickle } from "../src/pickle/pickle-converter.js";
import { convertRds } from "../src/rds/rds-converter.js";
import { readRdsStream } from "../src/rds/rds-source.js";
import { convertTenx } from "../src/tenx/tenx-converter.js";
import { bzip2, canBzip2AndXz, cutPoints, flipBit, gzip, xzCompress } from "./helpers/compressed-variants.js";
import { formatFixture, haveFormatFixtures } from "./helpers/format-fixtures.js";
import { makeTar } from "./helpers/make-tar.js";

if (!haveFormatFixtures)
  console.warn("compressed-input tests: RDS and pickle cases skipped, ../shared/fixtures/formats is absent");
if (!canBzip2AndXz)
  console.warn(
    "compressed-input tests: bzip2 and xz cases skipped, /usr/bin/python3 (bz2, lzma) is not installed",
  );

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-damaged-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Damage = { readonly label: string; readonly bytes: Buffer; readonly truncatedAt?: number };

/** Every cut of `full` from cutPoints, and bit flips in its middle and in its last bytes (the checksums). */
function damaged(full: Buffer): Damage[] {
  return [
    ...cutPoints(full.length).map((at) => ({
      label: `cut at ${at}/${full.length}`,
      bytes: full.subarray(0, at),
      truncatedAt: at,
    })),
    { label: "bit flip in the middle", bytes: flipBit(full, Math.floor(full.length / 2)) },
    { label: "bit flip in the trailer", bytes: flipBit(full, -6) },
  ];
}

/** The failure of `run` as a FormatError naming `file`, truncation with its exact offset, and the offset in the message. */
async function expectDamageError(
  run: Promise<unknown>,
  file: string,
  damage: Damage,
  compression: string,
): Promise<FormatError> {
  const error = await run.then(
    () => new Error(`${damage.label}: converted without an error`),
    (e: unknown) => e,
  );
  expect(error, damage.label).toBeInstanceOf(FormatError);
  const e = error as FormatError;
  expect(e.file, damage.label).toBe(file);
  expect(e.message, damage.label).toContain(file);
  expect(e.message, damage.label).toContain(compression);
  if (damage.truncatedAt !== undefined) {
    expect(e.code, damage.label).toBe("compressed_truncated");
    expect(e.location?.byteOffset, damage.label).toBe(damage.truncatedAt);
  } else {
    // A flip is found by a checksum or by the decoder; a flip in the trailer can also look like a short stream.
    expect(["compressed_corrupt", "compressed_truncated"], `${damage.label}: ${e.message}`).toContain(e.code);
    expect(e.location?.byteOffset, damage.label).toBeGreaterThanOrEqual(0);
    expect(e.location?.byteOffset, damage.label).toBeLessThanOrEqual(damage.bytes.length);
  }
  expect(e.message, damage.label).toContain(`compressed byte ${e.location?.byteOffset}`);
  return e;
}

/** Nothing of a failed convertPath: no output directory, no staging or scratch folders beside it. */
async function expectNothingLeft(parent: string, outName: string): Promise<void> {
  const left = (await readdir(parent)).filter((n) => n === outName || n.startsWith(`.${outName}.`));
  expect(left).toEqual([]);
}

function csvText(rows: number): string {
  const lines = ["id,score,label"];
  for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 7919) % 1000},sample_${i}`);
  return `${lines.join("\n")}\n`;
}

describe("readDecompressed", () => {
  it("fails a cut or damaged gzip at its compressed offset, after every byte before was delivered", async () => {
    const text = Buffer.from(csvText(20_000));
    const full = gzip(text);
    for (const damage of damaged(full)) {
      const path = join(dir, "x.gz");
      await writeFile(path, damage.bytes);
      const chunks: Buffer[] = [];
      const read = (async () => {
        for await (const c of readDecompressed(path, { chunkSize: 4096 })) chunks.push(Buffer.from(c));
      })();
      await expectDamageError(read, path, damage, "gzip");
      // A cut file delivered a prefix of the real content before failing (the caller must still discard it).
      const got = Buffer.concat(chunks);
      if (damage.truncatedAt !== undefined)
        expect(text.subarray(0, got.length).equals(got), damage.label).toBe(true);
    }
  });

  it("reads several gzip members back to back as one stream", async () => {
    const path = join(dir, "multi.gz");
    await writeFile(path, Buffer.concat([gzip(Buffer.from("a\nb\n")), gzip(Buffer.from("c\n"))]));
    const lines: string[] = [];
    for await (const { text } of readTextLines(path, { chunkSize: 3 })) lines.push(text);
    expect(lines).toEqual(["a", "b", "c"]);
  });
});

describe("CSV through DuckDB", () => {
  it("fails every cut or damaged .csv.gz that DuckDB alone would read as its first rows, and leaves no Parquet", async () => {
    const full = gzip(Buffer.from(csvText(60_000)));
    for (const damage of damaged(full)) {
      const path = join(dir, "t.csv.gz");
      await writeFile(path, damage.bytes);
      const output = join(dir, "t.parquet");
      await expectDamageError(csvToParquet(path, output, { delimiter: "," }), path, damage, "gzip");
      expect(existsSync(output), damage.label).toBe(false);
    }
  });

  it("convertPath on a truncated .csv.gz leaves nothing in or beside the output directory", async () => {
    const full = gzip(Buffer.from(csvText(60_000)));
    const cut = Math.floor(full.length / 2);
    const path = join(dir, "t.csv.gz");
    await writeFile(path, full.subarray(0, cut));
    await expectDamageError(
      convertPath(path, join(dir, "out")),
      path,
      { label: "cut", bytes: full, truncatedAt: cut },
      "gzip",
    );
    await expectNothingLeft(dir, "out");
  });

  it("still converts the intact file, with every row", async () => {
    const path = join(dir, "ok.csv.gz");
    await writeFile(path, gzip(Buffer.from(csvText(60_000))));
    const result = await csvToParquet(path, join(dir, "ok.parquet"));
    expect(result.rows).toBe(60_000);
  });
});

describe("Matrix Market", () => {
  it("fails every cut or damaged .mtx.gz with the file and offset, leaving no output", async () => {
    const lines = ["%%MatrixMarket matrix coordinate integer general", "1000 1000 20000"];
    for (let k = 0; k < 20_000; k++) lines.push(`${(k % 1000) + 1} ${Math.floor(k / 20) + 1} ${(k % 7) + 1}`);
    const full = gzip(Buffer.from(`${lines.join("\n")}\n`));
    for (const damage of damaged(full)) {
      const path = join(dir, "m.mtx.gz");
      await writeFile(path, damage.bytes);
      const out = join(dir, "out");
      await expectDamageError(convertMtx(path, out), path, damage, "gzip");
      expect(await readdir(out).catch(() => []), damage.label).toEqual([]);
    }
  });
});

describe("10x names files", () => {
  it("fails a cut or damaged barcodes.tsv.gz instead of converting the barcodes before the damage", async () => {
    const n = 3000;
    const tenx = join(dir, "tenx");
    await mkdir(tenx);
    await writeFile(
      join(tenx, "matrix.mtx"),
      `%%MatrixMarket matrix coordinate integer general\n2 ${n} 1\n1 1 3\n`,
    );
    await writeFile(join(tenx, "features.tsv"), "ENSG1\tA\tGene Expression\nENSG2\tB\tGene Expression\n");
    const barcodes = Array.from({ length: n }, (_, i) => `AAAC${String(i).padStart(8, "0")}-1`).join("\n");
    const full = gzip(Buffer.from(`${barcodes}\n`));
    for (const damage of damaged(full)) {
      const path = join(tenx, "barcodes.tsv.gz");
      await writeFile(path, damage.bytes);
      const out = join(dir, "out");
      await expectDamageError(convertTenx(tenx, out), path, damage, "gzip");
      expect(await readdir(out).catch(() => []), damage.label).toEqual([]);
    }
  });
});

describe.skipIf(!haveFormatFixtures)("RDS and pickle, gzip, bzip2 and xz", () => {
  const compressors = [
    ["gzip", gzip] as const,
    ...(canBzip2AndXz ? [["xz", xzCompress] as const, ["bzip2", bzip2] as const] : []),
  ];

  for (const [compression, compress] of compressors) {
    it(`fails every cut or damaged ${compression} RDS with the file and offset`, async () => {
      const full = compress(await readFile(formatFixture("rds", "df_uncompressed.rds")));
      const intact = join(dir, "intact.rds");
      await writeFile(intact, full);
      expect((await readRdsStream(intact)).compression).toBe(compression);
      for (const damage of damaged(full)) {
        const path = join(dir, "d.rds");
        await writeFile(path, damage.bytes);
        const out = join(dir, "out");
        await expectDamageError(convertPath(path, out), path, damage, compression);
        await expectNothingLeft(dir, "out");
        await expectDamageError(convertRds(path, join(dir, "direct")), path, damage, compression);
      }
    });

    it(`fails every cut or damaged ${compression} pickle with the file and offset`, async () => {
      const full = compress(await readFile(formatFixture("pickle", "df_p4.pkl")));
      for (const damage of damaged(full)) {
        const path = join(dir, "d.pkl");
        await writeFile(path, damage.bytes);
        await expectDamageError(convertPickle(path, join(dir, "direct")), path, damage, compression);
      }
    });
  }

  it.skipIf(!canBzip2AndXz)(
    "reads every stream of a multi-stream bzip2 file (as parallel compressors write)",
    async () => {
      const rds = await readFile(formatFixture("rds", "df_uncompressed.rds"));
      const half = Math.floor(rds.length / 2);
      const path = join(dir, "multi.rds");
      await writeFile(path, Buffer.concat([bzip2(rds.subarray(0, half)), bzip2(rds.subarray(half))]));
      expect((await readRdsStream(path)).bytes.equals(rds)).toBe(true);
    },
  );
});

describe("tar.gz", () => {
  it("fails every cut or damaged tar.gz, even one cut only in the gzip trailer after the tar's end", async () => {
    const members = Array.from({ length: 4 }, (_, i) => ({
      name: `data/t${i}.csv`,
      body: csvText(3000 + i),
    }));
    const full = gzip(await makeTar(members));
    for (const damage of damaged(full)) {
      const path = join(dir, "a.tar.gz");
      await writeFile(path, damage.bytes);
      const dest = join(dir, `x-${Math.random().toString(16).slice(2)}`);
      await mkdir(dest);
      await expectDamageError(
        extractArchive(path, dest, "tar", { compressed: "gzip" }),
        path,
        damage,
        "gzip",
      );
      await expectDamageError(convertPath(path, join(dir, "out")), path, damage, "gzip");
      await expectNothingLeft(dir, "out");
    }
  });
});
