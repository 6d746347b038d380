import { dirname, isAbsolute, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { NotFoundError, ValidationError } from "@omicslake/core";

/** A snapshot as the catalog lists it. */
export interface DuckLakeSnapshot {
  readonly snapshotId: number;
  readonly time: Date;
  readonly schemaVersion: number;
  /** What the commit changed, as DuckLake writes it (`created_table:"main"."x"`, …). */
  readonly changes: string | null;
  readonly author: string | null;
  readonly message: string | null;
}

/** A top-level column of a table at a snapshot. */
export interface DuckLakeColumn {
  readonly columnId: number;
  readonly name: string;
  readonly type: string;
}

/** A data file of a table at a snapshot, with its path resolved and its column name mapping. */
export interface DuckLakeFile {
  readonly dataFileId: number;
  readonly path: string;
  readonly recordCount: number;
  readonly rowIdStart: number;
  /** Column id → the name that column has inside this Parquet file. */
  readonly sourceNames: ReadonlyMap<number, string>;
}

export interface ReadTableOptions {
  /** The snapshot to read (default: the latest). */
  readonly snapshot?: number;
  /** Column names to order by (default: the files' row ids, which is the order rows were registered in). */
  readonly orderBy?: readonly string[];
  readonly limit?: number;
}

type Row = Record<string, unknown>;

const literal = (s: string): string => {
  if (s.includes("\0")) throw new ValidationError("a DuckLake path or name holds a NUL character");
  return `'${s.replaceAll("'", "''")}'`;
};
const identifier = (s: string): string => {
  if (s.includes("\0")) throw new ValidationError("a DuckLake path or name holds a NUL character");
  return `"${s.replaceAll('"', '""')}"`;
};
const num = (v: unknown): number => Number(v);
/** A catalog text cell: DuckDB hands VARCHAR back as a string, NULL as null. */
const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

/**
 * Reads a DuckLake catalog the way an independent DuckLake reader would, from the catalog tables alone:
 * snapshots, the tables, columns and data files live at a snapshot, paths resolved data_path → schema
 * path → table path → file, and each file's columns matched through its name mapping. It exists so
 * tests, fsck-like checks and users can verify what the writer committed without trusting the writer's
 * own bookkeeping. It opens the catalog read-only and never writes.
 *
 * @example const reader = await DuckLakeReader.open("lake/ducklake/metadata.duckdb");
 *          const rows = await reader.readTable("sra_study", { orderBy: ["accession"], limit: 10 });
 *          await reader.close();
 */
export class DuckLakeReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** The catalog file's directory, with a trailing `/`: a relative `data_path` resolves from here. */
    private readonly catalogDir: string,
  ) {}

  static async open(metadataPath: string): Promise<DuckLakeReader> {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await connection.run(`ATTACH ${literal(metadataPath)} AS ducklake_catalog (READ_ONLY)`);
      await connection.run("USE ducklake_catalog");
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw new NotFoundError("DuckLake catalog", metadataPath, { cause: error });
    }
    return new DuckLakeReader(instance, connection, `${dirname(resolve(metadataPath))}/`);
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** Every snapshot, oldest first. */
  async snapshots(): Promise<DuckLakeSnapshot[]> {
    const rows = await this.all(
      `SELECT s.snapshot_id, s.snapshot_time, s.schema_version, c.changes_made, c.author, c.commit_message
         FROM ducklake_snapshot s LEFT JOIN ducklake_snapshot_changes c USING (snapshot_id) ORDER BY s.snapshot_id`,
    );
    return rows.map((r) => ({
      snapshotId: num(r.snapshot_id),
      time: r.snapshot_time instanceof Date ? r.snapshot_time : new Date(String(r.snapshot_time)),
      schemaVersion: num(r.schema_version),
      changes: text(r.changes_made),
      author: text(r.author),
      message: text(r.commit_message),
    }));
  }

  async latestSnapshot(): Promise<number> {
    const rows = await this.all("SELECT max(snapshot_id) AS s FROM ducklake_snapshot");
    return num(rows[0]?.s);
  }

  /** The names of the tables live at a snapshot (default: the latest), sorted. */
  async tables(snapshot?: number): Promise<string[]> {
    const at = await this.snapshotOrLatest(snapshot);
    const rows = await this.all(
      `SELECT table_name FROM ducklake_table t WHERE ${live("t", at)} ORDER BY table_name`,
    );
    return rows.map((r) => String(r.table_name));
  }

  /** The top-level columns of a table at a snapshot, in their order. */
  async columns(table: string, snapshot?: number): Promise<DuckLakeColumn[]> {
    const at = await this.snapshotOrLatest(snapshot);
    const { tableId } = await this.tableAt(table, at);
    const rows = await this.all(
      `SELECT column_id, column_name, column_type FROM ducklake_column c
        WHERE table_id = ${tableId} AND parent_column IS NULL AND ${live("c", at)} ORDER BY column_order`,
    );
    return rows.map((r) => ({
      columnId: num(r.column_id),
      name: String(r.column_name),
      type: String(r.column_type),
    }));
  }

  /** The data files of a table at a snapshot, in file order, with absolute paths. */
  async files(table: string, snapshot?: number): Promise<DuckLakeFile[]> {
    const at = await this.snapshotOrLatest(snapshot);
    const { tableId, prefix } = await this.tableAt(table, at);
    const rows = await this.all(
      `SELECT data_file_id, path, path_is_relative, record_count, row_id_start, mapping_id FROM ducklake_data_file f
        WHERE table_id = ${tableId} AND ${live("f", at)} ORDER BY file_order`,
    );
    const files: DuckLakeFile[] = [];
    for (const r of rows) {
      const mapping =
        r.mapping_id === null
          ? []
          : await this.all(
              `SELECT source_name, target_field_id FROM ducklake_name_mapping
                WHERE mapping_id = ${num(r.mapping_id)} AND parent_column IS NULL`,
            );
      files.push({
        dataFileId: num(r.data_file_id),
        path: r.path_is_relative === true ? `${prefix}${String(r.path)}` : String(r.path),
        recordCount: num(r.record_count),
        rowIdStart: num(r.row_id_start),
        sourceNames: new Map(mapping.map((m) => [num(m.target_field_id), String(m.source_name)])),
      });
    }
    return files;
  }

  /**
   * A table's rows at a snapshot, read from its Parquet files with each column taken by the name the
   * file's mapping gives (a column a file lacks reads as NULL, as DuckLake's schema evolution says).
   */
  async readTable(table: string, options: ReadTableOptions = {}): Promise<Row[]> {
    const at = await this.snapshotOrLatest(options.snapshot);
    const columns = await this.columns(table, at);
    const files = await this.files(table, at);
    if (files.length === 0) return [];
    const known = new Set(columns.map((c) => c.name));
    for (const name of options.orderBy ?? []) {
      if (!known.has(name)) {
        throw new ValidationError(`table "${table}" has no column "${name}" at snapshot ${at}`, {
          hint: `Order by one of: ${[...known].join(", ")}`,
        });
      }
    }
    const selects = files.map((file) => {
      const list = columns.map((c) => {
        const source = file.sourceNames.get(c.columnId) ?? (file.sourceNames.size === 0 ? c.name : undefined);
        return source === undefined
          ? `NULL AS ${identifier(c.name)}`
          : `${identifier(source)} AS ${identifier(c.name)}`;
      });
      return `SELECT ${list.join(", ")}, ${file.rowIdStart} + file_row_number AS _ducklake_row_id
                FROM read_parquet(${literal(file.path)}, file_row_number = true)`;
    });
    const order = (options.orderBy ?? []).map(identifier).concat("_ducklake_row_id").join(", ");
    const limit = options.limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.trunc(options.limit))}`;
    const rows = await this.all(
      `SELECT * EXCLUDE (_ducklake_row_id) FROM (${selects.join(" UNION ALL ")}) ORDER BY ${order}${limit}`,
    );
    return rows;
  }

  private async snapshotOrLatest(snapshot: number | undefined): Promise<number> {
    const latest = await this.latestSnapshot();
    if (snapshot === undefined) return latest;
    if (!Number.isInteger(snapshot) || snapshot < 0 || snapshot > latest) {
      throw new NotFoundError("DuckLake snapshot", snapshot, { hint: `The latest snapshot is ${latest}` });
    }
    return snapshot;
  }

  private async tableAt(table: string, at: number): Promise<{ tableId: number; prefix: string }> {
    const rows = await this.all(
      `SELECT t.table_id, t.path AS table_path, t.path_is_relative AS table_relative,
              s.path AS schema_path, s.path_is_relative AS schema_relative
         FROM ducklake_table t JOIN ducklake_schema s USING (schema_id)
        WHERE t.table_name = ${literal(table)} AND ${live("t", at)} AND ${live("s", at)}`,
    );
    const row = rows[0];
    if (row === undefined) throw new NotFoundError("DuckLake table", table, { hint: `at snapshot ${at}` });
    const stored =
      text((await this.all("SELECT value FROM ducklake_metadata WHERE key = 'data_path'"))[0]?.value) ?? "";
    // A published catalog keeps its data path relative to itself (`data/`), so the catalog and its data
    // folder can move together; absolute paths and URLs are used as they are.
    const dataPath =
      isAbsolute(stored) || /^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(stored)
        ? stored
        : `${this.catalogDir}${stored}`;
    const schemaPath =
      row.schema_relative === false ? String(row.schema_path) : `${dataPath}${String(row.schema_path)}`;
    const prefix =
      row.table_relative === false ? String(row.table_path) : `${schemaPath}${String(row.table_path)}`;
    return { tableId: num(row.table_id), prefix };
  }

  private async all(sql: string): Promise<Row[]> {
    return (await this.connection.runAndReadAll(sql)).getRowObjectsJS();
  }
}

/** A catalog row is live at a snapshot when it began at or before it and had not ended by it. */
function live(alias: string, snapshot: number): string {
  return `${alias}.begin_snapshot <= ${snapshot} AND (${alias}.end_snapshot IS NULL OR ${alias}.end_snapshot > ${snapshot})`;
}
