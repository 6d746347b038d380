import { randomUUID } from "node:crypto";
import { mkdir, realpath } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ConflictError, NotFoundError } from "@omicslake/core";
import {
  openDuckDb,
  PRIVATE_DIR_MODE,
  sqlIdentifier,
  tightenTree,
  type DuckDbSession,
} from "@omicslake/core";
import { catalogSql, MAIN_SCHEMA_ID, MAIN_SCHEMA_PATH, toNullableNumber, toNumber } from "./catalog-sql.js";
import type { CatalogSql, Param } from "./catalog-sql.js";
import type { DuckLakeChange } from "./ducklake-change.js";
import { createTableStatements, DUCKLAKE_FORMAT_VERSION } from "./ducklake-schema.js";
import { scalarText } from "./parquet-footer-reader.js";
import { prepareChanges, type PreparedRegistration } from "./prepare-changes.js";
import { registerFiles } from "./register-files.js";
import { recordSnapshot, startSnapshot } from "./snapshot-draft.js";
import { applyTableChanges } from "./table-changes.js";

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
  private readonly sql: CatalogSql;

  private constructor(
    private readonly duck: DuckDbSession,
    /** Absolute, symlinks resolved, ending with `/`. */
    readonly dataPath: string,
    readonly metadataPath: string,
  ) {
    this.sql = catalogSql(duck.connection);
  }

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
      const prepared = await prepareChanges(this.duck.connection, changes);
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

  private rows(sql: string, params: readonly Param[] = []): Promise<Record<string, unknown>[]> {
    return this.sql.rows(sql, params);
  }

  private exec(sql: string, params: readonly Param[] = []): Promise<void> {
    return this.sql.exec(sql, params);
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

  /**
   * Writes one snapshot in three steps, inside the caller's transaction: tables and columns first, files
   * second (catalog ids of new tables come before those of name mappings, as DuckDB's extension draws
   * them), then the snapshot's own rows.
   */
  private async writeSnapshot(
    changes: readonly DuckLakeChange[],
    prepared: ReadonlyMap<string, PreparedRegistration>,
    options: DuckLakeCommitOptions,
  ): Promise<void> {
    const draft = await startSnapshot(this.sql, this.metadataPath);
    const registered = await applyTableChanges(this.sql, draft, changes, prepared);
    await registerFiles(this.sql, draft, this.dataPath, registered);
    await recordSnapshot(this.sql, draft, options);
  }
}
