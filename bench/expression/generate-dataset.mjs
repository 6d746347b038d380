// Writes a synthetic single-cell matrix in the layout the formats flow gives a converted 10x dataset
// (matrix.X.parquet ordered by cell then gene, cells.parquet, features.parquet, manifest.json), entirely in
// DuckDB SQL so 100 M nonzeros take seconds. Deterministic from a seed: the same arguments give the same files.
//
//   node bench/expression/generate-dataset.mjs <outDir> [cells] [genes] [nonzeros] [seed]
//
// What the data looks like, so the statistics have something to find:
// - 10 cell types of skewed sizes (28 % down to 2 %) in a `cell_type` column, 0.1 % of cells with none (no
//   metadata row, as real annotations leave some out), 6 donors, and a per-cell library size;
// - 20 housekeeping genes expressed in ~90 % of cells, their counts scaled by the library size (so they
//   correlate with each other);
// - 20 modules of 25 co-expressed genes: a module is switched on per cell (mostly in its own cell type) with
//   an activity level shared by its genes, so genes of one module correlate strongly;
// - every other gene sparse (bins per cell, so a cell's genes come out unique and ascending), with counts
//   tripled in one preferred cell type (per-cell-type shifts for the CV ranking);
// - the last gene never expressed (a gene with mean 0, whose CV is undefined), and a few repeated symbols.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { sqlString, withDuckDb } from "@omicslake/core";

export const CELL_TYPES = [
  ["T cell", 0.28],
  ["Monocyte", 0.2],
  ["B cell", 0.14],
  ["NK cell", 0.1],
  ["Macrophage", 0.08],
  ["Dendritic cell", 0.06],
  ["Fibroblast", 0.05],
  ["Endothelial", 0.04],
  ["Epithelial", 0.03],
  ["Platelet", 0.02],
];
const NO_TYPE_SHARE = 0.001;
const HOUSEKEEPING = 20;
const HOUSEKEEPING_RATE = 0.9;
const MODULES = 20;
const MODULE_SIZE = 25;
const MODULE_GENE_RATE = 0.6;
const MODULE_ON_OWN_TYPE = 0.5;
const MODULE_ON_OTHER_TYPE = 0.04;
/** Every 4000th gene repeats the previous gene's symbol (make.unique then names it GENEx.1). */
const REPEAT_EVERY = 4000;

/** Where each kind of gene lives: housekeeping, then the modules, then the sparse background, then the empty gene. */
export function geneLayout(genes) {
  const moduleStart = HOUSEKEEPING;
  const backgroundStart = moduleStart + MODULES * MODULE_SIZE;
  const emptyGene = genes - 1;
  return { moduleStart, moduleSize: MODULE_SIZE, modules: MODULES, backgroundStart, emptyGene };
}

/** Nonzeros per cell expected from the housekeeping and module genes (the background fills the rest). */
function structuredPerCell() {
  let moduleOn = 0;
  for (let m = 0; m < MODULES; m++) {
    for (let t = 0; t < CELL_TYPES.length; t++) {
      const own = m % CELL_TYPES.length === t;
      moduleOn += CELL_TYPES[t][1] * (own ? MODULE_ON_OWN_TYPE : MODULE_ON_OTHER_TYPE);
    }
  }
  return HOUSEKEEPING * HOUSEKEEPING_RATE + moduleOn * MODULE_SIZE * MODULE_GENE_RATE;
}

/**
 * Generates the dataset into `outDir` (created; must not hold another dataset) and returns its manifest.
 * `nonzeros` is a target: the count comes out within a fraction of a percent of it.
 */
