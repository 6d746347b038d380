import { randomUUID } from "node:crypto";
import { mkdir, realpath } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { ConflictError, NotFoundError, PolicyError, ValidationError } from "@omicslake/core";
import {
  openDuckDb,
  PRIVATE_DIR_MODE,
  sqlIdentifier,
  tightenTree,
  type DuckDbSession,
} from "@omicslake/core";
import type { DuckLakeChange, RegisterTableChange } from "./ducklake-change.js";
import { createTableStatements, DUCKLAKE_FORMAT_VERSION } from "./ducklake-schema.js";
import { compareStatValues } from "./ducklake-types.js";
import { readParquetFacts, scalarText, typeSignature } from "./parquet-footer-reader.js";
import type { ParquetColumnNode, ParquetFileFacts, ParquetLeafStats } from "./parquet-footer-reader.js";

export interface DuckLakeOpenOptions {
  /** The DuckDB file holding the catalog tables; created with its parent directories on first use. */
  readonly metadataPath: string;
  /** The directory the catalog's relative paths resolve from; created if missing, stored with a trailing `/`. */
  readonly dataPath: string;
  /** Recorded as `created_by` when the catalog is created. */
  readonly createdBy?: string;
}

export interface DuckLakeCommitOptions {
  readonly author?: string;
  readonly message?: string;
  readonly extraInfo?: string;
}

export interface DuckLakeSnapshotInfo {
  readonly snapshotId: number;
  readonly snapshotTime: Date;
  readonly schemaVersion: number;
  readonly nextCatalogId: number;
  readonly nextFileId: number;
  readonly changesMade: string;
  readonly author: string | null;
  readonly commitMessage: string | null;
}

export interface DuckLakeTableInfo {
  readonly tableId: number;
  readonly name: string;
  /** The table's directory, absolute. */
  readonly path: string;
  readonly beginSnapshot: number;
  readonly recordCount: number;
  readonly fileSizeBytes: number;
  readonly nextRowId: number;
}

export interface DuckLakeDataFileInfo {
  readonly dataFileId: number;
  readonly tableId: number;
  readonly beginSnapshot: number;
  readonly fileOrder: number;
  /** As stored: relative to the table directory when `pathIsRelative`. */
  readonly path: string;
  readonly pathIsRelative: boolean;
  readonly absolutePath: string;
  readonly recordCount: number;
  readonly fileSizeBytes: number;
  readonly footerSize: number;
  readonly rowIdStart: number;
  readonly mappingId: number | null;
}

type Param = string | number | bigint | boolean | null;

/** A column as the catalog holds it (live rows only), with its children. */
interface LiveColumn {
  readonly columnId: number;
  readonly name: string;
  readonly type: string;
  readonly children: LiveColumn[];
}

interface PreparedRegistration {
  readonly change: RegisterTableChange;
  readonly files: readonly ParquetFileFacts[];
  readonly columns: readonly ParquetColumnNode[];
}

/** A new or kept column, paired with the column ids it has in the catalog. */
interface BoundColumn {
  readonly node: ParquetColumnNode;
  readonly columnId: number;
  readonly children: readonly BoundColumn[];
}

const MAIN_SCHEMA_ID = 0;
const MAIN_SCHEMA_PATH = "main/";

function toParams(params: readonly Param[]): DuckDBValue[] {
  // Every numeric catalog column is BIGINT; binding integers as bigint keeps DuckDB from going through DOUBLE.
  return params.map((p) => (typeof p === "number" && Number.isInteger(p) ? BigInt(p) : p));
}

const toNumber = (v: unknown): number => Number(v);
const toNullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * A DuckLake v1.0 catalog that omicslake writes itself (the `ducklake` extension is not needed to write it):
 * the metadata tables live in a DuckDB file, the data in Parquet files under `dataPath`. Each `commit` is one
 * snapshot written in one transaction, so a failed commit leaves the previous snapshot as it was.
 *
 * @example
 * const catalog = await DuckLakeCatalog.open({ metadataPath: "lake/omicslake.ducklake", dataPath: "lake/ducklake" });
 * await catalog.commit([registerTable({ table: "sra_study", files: [studyParquet] })], { author: "consolidate" });
 * await catalog.close();
 */
