import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { convertH5ad } from "../src/h5ad/h5ad-converter.js";
import { FormatError } from "../src/convert/format-error.js";
import { query } from "./helpers/read-parquet.js";

// Before h5wasm loads: it binds console.error once, and HDF5's diagnostics would arrive through it.
const consoleError = vi.hoisted(() => vi.spyOn(console, "error"));

const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const fixtures = resolve(repoRoot, "../shared/fixtures/formats/h5ad");
const haveFixtures = existsSync(join(fixtures, "sparse.h5ad"));
if (!haveFixtures) console.warn(`h5ad fixture tests skipped: fixtures not found at ${fixtures}`);
const python = "/usr/bin/python3";
const havePython = spawnSync(python, ["-c", "import anndata, h5py, scipy, pandas, numpy"]).status === 0;
if (!havePython)
  console.warn(
    "h5ad value and edge-case tests skipped: /usr/bin/python3 with anndata, h5py, scipy and pandas is not available",
  );

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-h5ad-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Dump {
  matrices: Record<string, [number, number, number][]>;
  obs: { index: string[]; columns: Record<string, unknown[]> };
  var: { index: string[]; columns: Record<string, unknown[]> };
}

/** Python helpers: `dump(adata)` gives what anndata itself reads, as JSON (NaN and NA as null). */
const PY_DUMP = `
import json, sys, math
import numpy as np, pandas as pd, scipy.sparse as sp
def triplets(m):
    if sp.issparse(m):
        c = m.tocoo()
        return [[int(i), int(j), float(v)] for i, j, v in zip(c.row, c.col, c.data)]
    m = np.asarray(m)
    return [[int(i), int(j), float(m[i, j])] for i, j in zip(*np.nonzero(m))]
def clean(v):
    if v is None or v is pd.NA: return None
    if isinstance(v, (float, np.floating)) and math.isnan(v): return None
    if isinstance(v, (np.integer,)): return int(v)
    if isinstance(v, (np.floating,)): return float(v)
    if isinstance(v, (np.bool_,)): return bool(v)
    return v
def frame(df):
    return {"index": [str(x) for x in df.index], "columns": {c: [clean(x) for x in df[c].astype(object).tolist()] for c in df.columns}}
def dump(a):
    ms = {"X": triplets(a.X)} if a.X is not None else {}
    for k in a.layers.keys(): ms[k] = triplets(a.layers[k])
    return {"matrices": ms, "obs": frame(a.obs), "var": frame(a.var)}
`;

