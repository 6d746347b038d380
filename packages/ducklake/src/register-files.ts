import { relative, sep } from "node:path";
import { MAIN_SCHEMA_PATH, toNumber, type CatalogSql, type Param } from "./catalog-sql.js";
import { leaves, type BoundColumn } from "./column-evolution.js";
import { compareStatValues } from "./ducklake-types.js";
import type { ParquetLeafStats } from "./parquet-footer-reader.js";
import type { SnapshotDraft } from "./snapshot-draft.js";
import type { RegisteredTable } from "./table-changes.js";

/**
 * The second step of a snapshot: one data file row per Parquet file with its name mapping and column
 * statistics, then each table's statistics recomputed from its new files.
 */
export async function registerFiles(
  sql: CatalogSql,
  draft: SnapshotDraft,
  dataPath: string,
  registered: readonly RegisteredTable[],
): Promise<void> {
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
      await sql.rows("SELECT next_row_id FROM ducklake_table_stats WHERE table_id = ?", [tableId])
    )[0];
    let nextRowId = stats ? toNumber(stats.next_row_id) : 0;
    let recordCount = 0;
    let fileSizeBytes = 0;
    const tableDir = `${dataPath}${MAIN_SCHEMA_PATH}${table}/`;
    const perFileStats: Map<number, ParquetLeafStats>[] = [];
    for (const file of files) {
      const dataFileId = draft.nextFileId++;
      const mappingId = draft.nextCatalogId++;
      addNameMapping(batches, mappingId, tableId, bound);
      const underTable = file.path.startsWith(tableDir);
      batches.dataFile.add([
        dataFileId,
        tableId,
        draft.snapshotId,
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
    if (files.length > 0) draft.changes.push(`inserted_into_table:${tableId}`);

    // The table's files were all replaced, so its statistics are those of the new files alone.
    await sql.exec("DELETE FROM ducklake_table_stats WHERE table_id = ?", [tableId]);
    await sql.exec("INSERT INTO ducklake_table_stats VALUES (?, ?, ?, ?)", [
      tableId,
      recordCount,
      nextRowId,
      fileSizeBytes,
    ]);
    await sql.exec("DELETE FROM ducklake_table_column_stats WHERE table_id = ?", [tableId]);
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
  for (const batch of Object.values(batches))
    await batch.flush((statement, params) => sql.exec(statement, params));
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
