import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Lake } from "@omicslake/core";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";

const repoRoot = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));

/** The real format fixtures live beside the repository, never in it; tests skip when the folder is absent. */
export const formatFixtures = resolve(repoRoot, "../shared/fixtures/formats");
export const haveFormatFixtures = existsSync(formatFixtures);

/** A temp lake on the filesystem store and the embedded catalog: the build needs nothing else. */
export async function openFsLake(): Promise<OpenedLake> {
  const engine = lakeEngines().find((e) => e.skip === undefined && e.name.startsWith("fs"));
  if (engine === undefined) throw new Error("no filesystem lake engine");
  return engine.open();
}

/** Adds the 10x fixture folder (matrix, barcodes, features, cells.tsv) as raw dataset `name`. */
export async function addTenxFixture(lake: Lake, root: string, name: string): Promise<void> {
  const dir = await mkdtemp(join(root, "tenx-"));
  const files: string[] = [];
  for (const file of await readdir(join(formatFixtures, "10x_v3"))) {
    if (file === "expected.json") continue;
    await copyFile(join(formatFixtures, "10x_v3", file), join(dir, file));
    files.push(join(dir, file));
  }
  await lake.addFiles(files, { dataset: name });
}

/** Rows of a DuckDB query over a local Parquet file, as view `t` (and `stored`, with file_row_number). */
export async function parquetRows(
  path: string,
  query = "SELECT * FROM t",
): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const file = `'${path.replaceAll("'", "''")}'`;
    await connection.run(`CREATE VIEW t AS SELECT * FROM read_parquet(${file})`);
    // `stored`: the rows with their position in the file, for checks of the order they were written in.
    await connection.run(`CREATE VIEW stored AS SELECT * FROM read_parquet(${file}, file_row_number = true)`);
    const reader = await connection.runAndReadAll(query);
    return reader
      .getRowObjectsJS()
      .map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
      );
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * A processed dataset written directly, as a conversion would leave it: each table from a DuckDB query, plus
 * manifest.json when given. For layouts no fixture has (AnnData .raw, repeated symbols, explicit zeros).
 */
export async function putProcessedDataset(
  lake: Lake,
  root: string,
  name: string,
  tables: Record<string, string>,
  manifest?: Record<string, unknown>,
): Promise<void> {
  const dir = await mkdtemp(join(root, `processed-${name}-`));
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    for (const [file, query] of Object.entries(tables)) {
      await connection.run(`COPY (${query}) TO '${join(dir, file)}' (FORMAT parquet)`);
    }
  } finally {
    connection.closeSync();
    db.closeSync();
  }
  const dataset = await lake.ensureDataset({ name, layer: "processed" });
  for (const file of Object.keys(tables))
    await lake.putObject(dataset, { file: join(dir, file), name: file });
  if (manifest !== undefined) {
    await lake.putObject(dataset, { name: "manifest.json", body: Buffer.from(JSON.stringify(manifest)) });
  }
}

/**
 * A small matrix as a converted dataset: `genes` genes, `cells` cells in three cell types, about a fifth of
 * the entries nonzero (integers from a hash, so every build of it is the same).
 */
export async function putSmallMatrix(
  lake: Lake,
  root: string,
  name: string,
  genes = 40,
  cells = 120,
): Promise<void> {
  await putProcessedDataset(lake, root, name, {
    "features.parquet": `SELECT i::INTEGER AS gene_idx, 'ENSG' || i AS gene_id, 'G' || i AS gene_name FROM range(${genes}) r(i)`,
    "cells.parquet": `SELECT i::INTEGER AS cell_idx, 'BC' || i AS barcode, ['T', 'B', 'NK'][1 + i % 3] AS cell_type FROM range(${cells}) r(i)`,
    "matrix.X.parquet": `SELECT c::INTEGER AS cell_idx, g::INTEGER AS gene_idx, (1 + hash(g * 7919 + c) % 9)::INTEGER AS value
                         FROM range(${cells}) a(c), range(${genes}) b(g) WHERE hash(c * 31 + g) % 5 = 0`,
  });
}