function runPython(script: string, args: string[]): string {
  const run = spawnSync(python, ["-c", PY_DUMP + script, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return run.stdout;
}

/** What anndata reads from a file. */
function anndataDump(path: string): Dump {
  return JSON.parse(
    runPython("import anndata\nprint(json.dumps(dump(anndata.read_h5ad(sys.argv[1]))))", [path]),
  ) as Dump;
}

async function matrixEntries(out: string, name: string): Promise<string[]> {
  const rows = await query(
    `SELECT cell_idx, gene_idx, value::DOUBLE AS v FROM '${join(out, `matrix.${name}.parquet`)}'`,
  );
  return rows.map((r) => `${Number(r["cell_idx"])},${Number(r["gene_idx"])}=${Number(r["v"])}`).sort();
}

const asEntries = (t: [number, number, number][]): string[] => t.map(([i, j, v]) => `${i},${j}=${v}`).sort();

/** Checks every matrix, the indexes and every obs/var column against anndata's own reading. */
async function expectSameAsAnndata(out: string, expected: Dump): Promise<void> {
  for (const [name, triplets] of Object.entries(expected.matrices)) {
    expect(await matrixEntries(out, name), `matrix ${name}`).toEqual(asEntries(triplets));
  }
  for (const [table, frame] of [
    ["obs", expected.obs],
    ["var", expected.var],
  ] as const) {
    const pos = table === "obs" ? "cell_idx" : "gene_idx";
    const rows = await query(`SELECT * FROM '${join(out, `${table}.parquet`)}' ORDER BY ${pos}`);
    expect(
      rows.map((r) => r["_index"]),
      `${table} index`,
    ).toEqual(frame.index);
    for (const [column, values] of Object.entries(frame.columns)) {
      const got = rows.map((r) => {
        const v = r[column];
        return typeof v === "bigint" ? Number(v) : v;
      });
      expect(got, `${table}.${column}`).toEqual(values);
    }
  }
}

describe.skipIf(!haveFixtures)("convertH5ad on the fixtures", () => {
  it.skipIf(!havePython).each(["sparse.h5ad", "sparse_gzip.h5ad", "dense.h5ad"])(
    "%s matches anndata value by value",
    async (name) => {
      const out = join(dir, "out");
      const result = await convertH5ad(join(fixtures, name), out, { chunkEntries: 64 });
      await expectSameAsAnndata(out, anndataDump(join(fixtures, name)));
      const files = (await readdir(out)).sort();
      expect(files).toContain("manifest.json");
      expect(result.outputs.map((o) => o.name).sort()).toEqual(files);
    },
  );

  it("records encodings, categories, nnz and uns in the manifest", async () => {
    const out = join(dir, "out");
    const result = await convertH5ad(join(fixtures, "sparse.h5ad"), out);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(manifest).toEqual(JSON.parse(JSON.stringify(result.manifest)));
    expect(manifest["shape"]).toEqual({ n_obs: 100, n_vars: 50 });
    expect(manifest["uns"]).toEqual({ note: "sparse sample" });
    const matrices = manifest["matrices"] as Record<string, { encoding: string; dtype: string; nnz: number }>;
    expect(matrices["X"]).toMatchObject({ encoding: "csr_matrix", dtype: "float32", nnz: 500 });
    expect(matrices["counts"]).toMatchObject({ encoding: "csr_matrix", nnz: 500 });
    const obs = manifest["obs"] as { columns: Record<string, { encoding: string }> };
    expect(obs.columns["cell_type"]?.encoding).toBe("categorical");
    const kv = await query(
      `SELECT decode(value) AS v FROM parquet_kv_metadata('${join(out, "obs.parquet")}') WHERE decode(key) = 'omicslake.categories'`,
    );
    expect(JSON.parse(String(kv[0]?.["v"]))).toEqual({
      cell_type: { categories: ["B", "NK", "T"], ordered: false },
    });
  });

  it("writes a large matrix as files of whole rows, the same bytes at any concurrency, listed in the manifest", async () => {
    const input = join(fixtures, "sparse.h5ad");
    const whole = join(dir, "whole");
    await convertH5ad(input, whole);
    const expected = (await matrixEntries(whole, "X")).sort();
    const hashes: string[] = [];
    for (const [concurrency, chunkEntries] of [
      [1, 64],
      [3, 7],
    ] as const) {
      const out = join(dir, `parts-${concurrency}`);
      const result = await convertH5ad(input, out, { partEntries: 120, concurrency, chunkEntries });
      const x = (
        result.manifest["matrices"] as Record<
          string,
          { files: string[]; parts: { cells: number[]; nnz: number }[]; nnz: number }
        >
      )["X"]!;
      expect(x.files).toEqual([0, 1, 2, 3, 4].map((i) => `matrix.X.part-0000${i}.parquet`));
      expect(x.nnz).toBe(500);
      const got: string[] = [];
      for (const [i, file] of x.files.entries()) {
        const rows = await query(`SELECT cell_idx, gene_idx, value::DOUBLE AS v FROM '${join(out, file)}'`);
        const [from, to] = x.parts[i]!.cells as [number, number];
        expect(rows.length, file).toBe(x.parts[i]!.nnz);
        // Whole rows: every cell of the part's range is in this file only.
        expect(
          rows.every((r) => Number(r["cell_idx"]) >= from && Number(r["cell_idx"]) < to),
          file,
        ).toBe(true);
        got.push(...rows.map((r) => `${Number(r["cell_idx"])},${Number(r["gene_idx"])}=${Number(r["v"])}`));
      }
      expect(got.sort()).toEqual(expected);
      expect(x.parts.map((p) => p.cells)).toEqual(
        x.parts.map((_, i) => [i === 0 ? 0 : x.parts[i - 1]!.cells[1], x.parts[i]!.cells[1]]),
      );
      expect(x.parts.at(-1)!.cells[1]).toBe(100);
      const files = (await readdir(out)).filter((f) => f.endsWith(".parquet")).sort();
      hashes.push(
        (
          await Promise.all(
            files.map(
              async (f) =>
                `${f}:${createHash("sha256")
                  .update(await readFile(join(out, f)))
                  .digest("hex")}`,
            ),
          )
        ).join(" "),
      );
    }
    expect(hashes[1]).toBe(hashes[0]);
  });

  it("reports a truncated file as invalid_hdf5 and leaves nothing behind", async () => {
    const bytes = await readFile(join(fixtures, "sparse.h5ad"));
    const cut = join(dir, "cut.h5ad");
    await writeFile(cut, bytes.subarray(0, 30_000));
    const out = join(dir, "out");
    const error = await convertH5ad(cut, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toMatchObject({ code: "invalid_hdf5", file: cut });
    expect((error as Error).message).toMatch(/truncated: 30000 bytes, but its HDF5 superblock says 53712/);
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!havePython)("convertH5ad on files written by anndata and h5py for the edge cases", () => {
  it("reads CSC int X, dense layers, nullable arrays, booleans, obsm/varm and nested uns", async () => {
    const path = join(dir, "rich.h5ad");
    runPython(
      `
import anndata as ad
rng = np.random.default_rng(3)
X = sp.random(30, 12, density=0.3, format="csc", random_state=3, dtype=np.float64)
X.data = np.round(X.data * 100).astype(np.int64) + 1
X = sp.csc_matrix((X.data.astype(np.int64), X.indices, X.indptr), shape=X.shape)
obs = pd.DataFrame({
  "ct": pd.Categorical(rng.choice(["a", "b"], 30), categories=["b", "a", "unused"], ordered=True),
  "n": pd.array([None if i % 7 == 0 else i for i in range(30)], dtype="Int64"),
  "ok": pd.array([None if i % 5 == 0 else i % 2 == 0 for i in range(30)], dtype="boolean"),
  "flag": np.arange(30) % 3 == 0,
  "name": [f"n{i}" for i in range(30)],
  "f32": np.linspace(0, 1, 30).astype(np.float32),
}, index=[f"c{i}" for i in range(30)])
a = ad.AnnData(X=X, obs=obs, var=pd.DataFrame(index=[f"g{j}" for j in range(12)]), dtype=np.int64)
a.layers["dense"] = np.arange(360, dtype=np.int16).reshape(30, 12) % 4
a.obsm["X_umap"] = np.arange(60, dtype=np.float32).reshape(30, 2)
a.varm["loadings"] = np.arange(36, dtype=np.float64).reshape(12, 3)
a.uns["params"] = {"k": 15, "names": ["x", "y"], "scale": 0.5}
a.write_h5ad(sys.argv[1])
`,
      [path],
    );
    const out = join(dir, "out");
    const result = await convertH5ad(path, out, { chunkEntries: 5 });
    await expectSameAsAnndata(out, anndataDump(path));
    const manifest = result.manifest as {
      matrices: Record<string, { encoding: string; order: string; valueType: string }>;
      uns: unknown;
    };
    expect(manifest.matrices["X"]).toMatchObject({
      encoding: "csc_matrix",
      order: "by gene",
      valueType: "int64",
    });
    expect(manifest.matrices["dense"]).toMatchObject({ encoding: "dense", valueType: "int32" });
    expect(manifest.uns).toEqual({ params: { k: 15, names: ["x", "y"], scale: 0.5 } });
    const [umap] = await query(`SELECT X_umap FROM '${join(out, "obsm.parquet")}' WHERE cell_idx = 7`);
    expect(umap).toEqual({ X_umap: [14, 15] });
    const [loadings] = await query(`SELECT loadings FROM '${join(out, "varm.parquet")}' WHERE gene_idx = 11`);
    expect(loadings).toEqual({ loadings: [33, 34, 35] });
    const kv = await query(
      `SELECT decode(value) AS v FROM parquet_kv_metadata('${join(out, "obs.parquet")}') WHERE decode(key) = 'omicslake.categories'`,
    );
    expect(JSON.parse(String(kv[0]?.["v"]))).toEqual({
      ct: { categories: ["b", "a", "unused"], ordered: true },
    });
  });

  it("reads the anndata 0.7 layout (__categories) and the pre-0.7 one (compound obs, h5sparse X)", async () => {
    const v07 = join(dir, "v07.h5ad");
    const v06 = join(dir, "v06.h5ad");
    const expected = JSON.parse(
      runPython(
        `
import h5py
rng = np.random.default_rng(5)
X = sp.random(8, 5, density=0.4, format="csr", random_state=5, dtype=np.float32)
cats = np.array(["T", "B"], dtype=object)
codes = rng.integers(0, 2, 8).astype(np.int8)
codes[3] = -1
depth = rng.random(8)
cells = [f"cell{i}" for i in range(8)]
genes = [f"G{j}" for j in range(5)]
str_dt = h5py.special_dtype(vlen=str)
def write_csr(g, m, legacy):
    g.create_dataset("data", data=m.data); g.create_dataset("indices", data=m.indices); g.create_dataset("indptr", data=m.indptr)
    if legacy:
        g.attrs["h5sparse_format"] = "csr"; g.attrs["h5sparse_shape"] = np.array(m.shape)
    else:
        g.attrs["encoding-type"] = "csr_matrix"; g.attrs["encoding-version"] = "0.1.0"; g.attrs["shape"] = np.array(m.shape)
with h5py.File(sys.argv[1], "w") as f:  # anndata 0.7
    write_csr(f.create_group("X"), X, False)
    obs = f.create_group("obs")
    obs.attrs["encoding-type"] = "dataframe"; obs.attrs["encoding-version"] = "0.1.0"
    obs.attrs["_index"] = "_index"; obs.attrs["column-order"] = np.array(["cell_type", "depth"], dtype=object).astype("S")
    obs.create_dataset("_index", data=np.array(cells, dtype=object), dtype=str_dt)
    obs.create_group("__categories").create_dataset("cell_type", data=cats, dtype=str_dt)
    obs.create_dataset("cell_type", data=codes)
    obs.create_dataset("depth", data=depth)
    var = f.create_group("var")
    var.attrs["encoding-type"] = "dataframe"; var.attrs["encoding-version"] = "0.1.0"
    var.attrs["_index"] = "_index"; var.attrs["column-order"] = np.array([], dtype="S")
    var.create_dataset("_index", data=np.array(genes, dtype=object), dtype=str_dt)
with h5py.File(sys.argv[2], "w") as f:  # anndata 0.6: structured arrays
    write_csr(f.create_group("X"), X, True)
    obs_dt = np.dtype([("index", "S10"), ("cell_type", np.int8), ("depth", np.float64)])
    f.create_dataset("obs", data=np.array([(c.encode(), k, d) for c, k, d in zip(cells, codes, depth)], dtype=obs_dt))
    f.create_dataset("var", data=np.array([(g.encode(),) for g in genes], dtype=[("index", "S10")]))
    f.create_group("uns").create_dataset("cell_type_categories", data=np.array(["T", "B"], dtype="S"))
labels = [None if c < 0 else str(cats[c]) for c in codes]
print(json.dumps({"matrices": {"X": triplets(X)}, "obs": {"index": cells, "columns": {"cell_type": labels, "depth": [float(d) for d in depth]}}, "var": {"index": genes, "columns": {}}}))
`,
        [v07, v06],
      ),
    ) as Dump;
    for (const [path, encoding] of [
      [v07, "categorical (__categories)"],
      [v06, "compound field + uns categories"],
    ] as const) {
      const out = join(dir, `out-${encoding.length}`);
      const result = await convertH5ad(path, out);
      await expectSameAsAnndata(out, expected);
      expect(
        (result.manifest["obs"] as { columns: Record<string, { encoding: string }> }).columns["cell_type"]
          ?.encoding,
      ).toBe(encoding);
    }
  });

  it("converts .raw as matrix.raw.parquet with its own var table", async () => {
    const path = join(dir, "raw.h5ad");
    const expected = JSON.parse(
      runPython(
        `
import anndata as ad
X = sp.random(10, 8, density=0.4, format="csr", random_state=2, dtype=np.float32)
full = ad.AnnData(X=X, obs=pd.DataFrame(index=[f"c{i}" for i in range(10)]),
                  var=pd.DataFrame({"sym": [f"S{j}" for j in range(8)]}, index=[f"g{j}" for j in range(8)]))
full.raw = full
a = full[:, [1, 3, 5]].copy()
a.write_h5ad(sys.argv[1])
b = ad.read_h5ad(sys.argv[1])
print(json.dumps({"raw": triplets(b.raw.X), "raw_var": [str(x) for x in b.raw.var_names], "sym": list(b.raw.var["sym"]), "X": triplets(b.X)}))
`,
        [path],
      ),
    ) as { raw: [number, number, number][]; raw_var: string[]; sym: string[]; X: [number, number, number][] };
    const out = join(dir, "out");
    const result = await convertH5ad(path, out);
    expect(await matrixEntries(out, "raw")).toEqual(asEntries(expected.raw));
    expect(await matrixEntries(out, "X")).toEqual(asEntries(expected.X));
    const rawVar = await query(`SELECT _index, sym FROM '${join(out, "raw_var.parquet")}' ORDER BY gene_idx`);
    expect(rawVar.map((r) => r["_index"])).toEqual(expected.raw_var);
    expect(rawVar.map((r) => r["sym"])).toEqual(expected.sym);
    const matrices = result.manifest["matrices"] as Record<string, { var_table: string }>;
    expect(matrices["raw"]?.var_table).toBe("raw_var");
    expect(matrices["X"]?.var_table).toBe("var");
  });

  it("refuses a matrix whose indptr contradicts its data", async () => {
    const path = join(dir, "bad.h5ad");
    runPython(
      `
import anndata as ad, h5py
a = ad.AnnData(X=sp.random(6, 4, density=0.5, format="csr", random_state=1, dtype=np.float32))
a.write_h5ad(sys.argv[1])
with h5py.File(sys.argv[1], "r+") as f:
    ip = f["X/indptr"][...]
    ip[-1] = ip[-1] + 50
    del f["X/indptr"]
    f["X"].create_dataset("indptr", data=ip)
`,
      [path],
    );
    const out = join(dir, "out");
    const error = await convertH5ad(path, out).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "h5ad_malformed", location: { key: "/X/indptr" } });
    expect((error as Error).message).toMatch(/indptr runs from 0 to \d+ but data has \d+/);
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!havePython)(
  "convertH5ad on LZF-compressed files (h5py's lzf filter, as scanpy writes it)",
  () => {
    /**
     * anndata writes the fixture again with every dataset LZF-compressed, strings included (scanpy's way). With
     * `rechunk`, h5py then rewrites obs/_index as `rechunk` (small chunks: many B-tree entries and a partial last
     * chunk; with libver "latest": HDF5's newer chunk index); `corrupt` overwrites the first bytes of its first
     * chunk with a back-reference before the start of the output, and prints the chunk's byte offset.
     */
    function writeLzf(path: string, rechunk: "" | "small" | "latest" = "", corrupt = false): number {
      const out = runPython(
        `
import anndata, h5py
anndata.read_h5ad(sys.argv[1]).write_h5ad(sys.argv[2], compression="lzf")
if sys.argv[3]:
    with h5py.File(sys.argv[2], "r+", libver="latest" if sys.argv[3] == "latest" else "earliest") as f:
        data, attrs = f["obs/_index"][...], dict(f["obs/_index"].attrs)
        del f["obs/_index"]
        d = f.create_dataset("obs/_index", data=data, dtype=h5py.string_dtype(), chunks=(3,), compression="lzf")
        for k, v in attrs.items(): d.attrs[k] = v
with h5py.File(sys.argv[2], "r") as f:
    names = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) and o.shape else None)
    assert all(f[n].compression == "lzf" for n in names) and f["obs/_index"].dtype.kind == "O"
    offset = f["obs/_index"].id.get_chunk_info(0).byte_offset
if sys.argv[4] == "1":
    with open(sys.argv[2], "r+b") as raw:
        raw.seek(offset)
        raw.write(bytes([0x3F, 0x00]))
print(offset)
`,
        [join(fixtures, "sparse.h5ad"), path, rechunk, corrupt ? "1" : "0"],
      );
      return Number(out.trim());
    }

    it.skipIf(!haveFixtures)(
      "converts files with every dataset LZF-compressed, strings too, matching anndata value by value",
      async () => {
        const path = join(dir, "lzf.h5ad");
        writeLzf(path);
        await convertH5ad(path, join(dir, "out"), { chunkEntries: 37 });
        await expectSameAsAnndata(join(dir, "out"), anndataDump(path));

        const small = join(dir, "lzf-small-chunks.h5ad");
        writeLzf(small, "small");
        await convertH5ad(small, join(dir, "out-small"));
        await expectSameAsAnndata(join(dir, "out-small"), anndataDump(small));
        expect(consoleError.mock.calls.flat().join("\n")).not.toMatch(/HDF5-DIAG|Aborted/);
      },
    );

    it.skipIf(!haveFixtures)(
      "refuses corrupt LZF strings, layouts it does not read and unknown filters by file, dataset and place",
      async () => {
        consoleError.mockClear();
        const corrupt = join(dir, "lzf-corrupt.h5ad");
        const offset = writeLzf(corrupt, "", true);
        const bad = await convertH5ad(corrupt, join(dir, "out")).catch((e: unknown) => e);
        expect(bad).toBeInstanceOf(FormatError);
        expect(bad).toMatchObject({ code: "invalid_hdf5", file: corrupt });
        expect((bad as FormatError).location).toMatchObject({ key: "/obs/_index", byteOffset: offset });
        expect((bad as Error).message).toContain("before the start of the output");

        const latest = join(dir, "lzf-latest.h5ad");
        writeLzf(latest, "latest");
        const newer = await convertH5ad(latest, join(dir, "out")).catch((e: unknown) => e);
        expect(newer).toMatchObject({ code: "h5ad_unsupported", file: latest });
        expect((newer as FormatError).location?.key).toBe("/obs/_index");
        expect((newer as Error).message).toMatch(/"lzf".*chunk index is of type \d/);

        const path = join(dir, "lzf-all.h5ad");
        writeLzf(path);
        // The same file with LZF's id in every filter pipeline changed to one no plugin provides (32017).
        const bytes = await readFile(path);
        let patched = 0;
        for (let i = 0; i + 12 < bytes.length; i++) {
          if (
            bytes[i] === 0x00 &&
            bytes[i + 1] === 0x7d &&
            bytes.toString("latin1", i + 8, i + 12) === "lzf\0"
          ) {
            bytes[i] = 0x11;
            patched++;
          }
        }
        expect(patched).toBeGreaterThan(3);
        const unknown = join(dir, "unknown-filter.h5ad");
        await writeFile(unknown, bytes);
        const error = await convertH5ad(unknown, join(dir, "out")).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "h5ad_unsupported", file: unknown });
        expect((error as Error).message).toMatch(
          /dataset \/\S+ is compressed with the HDF5 filter "lzf" \(id 32017\)/,
        );
        expect((error as Error).message).not.toContain("HDF5-DIAG");
        expect(consoleError.mock.calls.flat().join("\n")).not.toMatch(/HDF5-DIAG|Aborted/);
        expect(existsSync(join(dir, "out"))).toBe(false);

        // The process's HDF5 is still usable afterwards (no WebAssembly abort).
        await convertH5ad(join(fixtures, "sparse.h5ad"), join(dir, "after"));
        expect(existsSync(join(dir, "after", "matrix.X.parquet"))).toBe(true);
      },
    );
  },
);