export class DuckLakeCatalog {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly duck: DuckDbSession,
    /** Absolute, symlinks resolved, ending with `/`. */
    readonly dataPath: string,
    readonly metadataPath: string,
  ) {}

  /** Opens the catalog at `metadataPath`, creating it (snapshot 0, schema `main`) on first use. */
  static async open(options: DuckLakeOpenOptions): Promise<DuckLakeCatalog> {
    const metadataPath = resolve(options.metadataPath);
    // Like the rest of the lake's local state, private to its owner (DuckDB itself creates files 0644).
    await mkdir(dirname(metadataPath), { recursive: true, mode: PRIVATE_DIR_MODE });
    await mkdir(resolve(options.dataPath), { recursive: true, mode: PRIVATE_DIR_MODE });
    const dataPath = `${await realpath(resolve(options.dataPath))}/`;
    const catalog = new DuckLakeCatalog(await openDuckDb({ path: metadataPath }), dataPath, metadataPath);
    try {
      await catalog.initialize(options.createdBy ?? "omicslake");
    } catch (error) {
      catalog.duck.close();
      throw error;
    }
    return catalog;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.duck.close();
    // DuckDB and the Parquet files it registered take no mode, so the umask decided theirs: take group and
    // other bits away. Only the catalog's own file and data folder, never the folder around them.
    await tightenTree(this.metadataPath);
    await tightenTree(this.dataPath);
  }

  /**
   * Applies `changes` as ONE new snapshot: registering tables (created from the first file's Parquet schema, or
   * their files swapped and their columns evolved by name) and dropping tables. Returns the new snapshot.
   */
  async commit(
    changes: readonly DuckLakeChange[],
    options: DuckLakeCommitOptions = {},
  ): Promise<DuckLakeSnapshotInfo> {
    return this.serialized(async () => {
      const prepared = await this.prepare(changes);
      await this.duck.connection.run("BEGIN TRANSACTION");
      try {
        await this.writeSnapshot(changes, prepared, options);
        await this.duck.connection.run("COMMIT");
      } catch (error) {
        await this.duck.connection.run("ROLLBACK");
        throw error;
      }
      return this.readCurrentSnapshot();
    });
  }

  async currentSnapshot(): Promise<DuckLakeSnapshotInfo> {
    return this.serialized(() => this.readCurrentSnapshot());
  }

  /** The tables of the current snapshot, by name. */
  async listTables(): Promise<DuckLakeTableInfo[]> {
    return this.serialized(async () => {
      const rows = await this.rows(
        `SELECT t.table_id, t.table_name, t.path, t.path_is_relative, t.begin_snapshot,
                s.record_count, s.file_size_bytes, s.next_row_id
         FROM ducklake_table t LEFT JOIN ducklake_table_stats s USING (table_id)
         WHERE t.end_snapshot IS NULL ORDER BY t.table_name`,
      );
      return rows.map((r) => ({
        tableId: toNumber(r.table_id),
        name: scalarText(r.table_name),
        path: r.path_is_relative
          ? `${this.dataPath}${MAIN_SCHEMA_PATH}${scalarText(r.path)}`
          : scalarText(r.path),
        beginSnapshot: toNumber(r.begin_snapshot),
        recordCount: toNullableNumber(r.record_count) ?? 0,
        fileSizeBytes: toNullableNumber(r.file_size_bytes) ?? 0,
        nextRowId: toNullableNumber(r.next_row_id) ?? 0,
      }));
    });
  }

  /** The live data files of `table` in file order. */
  async tableFiles(table: string): Promise<DuckLakeDataFileInfo[]> {
    return this.serialized(async () => {
      const tableRow = (
        await this.rows(
          "SELECT table_id, path, path_is_relative FROM ducklake_table WHERE table_name = ? AND end_snapshot IS NULL",
          [table],
        )
      )[0];
      if (!tableRow)
        throw new NotFoundError("DuckLake table", table, { hint: "List tables with listTables()" });
      const tableDir = tableRow.path_is_relative
        ? `${this.dataPath}${MAIN_SCHEMA_PATH}${scalarText(tableRow.path)}`
        : scalarText(tableRow.path);
      const rows = await this.rows(
        `SELECT * FROM ducklake_data_file WHERE table_id = ? AND end_snapshot IS NULL ORDER BY file_order`,
        [toNumber(tableRow.table_id)],
      );
      return rows.map((r) => ({
        dataFileId: toNumber(r.data_file_id),
        tableId: toNumber(r.table_id),
        beginSnapshot: toNumber(r.begin_snapshot),
        fileOrder: toNumber(r.file_order),
        path: scalarText(r.path),
        pathIsRelative: r.path_is_relative === true,
        absolutePath: r.path_is_relative === true ? `${tableDir}${scalarText(r.path)}` : scalarText(r.path),
        recordCount: toNumber(r.record_count),
        fileSizeBytes: toNumber(r.file_size_bytes),
        footerSize: toNumber(r.footer_size),
        rowIdStart: toNumber(r.row_id_start),
        mappingId: toNullableNumber(r.mapping_id),
      }));
    });
  }

  // Commits share one connection; a second commit must not interleave its statements with a running one.
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async rows(sql: string, params: readonly Param[] = []): Promise<Record<string, unknown>[]> {
    const reader = await this.duck.connection.runAndReadAll(sql, toParams(params));
    return reader.getRowObjectsJS();
  }

  private async exec(sql: string, params: readonly Param[] = []): Promise<void> {
    await this.duck.connection.run(sql, toParams(params));
  }

  private async initialize(createdBy: string): Promise<void> {
    const exists =
      (
        await this.rows(
          "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'ducklake_metadata'",
        )
      )[0]?.n !== 0n;
    if (exists) {
      const metadata = new Map(
        (await this.rows("SELECT key, value FROM ducklake_metadata WHERE scope IS NULL")).map((r) => [
          scalarText(r.key),
          scalarText(r.value),
        ]),
      );
      if (metadata.get("version") !== DUCKLAKE_FORMAT_VERSION) {
        throw new ConflictError(
          `DuckLake catalog ${this.metadataPath} has format version ${metadata.get("version") ?? "none"}, not ${DUCKLAKE_FORMAT_VERSION}`,
          {
            details: { file: this.metadataPath },
            hint: "Open it with DuckDB's ducklake extension to migrate it",
          },
        );
      }
      if (metadata.get("data_path") !== this.dataPath) {
        throw new ConflictError(
          `DuckLake catalog ${this.metadataPath} keeps its data in ${metadata.get("data_path") ?? "?"}, not ${this.dataPath}`,
          {
            details: { file: this.metadataPath },
            hint: "Open the catalog with the data path it was created with",
          },
        );
      }
      return;
    }
    await this.duck.connection.run("BEGIN TRANSACTION");
    try {
      for (const statement of createTableStatements()) await this.exec(statement);
      await this.exec(
        "INSERT INTO ducklake_metadata (key, value, scope, scope_id) VALUES ('version', ?, NULL, NULL), " +
          "('created_by', ?, NULL, NULL), ('data_path', ?, NULL, NULL), ('encrypted', 'false', NULL, NULL)",
        [DUCKLAKE_FORMAT_VERSION, createdBy, this.dataPath],
      );
      await this.exec("INSERT INTO ducklake_snapshot VALUES (0, now(), 0, 1, 0)");
      await this.exec("INSERT INTO ducklake_snapshot_changes VALUES (0, ?, NULL, NULL, NULL)", [
        `created_schema:${sqlIdentifier("main")}`,
      ]);
      await this.exec("INSERT INTO ducklake_schema VALUES (?, ?::UUID, 0, NULL, 'main', ?, true)", [
        MAIN_SCHEMA_ID,
        randomUUID(),
        MAIN_SCHEMA_PATH,
      ]);
      await this.duck.connection.run("COMMIT");
    } catch (error) {
      await this.duck.connection.run("ROLLBACK");
      throw error;
    }
  }

  private async readCurrentSnapshot(): Promise<DuckLakeSnapshotInfo> {
    const row = (
      await this.rows(
        `SELECT s.snapshot_id, epoch_ms(s.snapshot_time) AS ms, s.schema_version, s.next_catalog_id, s.next_file_id,
                c.changes_made, c.author, c.commit_message
         FROM ducklake_snapshot s LEFT JOIN ducklake_snapshot_changes c USING (snapshot_id)
         ORDER BY s.snapshot_id DESC LIMIT 1`,
      )
    )[0];
    if (!row) throw new Error(`DuckLake catalog ${this.metadataPath} has no snapshot`);
    return {
      snapshotId: toNumber(row.snapshot_id),
      snapshotTime: new Date(toNumber(row.ms)),
      schemaVersion: toNumber(row.schema_version),
      nextCatalogId: toNumber(row.next_catalog_id),
      nextFileId: toNumber(row.next_file_id),
      changesMade: row.changes_made === null ? "" : scalarText(row.changes_made),
      author: row.author === null ? null : scalarText(row.author),
      commitMessage: row.commit_message === null ? null : scalarText(row.commit_message),
    };
  }

  /** Validates the changes and reads every file's footer before the transaction opens. */
  private async prepare(changes: readonly DuckLakeChange[]): Promise<Map<string, PreparedRegistration>> {
    if (changes.length === 0) {
      throw new ValidationError("a DuckLake commit needs at least one change", {
        hint: "Pass registerTable(...) or dropTable(...) changes",
      });
    }
    const seen = new Set<string>();
    for (const change of changes) {
      validateTableName(change.table);
      if (seen.has(change.table)) {
        throw new ValidationError(`table "${change.table}" appears twice in one DuckLake commit`, {
          details: { key: change.table },
          hint: "Give each table one change per commit",
        });
      }
      seen.add(change.table);
    }
    const prepared = new Map<string, PreparedRegistration>();
    for (const change of changes) {
      if (change.kind !== "register") continue;
      if (change.files.length === 0) {
        throw new ValidationError(`registering table "${change.table}" needs at least one Parquet file`, {
          details: { key: change.table },
          hint: "Pass the curated Parquet files of the table, or drop the table instead",
        });
      }
      const files: ParquetFileFacts[] = [];
      for (const file of change.files) {
        const path = await this.admissiblePath(change.table, file);
        files.push(await readFacts(this.duck.connection, path));
      }
      const first = files[0] as ParquetFileFacts;
      const signature = schemaSignature(first.columns);
      for (const other of files.slice(1)) {
        if (schemaSignature(other.columns) !== signature) {
          throw new ValidationError(
            `Parquet files of table "${change.table}" differ in schema: ${first.path} has ${signature}, ${other.path} has ${schemaSignature(other.columns)}`,
            {
              details: { file: other.path, key: change.table },
              hint: "Register files with one schema per table",
            },
          );
        }
      }
      prepared.set(change.table, { change, files, columns: first.columns });
    }
    return prepared;
  }

  /** Resolves a file to its real path and refuses anything stored in the raw layer. */
  private async admissiblePath(table: string, file: string): Promise<string> {
    const absolute = resolve(file);
    refuseRaw(table, file, absolute);
    let real: string;
    try {
      real = await realpath(absolute);
    } catch (cause) {
      throw new NotFoundError("Parquet file", file, {
        cause,
        hint: `Write the file before registering it in table "${table}"`,
      });
    }
    // A link from curated into raw is still raw data.
    refuseRaw(table, file, real);
    return real;
  }

  private async writeSnapshot(
    changes: readonly DuckLakeChange[],
    prepared: ReadonlyMap<string, PreparedRegistration>,
    options: DuckLakeCommitOptions,
  ): Promise<void> {
    const previous = (
      await this.rows(
        "SELECT snapshot_id, schema_version, next_catalog_id, next_file_id FROM ducklake_snapshot " +
          "ORDER BY snapshot_id DESC LIMIT 1",
      )
    )[0];
    if (!previous) throw new Error(`DuckLake catalog ${this.metadataPath} has no snapshot`);
    const snapshotId = toNumber(previous.snapshot_id) + 1;
    let nextCatalogId = toNumber(previous.next_catalog_id);
    let nextFileId = toNumber(previous.next_file_id);
    const changed: string[] = [];
    const schemaChangedTables: number[] = [];
    let schemaChanged = false;

    // Tables and columns first, files second: catalog ids of new tables come before those of name mappings, as
    // DuckDB's extension allocates them.
    const registered: {
      table: string;
      tableId: number;
      bound: BoundColumn[];
      files: readonly ParquetFileFacts[];
    }[] = [];
    for (const change of changes) {
      const live = (
        await this.rows("SELECT table_id FROM ducklake_table WHERE table_name = ? AND end_snapshot IS NULL", [
          change.table,
        ])
      )[0];
      const liveTableId = live ? toNumber(live.table_id) : undefined;

      if (change.kind === "drop") {
        if (liveTableId === undefined) {
          throw new NotFoundError("DuckLake table", change.table, {
            hint: "Drop only tables the catalog holds",
          });
        }
        await this.endTable(liveTableId, snapshotId);
        changed.push(`dropped_table:${liveTableId}`);
        schemaChanged = true;
        continue;
      }

      const registration = prepared.get(change.table);
      if (!registration) throw new Error(`no prepared files for table ${change.table}`);
      if (liveTableId === undefined) {
        const tableId = nextCatalogId++;
        await this.exec("INSERT INTO ducklake_table VALUES (?, ?::UUID, ?, NULL, ?, ?, ?, true)", [
          tableId,
          randomUUID(),
          snapshotId,
          MAIN_SCHEMA_ID,
          change.table,
          `${change.table}/`,
        ]);
        let nextColumnId = 1;
        const bound = registration.columns.map((c) => bindNew(c, () => nextColumnId++));
        for (const column of bound) await this.insertColumn(tableId, snapshotId, column, null);
        changed.push(`created_table:${sqlIdentifier("main")}.${sqlIdentifier(change.table)}`);
        schemaChanged = true;
        schemaChangedTables.push(tableId);
        registered.push({ table: change.table, tableId, bound, files: registration.files });
      } else {
        const tableId = liveTableId;
        const evolved = await this.evolveColumns(tableId, snapshotId, registration.columns);
        if (evolved.altered) {
          changed.push(`altered_table:${tableId}`);
          schemaChanged = true;
          schemaChangedTables.push(tableId);
        }
        const ended = await this.rows(
          "UPDATE ducklake_data_file SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL RETURNING data_file_id",
          [snapshotId, tableId],
        );
        if (ended.length > 0) changed.push(`deleted_from_table:${tableId}`);
        registered.push({ table: change.table, tableId, bound: evolved.bound, files: registration.files });
      }
    }

    // Per-file rows go in multi-row INSERTs: a consolidation registers thousands of them.
    const batches = {
      columnMapping: new RowBatch("ducklake_column_mapping", 3),
      nameMapping: new RowBatch("ducklake_name_mapping", 6),
      dataFile: new RowBatch("ducklake_data_file", 16),
      fileColumnStats: new RowBatch("ducklake_file_column_stats", 10),
      tableColumnStats: new RowBatch("ducklake_table_column_stats", 7),
    };
    for (const { table, tableId, bound, files } of registered) {
      const stats = (
        await this.rows("SELECT next_row_id FROM ducklake_table_stats WHERE table_id = ?", [tableId])
      )[0];
      let nextRowId = stats ? toNumber(stats.next_row_id) : 0;
      let recordCount = 0;
      let fileSizeBytes = 0;
      const tableDir = `${this.dataPath}${MAIN_SCHEMA_PATH}${table}/`;
      const perFileStats: Map<number, ParquetLeafStats>[] = [];
      for (const file of files) {
        const dataFileId = nextFileId++;
        const mappingId = nextCatalogId++;
        addNameMapping(batches, mappingId, tableId, bound);
        const underTable = file.path.startsWith(tableDir);
        batches.dataFile.add([
          dataFileId,
          tableId,
          snapshotId,
          null,
          dataFileId,
          underTable ? relative(tableDir, file.path).split(sep).join("/") : file.path,
          underTable,
          "parquet",
          file.recordCount,
          file.fileSizeBytes,
          file.footerSize,
          nextRowId,
          null,
          null,
          mappingId,
          null,
        ]);
        nextRowId += file.recordCount;
        recordCount += file.recordCount;
        fileSizeBytes += file.fileSizeBytes;
        const byColumn = new Map<number, ParquetLeafStats>();
        for (const [columnId, node] of leaves(bound)) {
          const leaf = node.leafIndex === undefined ? undefined : file.leafStats.get(node.leafIndex);
          if (!leaf) continue;
          byColumn.set(columnId, leaf);
          batches.fileColumnStats.add([
            dataFileId,
            tableId,
            columnId,
            leaf.columnSizeBytes,
            leaf.valueCount,
            leaf.nullCount,
            leaf.min,
            leaf.max,
            leaf.containsNan,
            null,
          ]);
        }
        perFileStats.push(byColumn);
      }
      if (files.length > 0) changed.push(`inserted_into_table:${tableId}`);

      // The table's files were all replaced, so its statistics are those of the new files alone.
      await this.exec("DELETE FROM ducklake_table_stats WHERE table_id = ?", [tableId]);
      await this.exec("INSERT INTO ducklake_table_stats VALUES (?, ?, ?, ?)", [
        tableId,
        recordCount,
        nextRowId,
        fileSizeBytes,
      ]);
      await this.exec("DELETE FROM ducklake_table_column_stats WHERE table_id = ?", [tableId]);
      for (const [columnId, node] of leaves(bound)) {
        const aggregate = aggregateStats(
          node.type,
          perFileStats.map((m) => m.get(columnId)),
        );
        batches.tableColumnStats.add([
          tableId,
          columnId,
          aggregate.containsNull,
          aggregate.containsNan,
          aggregate.min,
          aggregate.max,
          null,
        ]);
      }
    }
    for (const batch of Object.values(batches)) await batch.flush((sql, params) => this.exec(sql, params));

    const schemaVersion = toNumber(previous.schema_version) + (schemaChanged ? 1 : 0);
    for (const tableId of schemaChangedTables) {
      await this.exec("INSERT INTO ducklake_schema_versions VALUES (?, ?, ?)", [
        snapshotId,
        schemaVersion,
        tableId,
      ]);
    }
    await this.exec("INSERT INTO ducklake_snapshot VALUES (?, now(), ?, ?, ?)", [
      snapshotId,
      schemaVersion,
      nextCatalogId,
      nextFileId,
    ]);
    await this.exec("INSERT INTO ducklake_snapshot_changes VALUES (?, ?, ?, ?, ?)", [
      snapshotId,
      changed.join(","),
      options.author ?? null,
      options.message ?? null,
      options.extraInfo ?? null,
    ]);
  }

  private async endTable(tableId: number, snapshotId: number): Promise<void> {
    for (const table of [
      "ducklake_table",
      "ducklake_column",
      "ducklake_data_file",
      "ducklake_delete_file",
      "ducklake_partition_info",
      "ducklake_column_tag",
      "ducklake_sort_info",
    ]) {
      await this.exec(`UPDATE ${table} SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL`, [
        snapshotId,
        tableId,
      ]);
    }
    await this.exec("UPDATE ducklake_tag SET end_snapshot = ? WHERE object_id = ? AND end_snapshot IS NULL", [
      snapshotId,
      tableId,
    ]);
  }

  private async insertColumn(
    tableId: number,
    snapshotId: number,
    column: BoundColumn,
    parent: number | null,
  ): Promise<void> {
    // Column ids are unique per table and never reused, so they double as a stable column order. The default
    // columns repeat what DuckDB's extension writes for a column without a default: the literal NULL, and an
    // empty default type on list, struct and map parents.
    await this.exec(
      "INSERT INTO ducklake_column VALUES (?, ?, NULL, ?, ?, ?, ?, NULL, 'NULL', true, ?, ?, 'duckdb')",
      [
        column.columnId,
        snapshotId,
        tableId,
        column.columnId,
        column.node.name,
        column.node.type,
        parent,
        column.children.length === 0 ? "literal" : "",
      ],
    );
    for (const child of column.children) await this.insertColumn(tableId, snapshotId, child, column.columnId);
  }

  /**
   * Matches the new files' top-level columns to the live ones by name: same name and same type (children
   * included) keeps the column and its ids; a new name is added with fresh ids; a missing one is ended; a
   * changed type ends the old column and adds a new one, because readers cast stored values by column id.
   */
  private async evolveColumns(
    tableId: number,
    snapshotId: number,
    columns: readonly ParquetColumnNode[],
  ): Promise<{ bound: BoundColumn[]; altered: boolean }> {
    const rows = await this.rows(
      "SELECT column_id, column_name, column_type, parent_column FROM ducklake_column " +
        "WHERE table_id = ? AND end_snapshot IS NULL ORDER BY column_order",
      [tableId],
    );
    const maxRow = (
      await this.rows("SELECT max(column_id) AS m FROM ducklake_column WHERE table_id = ?", [tableId])
    )[0];
    let nextColumnId = (toNullableNumber(maxRow?.m) ?? 0) + 1;
    const byId = new Map<number, LiveColumn>();
    const roots: LiveColumn[] = [];
    for (const r of rows) {
      byId.set(toNumber(r.column_id), {
        columnId: toNumber(r.column_id),
        name: scalarText(r.column_name),
        type: scalarText(r.column_type),
        children: [],
      });
    }
    for (const r of rows) {
      const column = byId.get(toNumber(r.column_id)) as LiveColumn;
      const parent = r.parent_column === null ? undefined : byId.get(toNumber(r.parent_column));
      if (parent) parent.children.push(column);
      else roots.push(column);
    }
    const liveByName = new Map(roots.map((c) => [c.name, c]));
    const bound: BoundColumn[] = [];
    let altered = false;
    const kept = new Set<number>();
    for (const node of columns) {
      const existing = liveByName.get(node.name);
      if (existing && liveSignature(existing) === typeSignature(node)) {
        bound.push(bindExisting(node, existing));
        kept.add(existing.columnId);
        continue;
      }
      const fresh = bindNew(node, () => nextColumnId++);
      await this.insertColumn(tableId, snapshotId, fresh, null);
      bound.push(fresh);
      altered = true;
    }
    for (const root of roots) {
      if (kept.has(root.columnId)) continue;
      const ids = descendantIds(root);
      await this.exec(
        `UPDATE ducklake_column SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL
           AND column_id IN (${ids.map(() => "?").join(", ")})`,
        [snapshotId, tableId, ...ids],
      );
      altered = true;
    }
    return { bound, altered };
  }
}

