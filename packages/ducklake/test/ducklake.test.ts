import { mkdir, mkdtemp, open, realpath, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError, PolicyError } from "@omicslake/core";
import type { OmicslakeError } from "@omicslake/core";
import { DUCKLAKE_TABLES, DuckLakeCatalog, dropTable, registerTable } from "../src/index.js";

type Row = Record<string, unknown>;

let dir: string;
let writer: DuckDBInstance;
let writerConnection: DuckDBConnection;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-ducklake-"));
  writer = await DuckDBInstance.create(":memory:");
  writerConnection = await writer.connect();
});

afterEach(async () => {
  writerConnection.closeSync();
  writer.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Writes a Parquet file with DuckDB from a SELECT, in row groups of 2,048 rows. */
async function writeParquet(path: string, select: string): Promise<string> {
  await mkdir(join(path, ".."), { recursive: true });
  await writerConnection.run(`COPY (${select}) TO ${q(path)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  return path;
}

/** Entity-like rows: strings with nulls and non-ASCII text, NaN and infinity, lists of structs, a struct. */
function studySelect(from: number, count: number, extra = ""): string {
  return `SELECT i AS id,
      CASE WHEN i % 7 = 0 THEN NULL WHEN i % 11 = 0 THEN 'étude ' || i ELSE 'SRP' || lpad(i::VARCHAR, 6, '0') END AS accession,
      CASE WHEN i % 13 = 0 THEN NULL WHEN i = ${from + 17} THEN 'NaN'::DOUBLE WHEN i = ${from + 23} THEN 'inf'::DOUBLE
           ELSE i / 3.0 END AS score,
      i % 2 = 0 AS is_public,
      DATE '2020-01-01' + (i % 1000)::INT AS released,
      CASE WHEN i % 5 = 0 THEN NULL WHEN i % 5 = 1 THEN []
           ELSE [{'tag': 'strain', 'value': 'K-' || i}, {'tag': 'organism', 'value': NULL}] END AS attributes,
      {'taxon_id': i % 97, 'name': 'Homo sapiens'} AS organism${extra}
    FROM range(${from}, ${from + count}) t(i)`;
}

/** Opens the catalog file read-only in a separate DuckDB, the way an independent reader would. */
async function inspect<T>(metadataPath: string, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH ${q(metadataPath)} AS cat (READ_ONLY)`);
    await connection.run("USE cat");
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function all(c: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJS();
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

async function footerLength(path: string): Promise<number> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    expect(tail.subarray(4).toString("latin1")).toBe("PAR1");
    return tail.readUInt32LE(0);
  } finally {
    await handle.close();
  }
}

/** Catalog-wide invariants that must hold after every commit. */
async function checkInvariants(metadataPath: string, dataPath: string): Promise<void> {
  await inspect(metadataPath, async (c) => {
    const tables = (
      await all(c, "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'cat'")
    ).map((r) => String(r.table_name));
    for (const t of DUCKLAKE_TABLES) expect(tables).toContain(t);
    expect(DUCKLAKE_TABLES).toHaveLength(28);
    for (const empty of [
      "ducklake_view",
      "ducklake_tag",
      "ducklake_column_tag",
      "ducklake_delete_file",
      "ducklake_file_variant_stats",
      "ducklake_partition_info",
      "ducklake_partition_column",
      "ducklake_file_partition_value",
      "ducklake_files_scheduled_for_deletion",
      "ducklake_inlined_data_tables",
      "ducklake_macro",
      "ducklake_macro_impl",
      "ducklake_macro_parameters",
      "ducklake_sort_info",
      "ducklake_sort_expression",
    ]) {
      expect(n((await all(c, `SELECT count(*) AS k FROM ${empty}`))[0]?.k), empty).toBe(0);
    }

    const metadata = Object.fromEntries(
      (await all(c, "SELECT key, value FROM ducklake_metadata")).map((r) => [String(r.key), String(r.value)]),
    );
    expect(metadata).toMatchObject({ version: "1.0", encrypted: "false", data_path: dataPath });
    expect(metadata.created_by).toBeTruthy();
    expect(dataPath.endsWith("/")).toBe(true);

    // Snapshots: 0, 1, 2, … with counters that never go back and cover every id handed out.
    const snapshots = await all(c, "SELECT * FROM ducklake_snapshot ORDER BY snapshot_id");
    snapshots.forEach((s, i) => expect(n(s.snapshot_id)).toBe(i));
    for (let i = 1; i < snapshots.length; i++) {
      const [a, b] = [snapshots[i - 1] as Row, snapshots[i] as Row];
      expect(n(b.next_catalog_id)).toBeGreaterThanOrEqual(n(a.next_catalog_id) as number);
      expect(n(b.next_file_id)).toBeGreaterThanOrEqual(n(a.next_file_id) as number);
      expect(n(b.schema_version)).toBeGreaterThanOrEqual(n(a.schema_version) as number);
    }
    const last = snapshots.at(-1) as Row;
    const maxCatalogId = n(
      (
        await all(
          c,
          `SELECT max(id) AS m FROM (SELECT schema_id AS id FROM ducklake_schema UNION ALL SELECT table_id FROM ducklake_table
             UNION ALL SELECT mapping_id FROM ducklake_column_mapping)`,
        )
      )[0]?.m,
    );
    expect(n(last.next_catalog_id)).toBe((maxCatalogId ?? -1) + 1);
    const maxFileId = n((await all(c, "SELECT max(data_file_id) AS m FROM ducklake_data_file"))[0]?.m);
    expect(n(last.next_file_id)).toBe((maxFileId ?? -1) + 1);
    const changes = await all(c, "SELECT snapshot_id FROM ducklake_snapshot_changes ORDER BY snapshot_id");
    expect(changes.map((r) => n(r.snapshot_id))).toEqual(snapshots.map((s) => n(s.snapshot_id)));
    // Every row's range is a valid interval of existing snapshots.
    for (const t of ["ducklake_schema", "ducklake_table", "ducklake_column", "ducklake_data_file"]) {
      const bad = await all(
        c,
        `SELECT * FROM ${t} WHERE begin_snapshot > ${n(last.snapshot_id)} OR end_snapshot <= begin_snapshot
           OR end_snapshot > ${n(last.snapshot_id)}`,
      );
      expect(bad, t).toEqual([]);
    }

    const liveTables = await all(c, "SELECT * FROM ducklake_table WHERE end_snapshot IS NULL");
    for (const table of liveTables) {
      const tableId = n(table.table_id);
      // Row ids: every file ever registered owns its own range, and the live ones follow each other.
      const everFiles = await all(
        c,
        `SELECT row_id_start, record_count FROM ducklake_data_file WHERE table_id = ${tableId} ORDER BY row_id_start`,
      );
      for (let i = 1; i < everFiles.length; i++) {
        const prev = everFiles[i - 1] as Row;
        expect(n((everFiles[i] as Row).row_id_start)).toBe(
          (n(prev.row_id_start) as number) + (n(prev.record_count) as number),
        );
      }
      const live = await all(
        c,
        `SELECT * FROM ducklake_data_file WHERE table_id = ${tableId} AND end_snapshot IS NULL ORDER BY file_order`,
      );
      expect(live.length).toBeGreaterThan(0);
      for (let i = 1; i < live.length; i++) {
        const prev = live[i - 1] as Row;
        expect(n((live[i] as Row).row_id_start)).toBe(
          (n(prev.row_id_start) as number) + (n(prev.record_count) as number),
        );
      }
      const stats = (
        await all(c, `SELECT * FROM ducklake_table_stats WHERE table_id = ${tableId}`)
      )[0] as Row;
      expect(n(stats.record_count)).toBe(live.reduce((s, f) => s + (n(f.record_count) as number), 0));
      expect(n(stats.file_size_bytes)).toBe(live.reduce((s, f) => s + (n(f.file_size_bytes) as number), 0));
      const lastLive = live.at(-1) as Row;
      expect(n(stats.next_row_id)).toBe(
        (n(lastLive.row_id_start) as number) + (n(lastLive.record_count) as number),
      );
      const lastEver = everFiles.at(-1) as Row;
      expect(n(stats.next_row_id)).toBe(
        (n(lastEver.row_id_start) as number) + (n(lastEver.record_count) as number),
      );

      // Every live file is mapped by name onto live columns of its table.
      for (const file of live) {
        const mapping = await all(
          c,
          `SELECT * FROM ducklake_column_mapping WHERE mapping_id = ${n(file.mapping_id)}`,
        );
        expect(mapping).toEqual([
          expect.objectContaining({ table_id: BigInt(tableId as number), type: "map_by_name" }),
        ]);
        const unmapped = await all(
          c,
          `SELECT m.* FROM ducklake_name_mapping m WHERE m.mapping_id = ${n(file.mapping_id)} AND m.target_field_id NOT IN
             (SELECT column_id FROM ducklake_column WHERE table_id = ${tableId} AND end_snapshot IS NULL)`,
        );
        expect(unmapped).toEqual([]);
      }
      // Table column stats cover exactly the live leaf columns.
      const leafIds = await all(
        c,
        `SELECT column_id FROM ducklake_column c WHERE table_id = ${tableId} AND end_snapshot IS NULL AND NOT EXISTS
           (SELECT 1 FROM ducklake_column k WHERE k.parent_column = c.column_id AND k.table_id = c.table_id AND k.end_snapshot IS NULL)
         ORDER BY column_id`,
      );
      const statIds = await all(
        c,
        `SELECT column_id FROM ducklake_table_column_stats WHERE table_id = ${tableId} ORDER BY column_id`,
      );
      expect(statIds).toEqual(leafIds);
    }
  });
}

/** Checks every registered file's recorded facts against the file itself, read independently. */
async function checkFileFacts(metadataPath: string): Promise<number> {
  const files = await inspect(metadataPath, async (c) => {
    const rows = await all(
      c,
      `SELECT f.*, t.table_name, t.path AS table_path, s.path AS schema_path, (SELECT value FROM ducklake_metadata WHERE key = 'data_path') AS data_path
       FROM ducklake_data_file f JOIN ducklake_table t USING (table_id) JOIN ducklake_schema s USING (schema_id)`,
    );
    const out: { file: Row; stats: Row[]; columns: Row[] }[] = [];
    for (const file of rows) {
      const stats = await all(
        c,
        `SELECT * FROM ducklake_file_column_stats WHERE data_file_id = ${n(file.data_file_id)}`,
      );
      const columns = await all(
        c,
        `SELECT * FROM ducklake_column WHERE table_id = ${n(file.table_id)}
           AND begin_snapshot <= ${n(file.begin_snapshot)} AND (end_snapshot IS NULL OR end_snapshot > ${n(file.begin_snapshot)})`,
      );
      out.push({ file, stats, columns });
    }
    return out;
  });
  for (const { file, stats, columns } of files) {
    const path = file.path_is_relative
      ? `${String(file.data_path)}${String(file.schema_path)}${String(file.table_path)}${String(file.path)}`
      : String(file.path);
    expect(n(file.file_size_bytes)).toBe((await stat(path)).size);
    expect(n(file.footer_size)).toBe(await footerLength(path));
    const src = `read_parquet(${q(path)})`;
    const count = (await all(writerConnection, `SELECT count(*) AS k FROM ${src}`))[0]?.k;
    expect(n(file.record_count)).toBe(n(count));

    const byId = new Map(columns.map((col) => [n(col.column_id), col]));
    expect(stats.length).toBeGreaterThan(0);
    for (const stat of stats) {
      const column = byId.get(n(stat.column_id));
      expect(column, `column ${n(stat.column_id)}`).toBeDefined();
      if (!column) continue;
      // The SQL path to the leaf: top-level columns directly, struct fields with dots, list elements via unnest.
      const chain: Row[] = [column];
      for (let p = column.parent_column; p !== null; p = (byId.get(n(p)) as Row).parent_column) {
        chain.unshift(byId.get(n(p)) as Row);
      }
      let from = src;
      let expr = "";
      for (const part of chain) {
        const name = `"${String(part.column_name)}"`;
        if (part.column_name === "element") {
          from = `(SELECT unnest(${expr}) AS e FROM ${from})`;
          expr = "e";
        } else {
          expr = expr === "" ? name : `${expr}.${name}`;
        }
      }
      const type = String(column.column_type);
      const isFloat = type === "float32" || type === "float64";
      const valueExpr = isFloat ? `CASE WHEN isnan(${expr}) THEN NULL ELSE ${expr} END` : expr;
      const facts = (
        await all(
          writerConnection,
          `SELECT CAST(min(${valueExpr}) AS VARCHAR) AS lo, CAST(max(${valueExpr}) AS VARCHAR) AS hi,
                  count(*) - count(${expr}) AS nulls, ${isFloat ? `bool_or(isnan(${expr}))` : "NULL"} AS nan
           FROM ${from}`,
        )
      )[0] as Row;
      const encode = (v: unknown): string | null =>
        v === null ? null : type === "boolean" ? (v === "true" ? "1" : "0") : (v as string);
      const where = `${String(file.table_name)}.${chain.map((p) => String(p.column_name)).join(".")}`;
      // Blob bounds are left unknown (see encodeStatValue); every other type has exact bounds.
      expect(stat.min_value, `min of ${where}`).toBe(type === "blob" ? null : encode(facts.lo));
      expect(stat.max_value, `max of ${where}`).toBe(type === "blob" ? null : encode(facts.hi));
      if (chain.length === 1) {
        // Top-level null counts are row counts; nested leaves count Parquet leaf slots.
        expect(n(stat.null_count), `nulls of ${where}`).toBe(n(facts.nulls));
        expect(n(stat.value_count), `values of ${where}`).toBe(n(count));
      }
      if (isFloat && chain.length === 1)
        expect(stat.contains_nan, `NaN of ${where}`).toBe(facts.nan === true);
      expect(n(stat.column_size_bytes)).toBeGreaterThan(0);
    }
  }
  return files.length;
}

describe("DuckLakeCatalog", () => {
  it("creates a v1.0 catalog with snapshot 0, schema main and all tables", async () => {
    const metadataPath = join(dir, "catalog", "lake.ducklake");
    const catalog = await DuckLakeCatalog.open({
      metadataPath,
      dataPath: join(dir, "data"),
      createdBy: "omicslake test",
    });
    const snapshot = await catalog.currentSnapshot();
    expect(snapshot).toMatchObject({ snapshotId: 0, schemaVersion: 0, nextCatalogId: 1, nextFileId: 0 });
    expect(snapshot.changesMade).toBe('created_schema:"main"');
    expect(await catalog.listTables()).toEqual([]);
    const dataPath = catalog.dataPath;
    await catalog.close();

    await checkInvariants(metadataPath, dataPath);
    await inspect(metadataPath, async (c) => {
      expect(
        await all(
          c,
          "SELECT schema_id, schema_name, path, path_is_relative, end_snapshot FROM ducklake_schema",
        ),
      ).toEqual([
        { schema_id: 0n, schema_name: "main", path: "main/", path_is_relative: true, end_snapshot: null },
      ]);
      expect((await all(c, "SELECT value FROM ducklake_metadata WHERE key = 'created_by'"))[0]?.value).toBe(
        "omicslake test",
      );
    });
  });

  it("registers, replaces with schema evolution and drops tables, one snapshot per commit", async () => {
    const metadataPath = join(dir, "lake.ducklake");
    const dataPath = join(dir, "ducklake");
    const tableDir = join(dataPath, "main", "sra_study");
    const study0 = await writeParquet(join(tableDir, "v1-part-0.parquet"), studySelect(0, 5000));
    const study1 = await writeParquet(join(tableDir, "v1-part-1.parquet"), studySelect(5000, 3000));
    // A file outside the table directory is recorded with its absolute path.
    const runs = await writeParquet(
      join(dir, "elsewhere", "runs.parquet"),
      "SELECT 'SRR' || i AS run, i::INTEGER AS spots, CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5 END::FLOAT AS gb, encode('md5:' || i) AS digest FROM range(100) t(i)",
    );

    let catalog = await DuckLakeCatalog.open({ metadataPath, dataPath });
    const first = await catalog.commit(
      [
        registerTable({ table: "sra_study", files: [study0, study1] }),
        registerTable({ table: "sra_run", files: [runs] }),
      ],
      { author: "consolidate", message: "run 1" },
    );
    expect(first).toMatchObject({
      snapshotId: 1,
      schemaVersion: 1,
      author: "consolidate",
      commitMessage: "run 1",
    });
    expect(first.changesMade.split(",").sort()).toEqual(
      [
        'created_table:"main"."sra_run"',
        'created_table:"main"."sra_study"',
        "inserted_into_table:1",
        "inserted_into_table:2",
      ].sort(),
    );
    const tables = await catalog.listTables();
    expect(tables.map((t) => [t.name, t.tableId, t.recordCount])).toEqual([
      ["sra_run", 2, 100],
      ["sra_study", 1, 8000],
    ]);
    const studyFiles = await catalog.tableFiles("sra_study");
    expect(studyFiles.map((f) => [f.path, f.pathIsRelative, f.rowIdStart, f.recordCount])).toEqual([
      ["v1-part-0.parquet", true, 0, 5000],
      ["v1-part-1.parquet", true, 5000, 3000],
    ]);
    const runFiles = await catalog.tableFiles("sra_run");
    expect(runFiles[0]).toMatchObject({ pathIsRelative: false, path: await realpath(runs) });
    await catalog.close();
    await checkInvariants(metadataPath, catalog.dataPath);
    expect(await checkFileFacts(metadataPath)).toBe(3);

    // Columns: nested types become child rows; the list of structs has list → element(struct) → tag, value.
    const columnsBefore = await inspect(metadataPath, (c) =>
      all(
        c,
        "SELECT column_id, column_name, column_type, parent_column FROM ducklake_column WHERE table_id = 1 ORDER BY column_id",
      ),
    );
    expect(
      columnsBefore.map((r) => [n(r.column_id), r.column_name, r.column_type, n(r.parent_column)]),
    ).toEqual([
      [1, "id", "int64", null],
      [2, "accession", "varchar", null],
      [3, "score", "float64", null],
      [4, "is_public", "boolean", null],
      [5, "released", "date", null],
      [6, "attributes", "list", null],
      [7, "element", "struct", 6],
      [8, "tag", "varchar", 7],
      [9, "value", "varchar", 7],
      [10, "organism", "struct", null],
      [11, "taxon_id", "int64", 10],
      [12, "name", "varchar", 10],
    ]);

    // Next consolidation: score retyped, released removed, center_name added; old files ended at snapshot 2.
    const v2 = await writeParquet(
      join(tableDir, "v2-part-0.parquet"),
      `SELECT * EXCLUDE (released, score) REPLACE (id + 0 AS id), (id % 5)::INTEGER AS score,
              CASE WHEN id % 2 = 0 THEN 'EBI' END AS center_name
       FROM (${studySelect(0, 6000)})`,
    );
    catalog = await DuckLakeCatalog.open({ metadataPath, dataPath });
    const second = await catalog.commit([registerTable({ table: "sra_study", files: [v2] })], {
      author: "consolidate",
    });
    expect(second).toMatchObject({ snapshotId: 2, schemaVersion: 2 });
    expect(second.changesMade.split(",").sort()).toEqual(
      ["altered_table:1", "deleted_from_table:1", "inserted_into_table:1"].sort(),
    );
    const replaced = await catalog.tableFiles("sra_study");
    expect(replaced.map((f) => [f.path, f.rowIdStart, f.recordCount, f.beginSnapshot])).toEqual([
      ["v2-part-0.parquet", 8000, 6000, 2],
    ]);
    expect((await catalog.listTables()).find((t) => t.name === "sra_study")).toMatchObject({
      recordCount: 6000,
      nextRowId: 14000,
    });
    await catalog.close();
    await checkInvariants(metadataPath, catalog.dataPath);
    expect(await checkFileFacts(metadataPath)).toBe(4);
    await inspect(metadataPath, async (c) => {
      const ended = await all(
        c,
        "SELECT data_file_id, end_snapshot FROM ducklake_data_file WHERE table_id = 1 ORDER BY data_file_id",
      );
      expect(ended.map((r) => [n(r.data_file_id), n(r.end_snapshot)])).toEqual([
        [0, 2],
        [1, 2],
        [3, null],
      ]);
      const cols = await all(
        c,
        "SELECT column_id, column_name, column_type, begin_snapshot, end_snapshot FROM ducklake_column WHERE table_id = 1 AND parent_column IS NULL ORDER BY column_id",
      );
      expect(
        cols.map((r) => [
          n(r.column_id),
          r.column_name,
          r.column_type,
          n(r.begin_snapshot),
          n(r.end_snapshot),
        ]),
      ).toEqual([
        [1, "id", "int64", 1, null],
        [2, "accession", "varchar", 1, null],
        [3, "score", "float64", 1, 2],
        [4, "is_public", "boolean", 1, null],
        [5, "released", "date", 1, 2],
        [6, "attributes", "list", 1, null],
        [10, "organism", "struct", 1, null],
        [13, "score", "int32", 2, null],
        [14, "center_name", "varchar", 2, null],
      ]);
      const versions = await all(
        c,
        "SELECT * FROM ducklake_schema_versions ORDER BY begin_snapshot, table_id",
      );
      expect(versions.map((r) => [n(r.begin_snapshot), n(r.schema_version), n(r.table_id)])).toEqual([
        [1, 1, 1],
        [1, 1, 2],
        [2, 2, 1],
      ]);
      // The name mapping of the new file: a tree whose parent_column points at entries of the same mapping.
      const mapping = await all(
        c,
        `SELECT m.column_id, m.source_name, m.target_field_id, m.parent_column FROM ducklake_name_mapping m
           JOIN ducklake_data_file f USING (mapping_id) WHERE f.data_file_id = 3 ORDER BY m.column_id`,
      );
      const entries = mapping.map((r) => [r.source_name, n(r.target_field_id), n(r.parent_column)]);
      expect(entries).toContainEqual(["score", 13, null]);
      expect(entries).toContainEqual(["attributes", 6, null]);
      const listEntry = mapping.find((r) => r.source_name === "attributes") as Row;
      const element = mapping.find((r) => n(r.parent_column) === n(listEntry.column_id)) as Row;
      expect([element.source_name, n(element.target_field_id)]).toEqual(["list", 7]);
      expect(
        mapping.filter((r) => n(r.parent_column) === n(element.column_id)).map((r) => r.source_name),
      ).toEqual(["tag", "value"]);
    });

    // Dropping ends the table, its columns and its files.
    catalog = await DuckLakeCatalog.open({ metadataPath, dataPath });
    const third = await catalog.commit([dropTable("sra_run")]);
    expect(third).toMatchObject({ snapshotId: 3, schemaVersion: 3, changesMade: "dropped_table:2" });
    expect((await catalog.listTables()).map((t) => t.name)).toEqual(["sra_study"]);
    await expect(catalog.tableFiles("sra_run")).rejects.toBeInstanceOf(NotFoundError);
    await catalog.close();
    await checkInvariants(metadataPath, catalog.dataPath);
    await inspect(metadataPath, async (c) => {
      const leftovers = await all(
        c,
        `SELECT 'table' AS kind FROM ducklake_table WHERE table_id = 2 AND end_snapshot IS NULL
         UNION ALL SELECT 'column' FROM ducklake_column WHERE table_id = 2 AND end_snapshot IS NULL
         UNION ALL SELECT 'file' FROM ducklake_data_file WHERE table_id = 2 AND end_snapshot IS NULL`,
      );
      expect(leftovers).toEqual([]);
      expect(
        n((await all(c, "SELECT end_snapshot FROM ducklake_table WHERE table_id = 2"))[0]?.end_snapshot),
      ).toBe(3);
    });
  });

  it("reads back every registered row through the specification's queries and name mappings", async () => {
    const metadataPath = join(dir, "lake.ducklake");
    const dataPath = join(dir, "ducklake");
    const tableDir = join(dataPath, "main", "biosample");
    const parts = [
      await writeParquet(join(tableDir, "p0.parquet"), studySelect(0, 3000)),
      await writeParquet(join(tableDir, "p1.parquet"), studySelect(3000, 2500)),
    ];
    const catalog = await DuckLakeCatalog.open({ metadataPath, dataPath });
    await catalog.commit([registerTable({ table: "biosample", files: parts })]);
    await catalog.close();

    // A reader that knows only the catalog tables: current snapshot, live table, live columns, live files, paths
    // resolved data_path → schema path → table path, columns matched through each file's name mapping.
    const plan = await inspect(metadataPath, async (c) => {
      const snapshot = n(
        (await all(c, "SELECT max(snapshot_id) AS s FROM ducklake_snapshot"))[0]?.s,
      ) as number;
      const live = (kind: string): string =>
        `${kind}.begin_snapshot <= ${snapshot} AND (${kind}.end_snapshot IS NULL OR ${kind}.end_snapshot > ${snapshot})`;
      const table = (
        await all(
          c,
          `SELECT t.table_id, t.path AS table_path, s.path AS schema_path FROM ducklake_table t JOIN ducklake_schema s USING (schema_id)
           WHERE t.table_name = 'biosample' AND ${live("t")} AND ${live("s")}`,
        )
      )[0] as Row;
      const columns = await all(
        c,
        `SELECT column_id, column_name FROM ducklake_column col WHERE table_id = ${n(table.table_id)} AND parent_column IS NULL
           AND ${live("col")} ORDER BY column_order`,
      );
      const dataPathValue = String(
        (await all(c, "SELECT value FROM ducklake_metadata WHERE key = 'data_path'"))[0]?.value,
      );
      const files = await all(
        c,
        `SELECT data_file_id, path, path_is_relative, row_id_start, record_count, mapping_id FROM ducklake_data_file f
         WHERE table_id = ${n(table.table_id)} AND ${live("f")} ORDER BY file_order`,
      );
      const out = [];
      for (const f of files) {
        const mapping = await all(
          c,
          `SELECT source_name, target_field_id FROM ducklake_name_mapping WHERE mapping_id = ${n(f.mapping_id)} AND parent_column IS NULL`,
        );
        out.push({
          path: f.path_is_relative
            ? `${dataPathValue}${String(table.schema_path)}${String(table.table_path)}${String(f.path)}`
            : String(f.path),
          rowIdStart: n(f.row_id_start) as number,
          sourceOf: new Map(mapping.map((m) => [n(m.target_field_id), String(m.source_name)])),
        });
      }
      return { columns, files: out };
    });
    expect(plan.files.map((f) => f.path)).toEqual(await Promise.all(parts.map((p) => realpath(p))));
    const selects = plan.files.map((f) => {
      const list = plan.columns.map((col) => {
        const source = f.sourceOf.get(n(col.column_id));
        expect(source, `mapping for ${String(col.column_name)}`).toBeDefined();
        return `"${String(source)}" AS "${String(col.column_name)}"`;
      });
      return `SELECT ${f.rowIdStart} + row_number() OVER () - 1 AS rowid, ${list.join(", ")} FROM read_parquet(${q(f.path)})`;
    });
    const viaCatalog = `(${selects.join(" UNION ALL ")})`;
    const original = `(SELECT * FROM read_parquet([${parts.map(q).join(", ")}]))`;
    const summary = (from: string): string =>
      `SELECT count(*) AS k, count(DISTINCT id) AS ids, sum(hash(id, accession, score, is_public, released, attributes, organism)) AS h FROM ${from}`;
    expect(await all(writerConnection, summary(viaCatalog))).toEqual(
      await all(writerConnection, summary(original)),
    );
    const rowIds = (
      await all(
        writerConnection,
        `SELECT min(rowid) AS lo, max(rowid) AS hi, count(DISTINCT rowid) AS k FROM ${viaCatalog}`,
      )
    )[0] as Row;
    expect([n(rowIds.lo), n(rowIds.hi), n(rowIds.k)]).toEqual([0, 5499, 5500]);
  });

  it("keeps column ids and the schema version when the schema is unchanged", async () => {
    const metadataPath = join(dir, "lake.ducklake");
    const dataPath = join(dir, "ducklake");
    const a = await writeParquet(join(dataPath, "main", "geo_series", "a.parquet"), studySelect(0, 10));
    const b = await writeParquet(join(dataPath, "main", "geo_series", "b.parquet"), studySelect(10, 20));
    const catalog = await DuckLakeCatalog.open({ metadataPath, dataPath });
    await catalog.commit([registerTable({ table: "geo_series", files: [a] })]);
    const next = await catalog.commit([registerTable({ table: "geo_series", files: [b] })]);
    expect(next).toMatchObject({
      snapshotId: 2,
      schemaVersion: 1,
      changesMade: "deleted_from_table:1,inserted_into_table:1",
    });
    expect(await catalog.tableFiles("geo_series")).toEqual([
      expect.objectContaining({ path: "b.parquet", rowIdStart: 10, recordCount: 20 }),
    ]);
    await catalog.close();
    await checkInvariants(metadataPath, catalog.dataPath);
    expect(await checkFileFacts(metadataPath)).toBe(2);
    await inspect(metadataPath, async (c) => {
      expect(
        n((await all(c, "SELECT count(*) AS k FROM ducklake_column WHERE end_snapshot IS NOT NULL"))[0]?.k),
      ).toBe(0);
    });
  });

  it("refuses files in the raw layer, directly or through a link, and leaves the catalog untouched", async () => {
    const metadataPath = join(dir, "lake.ducklake");
    const rawFile = await writeParquet(
      join(dir, "lake", "raw", "ncbi", "sra", "study.parquet"),
      studySelect(0, 10),
    );
    const link = join(dir, "lake", "curated", "study.parquet");
    await mkdir(join(dir, "lake", "curated"), { recursive: true });
    await symlink(rawFile, link);
    const catalog = await DuckLakeCatalog.open({ metadataPath, dataPath: join(dir, "lake", "curated") });
    for (const file of [rawFile, link]) {
      const error = await catalog
        .commit([registerTable({ table: "sra_study", files: [file] })])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as OmicslakeError).code).toBe("raw_not_registrable");
      expect((error as OmicslakeError).details).toMatchObject({ file, key: "sra_study" });
    }
    expect(await catalog.currentSnapshot()).toMatchObject({ snapshotId: 0, nextCatalogId: 1, nextFileId: 0 });
    expect(await catalog.listTables()).toEqual([]);
    await catalog.close();
  });

  it("leaves the previous snapshot intact when a commit fails, before or inside the transaction", async () => {
    const metadataPath = join(dir, "lake.ducklake");
    const dataPath = join(dir, "ducklake");
    const good = await writeParquet(join(dataPath, "main", "pubmed", "a.parquet"), studySelect(0, 50));
    const catalog = await DuckLakeCatalog.open({ metadataPath, dataPath });
    await catalog.commit([registerTable({ table: "pubmed", files: [good] })]);
    const before = await catalog.currentSnapshot();
    await catalog.close();
    const rowCounts = (): Promise<Row[]> =>
      inspect(metadataPath, (c) =>
        all(
          c,
          DUCKLAKE_TABLES.map((t) => `SELECT '${t}' AS t, count(*) AS k FROM ${t}`).join(" UNION ALL ") +
            " ORDER BY t",
        ),
      );
    const countsBefore = await rowCounts();

    const reopened = await DuckLakeCatalog.open({ metadataPath, dataPath });
    // A missing file fails while the footers are read, before anything is written.
    const missing = join(dataPath, "main", "pubmed", "missing.parquet");
    await expect(
      reopened.commit([registerTable({ table: "pubmed", files: [good, missing] })]),
    ).rejects.toBeInstanceOf(NotFoundError);
    // Dropping an unknown table fails inside the transaction, after the new table's rows were inserted.
    const other = await writeParquet(join(dataPath, "main", "biosample", "a.parquet"), studySelect(0, 5));
    await expect(
      reopened.commit([registerTable({ table: "biosample", files: [other] }), dropTable("no_such_table")]),
    ).rejects.toBeInstanceOf(NotFoundError);
    // A file that is not Parquet.
    const notParquet = join(dataPath, "main", "pubmed", "b.parquet");
    await (await open(notParquet, "w")).close();
    await expect(
      reopened.commit([registerTable({ table: "pubmed", files: [notParquet] })]),
    ).rejects.toMatchObject({
      code: "invalid_input",
    });
    expect(await reopened.currentSnapshot()).toEqual(before);
    expect((await reopened.listTables()).map((t) => t.name)).toEqual(["pubmed"]);
    await reopened.close();
    expect(await rowCounts()).toEqual(countsBefore);
    await checkInvariants(metadataPath, reopened.dataPath);
  });

  it("refuses to reopen a catalog with another data path", async () => {
    const metadataPath = join(dir, "lake.ducklake");
    const catalog = await DuckLakeCatalog.open({ metadataPath, dataPath: join(dir, "a") });
    await catalog.close();
    await expect(DuckLakeCatalog.open({ metadataPath, dataPath: join(dir, "b") })).rejects.toMatchObject({
      code: "conflict",
    });
    const again = await DuckLakeCatalog.open({ metadataPath, dataPath: join(dir, "a") });
    expect((await again.currentSnapshot()).snapshotId).toBe(0);
    await again.close();
  });
});
