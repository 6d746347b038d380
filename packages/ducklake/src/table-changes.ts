import { randomUUID } from "node:crypto";
import { NotFoundError, sqlIdentifier } from "@omicslake/core";
import { MAIN_SCHEMA_ID, toNumber, type CatalogSql } from "./catalog-sql.js";
import { bindNew, evolveColumns, insertColumn, type BoundColumn } from "./column-evolution.js";
import type { DuckLakeChange } from "./ducklake-change.js";
import type { ParquetFileFacts } from "./parquet-footer-reader.js";
import type { PreparedRegistration } from "./prepare-changes.js";
import type { SnapshotDraft } from "./snapshot-draft.js";

/** A table whose files this snapshot registers, with its columns bound to their catalog ids. */
export interface RegisteredTable {
  readonly table: string;
  readonly tableId: number;
  readonly bound: readonly BoundColumn[];
  readonly files: readonly ParquetFileFacts[];
}

/**
 * The first step of a snapshot: drops tables, creates new ones with their columns, and for a table registered
 * again evolves its columns by name and ends its previous files. Returns the tables whose files come next.
 */
export async function applyTableChanges(
  sql: CatalogSql,
  draft: SnapshotDraft,
  changes: readonly DuckLakeChange[],
  prepared: ReadonlyMap<string, PreparedRegistration>,
): Promise<RegisteredTable[]> {
  const registered: RegisteredTable[] = [];
  for (const change of changes) {
    const live = (
      await sql.rows("SELECT table_id FROM ducklake_table WHERE table_name = ? AND end_snapshot IS NULL", [
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
      await endTable(sql, liveTableId, draft.snapshotId);
      draft.changes.push(`dropped_table:${liveTableId}`);
      draft.schemaChanged = true;
      continue;
    }

    const registration = prepared.get(change.table);
    if (!registration) throw new Error(`no prepared files for table ${change.table}`);
    if (liveTableId === undefined) {
      const tableId = draft.nextCatalogId++;
      await sql.exec("INSERT INTO ducklake_table VALUES (?, ?::UUID, ?, NULL, ?, ?, ?, true)", [
        tableId,
        randomUUID(),
        draft.snapshotId,
        MAIN_SCHEMA_ID,
        change.table,
        `${change.table}/`,
      ]);
      let nextColumnId = 1;
      const bound = registration.columns.map((c) => bindNew(c, () => nextColumnId++));
      for (const column of bound) await insertColumn(sql, tableId, draft.snapshotId, column, null);
      draft.changes.push(`created_table:${sqlIdentifier("main")}.${sqlIdentifier(change.table)}`);
      draft.schemaChanged = true;
      draft.schemaChangedTables.push(tableId);
      registered.push({ table: change.table, tableId, bound, files: registration.files });
    } else {
      const tableId = liveTableId;
      const evolved = await evolveColumns(sql, tableId, draft.snapshotId, registration.columns);
      if (evolved.altered) {
        draft.changes.push(`altered_table:${tableId}`);
        draft.schemaChanged = true;
        draft.schemaChangedTables.push(tableId);
      }
      const ended = await sql.rows(
        "UPDATE ducklake_data_file SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL RETURNING data_file_id",
        [draft.snapshotId, tableId],
      );
      if (ended.length > 0) draft.changes.push(`deleted_from_table:${tableId}`);
      registered.push({ table: change.table, tableId, bound: evolved.bound, files: registration.files });
    }
  }
  return registered;
}

/** Ends a table and everything hanging off it as of `snapshotId`. */
async function endTable(sql: CatalogSql, tableId: number, snapshotId: number): Promise<void> {
  for (const table of [
    "ducklake_table",
    "ducklake_column",
    "ducklake_data_file",
    "ducklake_delete_file",
    "ducklake_partition_info",
    "ducklake_column_tag",
    "ducklake_sort_info",
  ]) {
    await sql.exec(`UPDATE ${table} SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL`, [
      snapshotId,
      tableId,
    ]);
  }
  await sql.exec("UPDATE ducklake_tag SET end_snapshot = ? WHERE object_id = ? AND end_snapshot IS NULL", [
    snapshotId,
    tableId,
  ]);
}