/** Rows for one table, inserted a few hundred per statement. */
class RowBatch {
  private readonly rows: Param[][] = [];
  constructor(
    private readonly table: string,
    private readonly width: number,
  ) {}

  add(row: Param[]): void {
    if (row.length !== this.width)
      throw new Error(`${this.table} row has ${row.length} values, not ${this.width}`);
    this.rows.push(row);
  }

  async flush(exec: (sql: string, params: Param[]) => Promise<void>): Promise<void> {
    const tuple = `(${Array.from({ length: this.width }, () => "?").join(", ")})`;
    for (let i = 0; i < this.rows.length; i += 250) {
      const chunk = this.rows.slice(i, i + 250);
      await exec(`INSERT INTO ${this.table} VALUES ${chunk.map(() => tuple).join(", ")}`, chunk.flat());
    }
    this.rows.length = 0;
  }
}

/** One `map_by_name` mapping per file: its Parquet field names mapped to the table's column ids. */
function addNameMapping(
  batches: { columnMapping: RowBatch; nameMapping: RowBatch },
  mappingId: number,
  tableId: number,
  columns: readonly BoundColumn[],
): void {
  batches.columnMapping.add([mappingId, tableId, "map_by_name"]);
  // Entry ids number the nodes of this mapping's tree; parent_column refers to them, not to column ids.
  let nextEntry = 0;
  const add = (column: BoundColumn, parent: number | null): void => {
    const entry = nextEntry++;
    batches.nameMapping.add([mappingId, entry, column.node.sourceName, column.columnId, parent, false]);
    for (const child of column.children) add(child, entry);
  };
  for (const column of columns) add(column, null);
}

