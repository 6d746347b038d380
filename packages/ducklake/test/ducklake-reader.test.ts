import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "@omicslake/core";
import { DuckLakeCatalog, DuckLakeReader, dropTable, registerTable } from "../src/index.js";

let dir: string;
let duck: DuckDBInstance;
let connection: DuckDBConnection;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-ducklake-reader-"));
  duck = await DuckDBInstance.create(":memory:");
  connection = await duck.connect();
});

afterEach(async () => {
  connection.closeSync();
  duck.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;

async function writeParquet(path: string, select: string): Promise<string> {
  await mkdir(join(path, ".."), { recursive: true });
  await connection.run(`COPY (${select}) TO ${q(path)} (FORMAT parquet, ROW_GROUP_SIZE 1000)`);
  return path;
}

async function rowsOf(select: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(select)).getRowObjectsJS();
}

const studies = (from: number, count: number, extra = ""): string =>
  `SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE 'SRP' || i END AS accession,
          [i, i + 1] AS pair, {'n': i % 5} AS info${extra}
     FROM range(${from}, ${from + count}) t(i)`;

describe("DuckLakeReader", () => {
  it("reads back what the writer registered, at every snapshot, from the catalog tables alone", async () => {
    const metadataPath = join(dir, "catalog.duckdb");
    const dataPath = join(dir, "data");
    const tableDir = join(dataPath, "main", "study");
    const v1 = [
      await writeParquet(join(tableDir, "v1-0.parquet"), studies(0, 2500)),
      await writeParquet(join(tableDir, "v1-1.parquet"), studies(2500, 1500)),
    ];
    const elsewhere = await writeParquet(
      join(dir, "other", "runs.parquet"),
      "SELECT 'SRR' || i AS run FROM range(10) t(i)",
    );
    const catalog = await DuckLakeCatalog.open({ metadataPath, dataPath });
    await catalog.commit(
      [registerTable({ table: "study", files: v1 }), registerTable({ table: "run", files: [elsewhere] })],
      {
        author: "test",
        message: "first",
      },
    );
    // Replace with a wider schema, then drop the run table.
    const v2 = [await writeParquet(join(tableDir, "v2-0.parquet"), studies(100, 300, ", i * 2 AS doubled"))];
    await catalog.commit([registerTable({ table: "study", files: v2 })], { message: "second" });
    await catalog.commit([dropTable("run")], { message: "third" });
    await catalog.close();

    const reader = await DuckLakeReader.open(metadataPath);
    try {
      const snapshots = await reader.snapshots();
      expect(snapshots.map((s) => s.message)).toEqual(
        [null, "first", "second", "third"].slice(-snapshots.length),
      );
      const [first, , third] = snapshots.slice(-3).map((s) => s.snapshotId) as [number, number, number];
      expect(await reader.latestSnapshot()).toBe(third);

      expect(await reader.tables(first)).toEqual(["run", "study"]);
      expect(await reader.tables()).toEqual(["study"]);

      expect((await reader.columns("study", first)).map((c) => c.name)).toEqual([
        "id",
        "accession",
        "pair",
        "info",
      ]);
      expect((await reader.columns("study")).map((c) => c.name)).toEqual([
        "id",
        "accession",
        "pair",
        "info",
        "doubled",
      ]);

      // Every row of the first snapshot, in registration order, equals what the files hold.
      const old = await reader.readTable("study", { snapshot: first });
      expect(old).toHaveLength(4000);
      expect(old).toEqual(await rowsOf(`${studies(0, 4000)}`));
      const current = await reader.readTable("study", { orderBy: ["accession"], limit: 5 });
      expect(current).toEqual(
        await rowsOf(`${studies(100, 300, ", i * 2 AS doubled")} ORDER BY accession NULLS LAST, id LIMIT 5`),
      );

      // A file outside the data path keeps its absolute path; relative ones resolve under data/main/<table>/.
      expect((await reader.files("run", first)).map((f) => f.path)).toEqual([elsewhere]);
      expect((await reader.files("study", first)).map((f) => [f.path, f.rowIdStart, f.recordCount])).toEqual([
        [expect.stringMatching(/data\/main\/study\/v1-0\.parquet$/), 0, 2500],
        [expect.stringMatching(/data\/main\/study\/v1-1\.parquet$/), 2500, 1500],
      ]);

      await expect(reader.readTable("run")).rejects.toBeInstanceOf(NotFoundError);
      expect(await reader.readTable("run", { snapshot: first })).toHaveLength(10);
      await expect(reader.readTable("study", { snapshot: third + 1 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(reader.readTable("study", { orderBy: ["no such"] })).rejects.toBeInstanceOf(
        ValidationError,
      );
    } finally {
      await reader.close();
    }
  });

  it("refuses a path that is not a DuckLake catalog with a typed error", async () => {
    await expect(DuckLakeReader.open(join(dir, "missing", "catalog.duckdb"))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
