import type { CatalogSql } from "./catalog-sql.js";
import { toNullableNumber, toNumber } from "./catalog-sql.js";
import { scalarText, typeSignature } from "./parquet-footer-reader.js";
import type { ParquetColumnNode } from "./parquet-footer-reader.js";

/** A column as the catalog holds it (live rows only), with its children. */
interface LiveColumn {
  readonly columnId: number;
  readonly name: string;
  readonly type: string;
  readonly children: LiveColumn[];
}

/** A new or kept column, paired with the column ids it has in the catalog. */
export interface BoundColumn {
  readonly node: ParquetColumnNode;
  readonly columnId: number;
  readonly children: readonly BoundColumn[];
}

export async function insertColumn(
  sql: CatalogSql,
  tableId: number,
  snapshotId: number,
  column: BoundColumn,
  parent: number | null,
): Promise<void> {
  // Column ids are unique per table and never reused, so they double as a stable column order. The default
  // columns repeat what DuckDB's extension writes for a column without a default: the literal NULL, and an
  // empty default type on list, struct and map parents.
  await sql.exec(
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
  for (const child of column.children) await insertColumn(sql, tableId, snapshotId, child, column.columnId);
}

/**
 * Matches the new files' top-level columns to the live ones by name: same name and same type (children
 * included) keeps the column and its ids; a new name is added with fresh ids; a missing one is ended; a
 * changed type ends the old column and adds a new one, because readers cast stored values by column id.
 */
export async function evolveColumns(
  sql: CatalogSql,
  tableId: number,
  snapshotId: number,
  columns: readonly ParquetColumnNode[],
): Promise<{ bound: BoundColumn[]; altered: boolean }> {
  const rows = await sql.rows(
    "SELECT column_id, column_name, column_type, parent_column FROM ducklake_column " +
      "WHERE table_id = ? AND end_snapshot IS NULL ORDER BY column_order",
    [tableId],
  );
  const maxRow = (
    await sql.rows("SELECT max(column_id) AS m FROM ducklake_column WHERE table_id = ?", [tableId])
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
    await insertColumn(sql, tableId, snapshotId, fresh, null);
    bound.push(fresh);
    altered = true;
  }
  for (const root of roots) {
    if (kept.has(root.columnId)) continue;
    const ids = descendantIds(root);
    await sql.exec(
      `UPDATE ducklake_column SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL
         AND column_id IN (${ids.map(() => "?").join(", ")})`,
      [snapshotId, tableId, ...ids],
    );
    altered = true;
  }
  return { bound, altered };
}

function liveSignature(column: LiveColumn): string {
  if (column.children.length === 0) return column.type;
  return `${column.type}<${column.children.map((c) => `${c.name}:${liveSignature(c)}`).join(",")}>`;
}

export function bindNew(node: ParquetColumnNode, nextId: () => number): BoundColumn {
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

export function* leaves(columns: readonly BoundColumn[]): Generator<[number, ParquetColumnNode]> {
  for (const column of columns) {
    if (column.children.length === 0) yield [column.columnId, column.node];
    else yield* leaves(column.children);
  }
}