async function readFacts(connection: DuckDBConnection, path: string): Promise<ParquetFileFacts> {
  try {
    return await readParquetFacts(connection, path);
  } catch (cause) {
    if (cause instanceof ValidationError) throw cause;
    throw new ValidationError(`cannot read the Parquet footer of ${path}`, {
      cause,
      details: { file: path },
      hint: "Register only complete Parquet files",
    });
  }
}

function validateTableName(name: string): void {
  if (
    name.length === 0 ||
    name.includes("/") ||
    name.includes("\\") ||
    name === "." ||
    name === ".." ||
    name.includes("\0")
  ) {
    throw new ValidationError(`${JSON.stringify(name)} is not a usable DuckLake table name`, {
      details: { key: name },
      hint: "Use a non-empty name without path separators, e.g. sra_study",
    });
  }
}

function refuseRaw(table: string, given: string, path: string): void {
  if (path.split(sep).includes("raw")) {
    throw new PolicyError(
      "raw_not_registrable",
      `refusing to register ${given} in DuckLake table "${table}": it lies in the raw layer`,
      {
        details: { file: given, key: table },
        hint: "Raw objects stay immutable and unowned by any catalog; register a curated Parquet copy instead",
      },
    );
  }
}

function schemaSignature(columns: readonly ParquetColumnNode[]): string {
  return columns.map((c) => `${c.name}:${typeSignature(c)}`).join(", ");
}

