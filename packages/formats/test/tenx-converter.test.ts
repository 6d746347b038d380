import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FormatError } from "../src/convert/format-error.js";
import { convertTenx } from "../src/tenx/tenx-converter.js";
import { query } from "./helpers/read-parquet.js";

const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const fixtures = resolve(repoRoot, "../shared/fixtures/formats/10x_v3");
const haveFixtures = existsSync(join(fixtures, "matrix.mtx.gz"));
if (!haveFixtures) console.warn(`10x tests skipped: fixtures not found at ${fixtures}`);
const python = "/usr/bin/python3";
const havePython = spawnSync(python, ["-c", "import h5py, scipy.io, numpy"]).status === 0;
if (!havePython)
  console.warn("10x HDF5 tests skipped: /usr/bin/python3 with h5py and scipy is not available");

interface Expected {
  shape_genes_by_cells: [number, number];
  nnz: number;
  sum: number;
  pearson_all_cells_zeros_included: Record<string, number>;
  cv_by_cell_type_zeros_included_cell17_excluded: Record<
    string,
    Record<string, { cv_sample_sd: number; mean: number; n_cells: number }>
  >;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-10x-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** "gene,cell=value" (1-based) straight from the .mtx.gz text, independent of the parser under test. */
async function mtxEntries(path: string): Promise<string[]> {
  const lines = gunzipSync(await readFile(path))
    .toString("utf8")
    .split("\n");
  const body = lines.filter((l) => l !== "" && !l.startsWith("%")).slice(1);
  return body.map((l) => {
    const [i, j, v] = l.trim().split(/\s+/);
    return `${i},${j}=${Number(v)}`;
  });
}

async function parquetEntries(out: string): Promise<string[]> {
  const rows = await query(
    `SELECT gene_idx + 1 AS g, cell_idx + 1 AS c, value::DOUBLE AS v FROM '${join(out, "matrix.X.parquet")}'`,
  );
  return rows.map((r) => `${Number(r["g"])},${Number(r["c"])}=${Number(r["v"])}`);
}

describe.skipIf(!haveFixtures)("convertTenx on a 10x v3 Matrix Market directory", () => {
  it("matches the reference statistics and every value of the matrix", async () => {
    const out = join(dir, "out");
    const expected = JSON.parse(await readFile(join(fixtures, "expected.json"), "utf8")) as Expected;
    const result = await convertTenx(fixtures, out, { cellMetadata: join(fixtures, "cells.tsv") });
    expect(result.format).toBe("10x-mtx");
    const [genes, cells] = expected.shape_genes_by_cells;
    expect(result.manifest["shape"]).toEqual({ cells, genes });
    const m = join(out, "matrix.X.parquet");
    const [agg] = await query(`SELECT count(*)::INTEGER AS nnz, sum(value)::DOUBLE AS total FROM '${m}'`);
    expect(agg).toEqual({ nnz: expected.nnz, total: expected.sum });

    expect((await parquetEntries(out)).sort()).toEqual(
      (await mtxEntries(join(fixtures, "matrix.mtx.gz"))).sort(),
    );

    // Pearson over all cells with zeros included, from sparse sums.
    const f = join(out, "features.parquet");
    for (const [pair, r] of Object.entries(expected.pearson_all_cells_zeros_included)) {
      const [a, b] = pair.split("|");
      const [row] = await query(`
        WITH x AS (SELECT m.cell_idx, f.gene_name, m.value::DOUBLE AS v FROM '${m}' m JOIN '${f}' f USING (gene_idx)),
        a AS (SELECT cell_idx, v FROM x WHERE gene_name = '${a}'), b AS (SELECT cell_idx, v FROM x WHERE gene_name = '${b}'),
        s AS (SELECT (SELECT sum(v) FROM a) sa, (SELECT sum(v) FROM b) sb, (SELECT sum(v*v) FROM a) saa, (SELECT sum(v*v) FROM b) sbb,
                     (SELECT coalesce(sum(a.v*b.v), 0) FROM a JOIN b USING (cell_idx)) sab, ${cells}::DOUBLE n)
        SELECT (n*sab - sa*sb) / sqrt((n*saa - sa*sa) * (n*sbb - sb*sb)) AS r FROM s`);
      expect(Number(row?.["r"])).toBeCloseTo(r, 12);
    }

    // Coefficient of variation per cell type (zeros included) through the joined metadata.
    const c = join(out, "cells.parquet");
    for (const [cellType, genesStats] of Object.entries(
      expected.cv_by_cell_type_zeros_included_cell17_excluded,
    )) {
      for (const [gene, stats] of Object.entries(genesStats)) {
        const [row] = await query(`
          WITH n AS (SELECT count(*)::DOUBLE n FROM '${c}' WHERE Cluster = '${cellType}'),
          v AS (SELECT m.value::DOUBLE v FROM '${m}' m JOIN '${c}' c USING (cell_idx) JOIN '${f}' f USING (gene_idx)
                WHERE c.Cluster = '${cellType}' AND f.gene_name = '${gene}'),
          s AS (SELECT coalesce(sum(v), 0) s1, coalesce(sum(v*v), 0) s2 FROM v)
          SELECT n, s1 / n AS mean, sqrt((s2 - s1*s1/n) / (n - 1)) / (s1 / n) AS cv FROM s, n`);
        expect(Number(row?.["n"])).toBe(stats.n_cells);
        expect(Number(row?.["mean"])).toBeCloseTo(stats.mean, 12);
        expect(Number(row?.["cv"])).toBeCloseTo(stats.cv_sample_sd, 10);
      }
    }
  });

  it("reports cells without a metadata row instead of dropping them", async () => {
    const out = join(dir, "out");
    const result = await convertTenx(fixtures, out, { cellMetadata: join(fixtures, "cells.tsv") });
    expect(result.manifest["cells_without_metadata"]).toBe(1);
    expect(result.warnings.join("\n")).toMatch(/1 of 500 cells have no row .*AAACCTG000000017-1/);
    const rows = await query(
      `SELECT count(*)::INTEGER AS n, count(Cluster)::INTEGER AS with_meta FROM '${join(out, "cells.parquet")}'`,
    );
    expect(rows[0]).toEqual({ n: 500, with_meta: 499 });
    const [missing] = await query(
      `SELECT barcode, Cluster, nCount FROM '${join(out, "cells.parquet")}' WHERE cell_idx = 17`,
    );
    expect(missing).toEqual({ barcode: "AAACCTG000000017-1", Cluster: null, nCount: null });
    const [fields] = await query(
      `SELECT gene_id, gene_name, feature_type FROM '${join(out, "features.parquet")}' WHERE gene_idx = 1999`,
    );
    expect(fields).toEqual({
      gene_id: "ENSG00000001999",
      gene_name: "GENE1999",
      feature_type: "Gene Expression",
    });
  });

  it("reads a v2 directory (genes.tsv, plain files) and refuses an incomplete one", async () => {
    const v2 = join(dir, "v2");
    const out = join(dir, "out");
    await rm(v2, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(v2));
    await writeFile(join(v2, "matrix.mtx"), gunzipSync(await readFile(join(fixtures, "matrix.mtx.gz"))));
    const genes = gunzipSync(await readFile(join(fixtures, "features.tsv.gz")))
      .toString("utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.split("\t").slice(0, 2).join("\t"));
    await writeFile(join(v2, "genes.tsv"), `${genes.join("\n")}\n`);
    await writeFile(join(v2, "barcodes.tsv"), gunzipSync(await readFile(join(fixtures, "barcodes.tsv.gz"))));
    const result = await convertTenx(v2, out);
    expect((result.manifest["tenx"] as { version: string }).version).toBe("v2");
    expect((await parquetEntries(out)).sort()).toEqual(
      (await mtxEntries(join(fixtures, "matrix.mtx.gz"))).sort(),
    );
    // Pointing at the matrix file means its directory.
    const viaFile = await convertTenx(join(v2, "matrix.mtx"), join(dir, "out3"));
    expect(viaFile.outputs.find((o) => o.name === "matrix.X.parquet")?.rows).toBe(50_000);
    await rm(join(v2, "barcodes.tsv"));
    const out2 = join(dir, "out2");
    const error = await convertTenx(v2, out2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe("tenx_incomplete");
    expect((error as Error).message).toMatch(/no barcodes\.tsv/);
    expect(existsSync(out2)).toBe(false);
  });

  it("leaves nothing in the output directory when the matrix is truncated", async () => {
    const cut = join(dir, "cut");
    await import("node:fs/promises").then((fs) => fs.mkdir(cut));
    const gz = await readFile(join(fixtures, "matrix.mtx.gz"));
    await writeFile(join(cut, "matrix.mtx.gz"), gz.subarray(0, gz.length - 5000));
    await copyFile(join(fixtures, "barcodes.tsv.gz"), join(cut, "barcodes.tsv.gz"));
    await copyFile(join(fixtures, "features.tsv.gz"), join(cut, "features.tsv.gz"));
    const out = join(dir, "out");
    await import("node:fs/promises").then((fs) => fs.mkdir(out));
    await writeFile(join(out, "keep.txt"), "not ours");
    const error = await convertTenx(cut, out).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "compressed_truncated",
      file: join(cut, "matrix.mtx.gz"),
      location: { byteOffset: gz.length - 5000 },
    });
    expect(await readdir(out)).toEqual(["keep.txt"]);
  });
});

/** Writes the fixture matrix as a 10x HDF5 file with h5py (v3 `matrix` group, or v2 genome groups). */
function writeTenxH5(path: string, layout: "v2" | "v3"): void {
  const script = `
import sys, gzip, h5py, numpy as np, scipy.io
src, out, layout = sys.argv[1], sys.argv[2], sys.argv[3]
m = scipy.io.mmread(src + "/matrix.mtx.gz").tocsc()
m.sort_indices()
barcodes = [l.strip() for l in gzip.open(src + "/barcodes.tsv.gz", "rt") if l.strip()]
feats = [l.rstrip("\\n").split("\\t") for l in gzip.open(src + "/features.tsv.gz", "rt") if l.strip()]
with h5py.File(out, "w") as f:
    g = f.create_group("matrix" if layout == "v3" else "GRCh38")
    g.create_dataset("data", data=m.data.astype(np.int32), compression="gzip")
    g.create_dataset("indices", data=m.indices.astype(np.int64), compression="gzip")
    g.create_dataset("indptr", data=m.indptr.astype(np.int64))
    g.create_dataset("shape", data=np.array(m.shape, dtype=np.int32))
    g.create_dataset("barcodes", data=np.array(barcodes, dtype="S"))
    if layout == "v3":
        ff = g.create_group("features")
        ff.create_dataset("id", data=np.array([x[0] for x in feats], dtype="S"))
        ff.create_dataset("name", data=np.array([x[1] for x in feats], dtype="S"))
        ff.create_dataset("feature_type", data=np.array([x[2] for x in feats], dtype="S"))
        ff.create_dataset("genome", data=np.array(["GRCh38"] * len(feats), dtype="S"))
        ff.create_dataset("_all_tag_keys", data=np.array(["genome"], dtype="S"))
    else:
        g.create_dataset("genes", data=np.array([x[0] for x in feats], dtype="S"))
        g.create_dataset("gene_names", data=np.array([x[1] for x in feats], dtype="S"))
`;
  const run = spawnSync(python, ["-c", script, fixtures, path, layout], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
}

describe.skipIf(!haveFixtures || !havePython)("convertTenx on 10x HDF5 files", () => {
  for (const layout of ["v3", "v2"] as const) {
    it(`reads a ${layout} filtered_feature_bc_matrix.h5 with the same values as the Matrix Market files`, async () => {
      const h5 = join(dir, "filtered_feature_bc_matrix.h5");
      writeTenxH5(h5, layout);
      const out = join(dir, "out");
      const result = await convertTenx(h5, out, {
        cellMetadata: join(fixtures, "cells.tsv"),
        chunkEntries: 7000,
      });
      expect(result.format).toBe("10x-h5");
      expect((await parquetEntries(out)).sort()).toEqual(
        (await mtxEntries(join(fixtures, "matrix.mtx.gz"))).sort(),
      );
      const [first] = await query(
        `SELECT gene_id, gene_name, genome FROM '${join(out, "features.parquet")}' WHERE gene_idx = 5`,
      );
      expect(first).toEqual({ gene_id: "ENSG00000000005", gene_name: "GENE5", genome: "GRCh38" });
      const [cell] = await query(
        `SELECT barcode, Cluster FROM '${join(out, "cells.parquet")}' WHERE cell_idx = 17`,
      );
      expect(cell).toEqual({ barcode: "AAACCTG000000017-1", Cluster: null });
      expect(result.manifest["cells_without_metadata"]).toBe(1);
    });
  }

  it("reports a truncated HDF5 file as invalid_hdf5 and writes nothing", async () => {
    const h5 = join(dir, "full.h5");
    writeTenxH5(h5, "v3");
    const bytes = await readFile(h5);
    const cut = join(dir, "cut.h5");
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const out = join(dir, "out");
    const error = await convertTenx(cut, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe("invalid_hdf5");
    expect((error as Error).message).toMatch(/truncated/);
    expect(existsSync(out)).toBe(false);
    // gzip of a whole h5 is not an h5 either
    await writeFile(join(dir, "x.h5"), gzipSync(bytes));
    expect(((await convertTenx(join(dir, "x.h5"), out).catch((e: unknown) => e)) as FormatError).code).toBe(
      "invalid_hdf5",
    );
  });
});
