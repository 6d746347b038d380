// Hands the generated nonzeros to the numpy peer as raw little-endian arrays (cell.i32, gene.i32, value.f64,
// cell_type.i32): Debian's Python has numpy and scipy but no Parquet reader, and numpy.fromfile reads these at
// disk speed. Written once per generated dataset, in cell order, so the peer builds its CSR without a sort.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { sqlString, withDuckDb } from "@omicslake/core";
import { CELL_TYPES } from "./generate-dataset.mjs";

const FILES = ["cell.i32", "gene.i32", "value.f64", "cell_type.i32"];

/** Writes the arrays into `outDir` unless they are there already; returns `outDir`. */
export async function exportTriplets(datasetDir, outDir) {
  if (FILES.every((f) => existsSync(join(outDir, f)))) return outDir;
  const tmp = `${outDir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await withDuckDb({}, async (db) => {
    await streamColumns(
      db,
      `SELECT cell_idx, gene_idx, value::DOUBLE AS value FROM read_parquet(${sqlString(join(datasetDir, "matrix.X.parquet"))})`,
      [
        [join(tmp, "cell.i32"), Int32Array],
        [join(tmp, "gene.i32"), Int32Array],
        [join(tmp, "value.f64"), Float64Array],
      ],
    );
    const typeIndex = `CASE cell_type ${CELL_TYPES.map(([name], i) => `WHEN ${sqlString(name)} THEN ${i}`).join(" ")} ELSE -1 END`;
    await streamColumns(
      db,
      `SELECT ${typeIndex}::INTEGER FROM read_parquet(${sqlString(join(datasetDir, "cells.parquet"))}) ORDER BY cell_idx`,
      [[join(tmp, "cell_type.i32"), Int32Array]],
    );
  });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  return outDir;
}

/** Streams a query's columns chunk by chunk into one file each, through a typed array per chunk. */
async function streamColumns(db, sql, targets) {
  const result = await db.connection.stream(sql);
  const fds = targets.map(([path]) => openSync(path, "w"));
  try {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      targets.forEach(([, Typed], i) => {
        const vector = chunk.getColumnVector(i);
        const out = new Typed(rows);
        for (let r = 0; r < rows; r++) out[r] = vector.getItem(r);
        writeSync(fds[i], new Uint8Array(out.buffer, 0, out.byteLength));
      });
    }
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