function liveSignature(column: LiveColumn): string {
  if (column.children.length === 0) return column.type;
  return `${column.type}<${column.children.map((c) => `${c.name}:${liveSignature(c)}`).join(",")}>`;
}

function bindNew(node: ParquetColumnNode, nextId: () => number): BoundColumn {
  const columnId = nextId();
  return { node, columnId, children: node.children.map((c) => bindNew(c, nextId)) };
}

function bindExisting(node: ParquetColumnNode, live: LiveColumn): BoundColumn {
  return {
    node,
    columnId: live.columnId,
    children: node.children.map((child) => {
      const match = live.children.find((c) => c.name === child.name);
      if (!match) throw new Error(`column ${live.name} lost child ${child.name} despite an equal signature`);
      return bindExisting(child, match);
    }),
  };
}

function descendantIds(column: LiveColumn): number[] {
  return [column.columnId, ...column.children.flatMap(descendantIds)];
}

function* leaves(columns: readonly BoundColumn[]): Generator<[number, ParquetColumnNode]> {
  for (const column of columns) {
    if (column.children.length === 0) yield [column.columnId, column.node];
    else yield* leaves(column.children);
  }
}

/** Table-wide statistics from the per-file ones: a bound stays known only if every file with values knows it. */
function aggregateStats(
  type: string,
  files: readonly (ParquetLeafStats | undefined)[],
): { containsNull: boolean | null; containsNan: boolean | null; min: string | null; max: string | null } {
  let containsNull: boolean | null = false;
  let containsNan: boolean | null = false;
  let min: string | null = null;
  let max: string | null = null;
  let boundsKnown = true;
  for (const file of files) {
    if (!file) {
      containsNull = null;
      containsNan = null;
      boundsKnown = false;
      continue;
    }
    if (file.nullCount === null) containsNull = containsNull === true ? true : null;
    else if (file.nullCount > 0) containsNull = true;
    if (file.containsNan === null) containsNan = containsNan === true ? true : null;
    else if (file.containsNan) containsNan = true;
    const allNull = file.valueCount !== null && file.nullCount !== null && file.valueCount === file.nullCount;
    if (allNull) continue;
    if (file.min === null || file.max === null) {
      boundsKnown = false;
      continue;
    }
    if (min === null || compareStatValues(type, file.min, min) < 0) min = file.min;
    if (max === null || compareStatValues(type, file.max, max) > 0) max = file.max;
  }
  return { containsNull, containsNan, min: boundsKnown ? min : null, max: boundsKnown ? max : null };
}
