import { lstat, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DuckLakeCatalog, registerTable } from "../src/index.js";

// The DuckLake catalog lives in the lake root next to the embedded catalog and the objects, and is
// private like them, whatever the umask: DuckDB creates its files 0644 (0666 under umask 000).
async function sharedEntries(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const stats = await lstat(path);
    if ((stats.mode & 0o077) !== 0) out.push(`${path} ${(stats.mode & 0o777).toString(8)}`);
    if (stats.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  await visit(dir);
  return out;
}

describe("the DuckLake catalog's files are private to their owner", () => {
  let dir: string;
  let previous: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-ducklake-modes-"));
    previous = process.umask(0o000);
  });
  afterEach(async () => {
    process.umask(previous);
    await rm(dir, { recursive: true, force: true });
  });

  it("creates its folders 0700 and leaves its file and registered Parquet without group or other bits", async () => {
    const root = join(dir, "ducklake");
    const catalog = await DuckLakeCatalog.open({
      metadataPath: join(root, "metadata.duckdb"),
      dataPath: join(root, "data"),
    });
    // Consolidation copies each entity's Parquet into the data folder before registering it.
    await mkdir(join(root, "data", "main", "sra_study"), { recursive: true });
    const parquet = join(root, "data", "main", "sra_study", "run-1-sra_study.parquet");
    const writer = await DuckDBInstance.create(":memory:");
    const connection = await writer.connect();
    await connection.run(`COPY (SELECT range AS id FROM range(10)) TO '${parquet}' (FORMAT parquet)`);
    connection.closeSync();
    writer.closeSync();

    await catalog.commit([registerTable({ table: "sra_study", files: [parquet] })]);
    await catalog.close();

    expect(await sharedEntries(root)).toEqual([]);
  });
});