export async function generateDataset(outDir, { cells, genes, nonzeros, seed = 42 }) {
  const layout = geneLayout(genes);
  const backgroundGenes = layout.emptyGene - layout.backgroundStart;
  const slots = nonzeros / cells - structuredPerCell();
  if (slots < 1 || backgroundGenes < 2 * slots * 1.5)
    throw new Error(
      `cannot make ${nonzeros} nonzeros from ${cells} cells x ${genes} genes: ` +
        `${structuredPerCell().toFixed(1)} per cell come from the housekeeping and module genes, and the ` +
        `${backgroundGenes} background genes must be at least 3x the ${slots.toFixed(1)} other nonzeros per cell; ` +
        `give more nonzeros or more genes`,
    );
  if (cells >= 2 ** 24 || genes >= 2 ** 20 || !(seed >= 0 && seed < 256))
    throw new Error(
      "cells must be < 16,777,216, genes < 1,048,576 and seed in 0..255 (the hash key packs them)",
    );
  const tmp = `${outDir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = performance.now();
  const typeCase = cumulativeCase("u(10, c, 0)");
  const typeNames = `[${CELL_TYPES.map(([name]) => sqlString(name)).join(", ")}]`;
  const { moduleStart, backgroundStart } = layout;
  const T = CELL_TYPES.length;

  await withDuckDb({ tempDirectory: join(tmp, ".spill") }, async (db) => {
    // A uniform number in [0, 1) per (tag, cell, gene): one 64-bit key hashed, because DuckDB's multi-argument
    // hash combines its arguments too weakly (neighbouring cells got the same low bits).
    await db.run(
      `CREATE MACRO u(tag, c, g) AS ` +
        `(hash(((((${seed} * 256 + tag)::BIGINT << 24) | c::BIGINT) << 20) | g::BIGINT) % 16777216) / 16777216.0`,
    );
    const onModules = `[ m for m in range(${MODULES})
                         if u(6, c, m) < CASE WHEN t = m % ${T} THEN ${MODULE_ON_OWN_TYPE} ELSE ${MODULE_ON_OTHER_TYPE} END ]`;
    // The modules switched on in a cell are a column of their own: filtering them inside the nested list
    // comprehension below evaluated every module's gene list first and made the generator ten times slower.
    await db.run(`CREATE TABLE cell_draw AS
      SELECT *, ${onModules} AS mods
      FROM (SELECT c::INTEGER AS c,
                   CASE WHEN u(9, c, 0) < ${NO_TYPE_SHARE} THEN -1 ELSE ${typeCase} END AS t,
                   0.5 + u(11, c, 0) AS lib
            FROM range(${cells}) r(c))`);
    const hk = `[ {g: g::INTEGER, v: (1 + floor(lib * (2 + 2 * (g % 5)) * 2 * u(2, c, g)))::INTEGER}
                  for g in range(${HOUSEKEEPING}) if u(1, c, g) < ${HOUSEKEEPING_RATE} ]`;
    const mod = `flatten([ [ {g: (${moduleStart} + m * ${MODULE_SIZE} + j)::INTEGER,
                               v: (1 + floor((1 + floor(5 * u(7, c, m))) * 2 * u(8, c, m * 64 + j)))::INTEGER}
                             for j in range(${MODULE_SIZE}) if u(5, c, m * 64 + j) < ${MODULE_GENE_RATE} ]
                           for m in mods ])`;
    // Slot j of a cell's k slots draws one gene from its own bin, so genes come out unique and ascending.
    const k = `greatest(1, round(${slots} * lib))::BIGINT`;
    const bin = (j) => `(${backgroundStart} + floor((${j}) * ${backgroundGenes} / ${k})::BIGINT)`;
    const bg = `[ {g: g::INTEGER, v: (CASE WHEN g % ${T} = t THEN 3 ELSE 1 END * (1 + floor(3 * pow(u(12, c, g), 3))))::INTEGER}
                  for g in [ ${bin("j")} + floor(u(3, c, j) * (${bin("j + 1")} - ${bin("j")}))::BIGINT
                             for j in range(${k}) ] ]`;
    // One row per cell, its nonzeros unnested in gene order: the range scan keeps cell order, so no sort.
    await db.run(`COPY (
        SELECT c AS cell_idx, e.g AS gene_idx, e.v AS value
        FROM (SELECT c, unnest(list_concat(${hk}, ${mod}, ${bg})) AS e FROM cell_draw)
      ) TO ${sqlString(join(tmp, "matrix.X.parquet"))} (FORMAT parquet, COMPRESSION zstd)`);
    await db.run(`COPY (
        SELECT c AS cell_idx,
               array_to_string([ substr('ACGT', ((c >> (2 * i)) & 3)::INTEGER + 1, 1) for i in range(16) ], '') || '-1' AS barcode,
               CASE WHEN t < 0 THEN NULL ELSE ${typeNames}[t + 1] END AS cell_type,
               'D' || (1 + floor(6 * u(13, c, 0)))::INTEGER AS donor,
               round(lib, 6) AS library_size
        FROM cell_draw ORDER BY c
      ) TO ${sqlString(join(tmp, "cells.parquet"))} (FORMAT parquet)`);
    await db.run(`COPY (
        SELECT g::INTEGER AS gene_idx,
               'ENSG' || lpad(g::VARCHAR, 11, '0') AS gene_id,
               CASE WHEN g < ${moduleStart} THEN 'HK' || (g + 1)
                    WHEN g < ${backgroundStart} THEN 'MOD' || ((g - ${moduleStart}) // ${MODULE_SIZE} + 1) || '_' || ((g - ${moduleStart}) % ${MODULE_SIZE} + 1)
                    WHEN g % ${REPEAT_EVERY} = ${REPEAT_EVERY - 1} THEN 'GENE' || (g - 1)
                    ELSE 'GENE' || g END AS gene_name,
               'Gene Expression' AS feature_type
        FROM range(${genes}) r(g) ORDER BY g
      ) TO ${sqlString(join(tmp, "features.parquet"))} (FORMAT parquet)`);
  });
  rmSync(join(tmp, ".spill"), { recursive: true, force: true });

  const manifest = await withDuckDb({}, async (db) => {
    const count = async (file) =>
      Number((await db.rows(`SELECT count(*) AS n FROM ${sqlString(join(tmp, file))}`))[0].n);
    const nnz = await count("matrix.X.parquet");
    const withoutType = Number(
      (
        await db.rows(
          `SELECT count(*) AS n FROM ${sqlString(join(tmp, "cells.parquet"))} WHERE cell_type IS NULL`,
        )
      )[0].n,
    );
    const output = (name, table, rows, fields) => ({
      name,
      table,
      rows,
      bytes: statSync(join(tmp, name)).size,
      fields: fields.map(([n, type]) => ({ name: n, type, nullable: n === "cell_type" })),
    });
    return {
      format: "10x-mtx",
      input: `generated: ${cells} cells x ${genes} genes, ~${nonzeros} nonzeros, seed ${seed}`,
      outputs: [
        output("matrix.X.parquet", "matrix_X", nnz, [
          ["cell_idx", "INTEGER"],
          ["gene_idx", "INTEGER"],
          ["value", "INTEGER"],
        ]),
        output("cells.parquet", "cells", cells, [
          ["cell_idx", "INTEGER"],
          ["barcode", "VARCHAR"],
          ["cell_type", "VARCHAR"],
          ["donor", "VARCHAR"],
          ["library_size", "DOUBLE"],
        ]),
        output("features.parquet", "features", genes, [
          ["gene_idx", "INTEGER"],
          ["gene_id", "VARCHAR"],
          ["gene_name", "VARCHAR"],
          ["feature_type", "VARCHAR"],
        ]),
      ],
      warnings: [],
      toolVersions: {},
      shape: { cells, genes },
      index_base: 0,
      matrices: { X: { file: "matrix.X.parquet", nnz, dtype: "int32", order: "by cell, then gene" } },
      cell_metadata: {
        keyColumn: "barcode",
        columns: ["cell_type", "donor", "library_size"],
        cellsWithMetadata: cells,
        cellsWithoutMetadata: 0,
      },
      cells_without_metadata: 0,
      generator: {
        cells,
        genes,
        nonzeros,
        seed,
        cellsWithoutType: withoutType,
        layout,
        seconds: (performance.now() - started) / 1000,
      },
    };
  });
  writeFileSync(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  return manifest;
}

/** A CASE mapping a uniform draw to a cell-type index by the cumulative shares of CELL_TYPES. */
function cumulativeCase(draw) {
  let acc = 0;
  const arms = CELL_TYPES.slice(0, -1).map(([, share], i) => {
    acc += share;
    return `WHEN ${draw} < ${acc.toFixed(6)} THEN ${i}`;
  });
  return `CASE ${arms.join(" ")} ELSE ${CELL_TYPES.length - 1} END`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [outDir, cells = "100000", genes = "20000", nonzeros = "10000000", seed = "42"] =
    process.argv.slice(2);
  if (outDir === undefined) {
    console.error("usage: generate-dataset.mjs <outDir> [cells] [genes] [nonzeros] [seed]");
    process.exit(2);
  }
  const manifest = await generateDataset(outDir, {
    cells: Number(cells),
    genes: Number(genes),
    nonzeros: Number(nonzeros),
    seed: Number(seed),
  });
  const { nnz } = manifest.matrices.X;
  console.log(
    `${outDir}: ${cells} cells x ${genes} genes, ${nnz} nonzeros in ${manifest.generator.seconds.toFixed(1)} s`,
  );
}
