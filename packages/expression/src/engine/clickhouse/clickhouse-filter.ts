import { OmicslakeError, ValidationError } from "@omicslake/core";
import type { CellCondition, CellFilter, CellValue } from "../../model/expression-types.js";
import type { StoreManifest } from "../../store/store-layout.js";
import type { ColumnKind } from "./clickhouse-column-types.js";
import { chIdentifier, chInteger, chNumber, chString } from "./clickhouse-quote.js";

/** The kinds of a table's columns, as ClickHouse holds them (see clickhouse-column-types.ts). */
export type ColumnKinds = ReadonlyMap<string, ColumnKind>;

/**
 * A filter as SQL on the rows of one table (cells or genes): every condition ANDed; `null` when the filter is
 * empty. A column the table lacks is `unknown_column` (400) listing the columns there are.
 */
export function conditionSql(
  filter: CellFilter,
  kinds: ColumnKinds,
  table: "cells" | "genes",
): string | null {
  const parts: string[] = [];
  for (const [column, condition] of Object.entries(filter)) {
    const kind = kinds.get(column);
    if (kind === undefined) {
      const known = [...kinds.keys()];
      throw new OmicslakeError(
        "unknown_column",
        `the ${table} table has no column ${JSON.stringify(column)}`,
        {
          details: { column, columns: known },
          hint: `Filter on one of: ${known.join(", ")}`,
        },
      );
    }
    parts.push(`(${oneCondition(column, kind, condition)})`);
  }
  return parts.length === 0 ? null : parts.join(" AND ");
}

function oneCondition(column: string, kind: ColumnKind, condition: CellCondition): string {
  const col = chIdentifier(column);
  if ("in" in condition) {
    const values = condition.in.filter((v): v is Exclude<CellValue, null> => v !== null);
    const alternatives: string[] = [];
    if (values.length > 0)
      alternatives.push(`${col} IN (${values.map((v) => literal(column, kind, v)).join(", ")})`);
    if (values.length < condition.in.length) alternatives.push(`isNull(${col})`);
    return alternatives.length === 0 ? "0" : alternatives.join(" OR ");
  }
  const bounds: string[] = [];
  if (condition.min !== undefined) bounds.push(`${col} >= ${literal(column, kind, condition.min)}`);
  if (condition.max !== undefined) bounds.push(`${col} <= ${literal(column, kind, condition.max)}`);
  return bounds.length === 0 ? `isNotNull(${col})` : bounds.join(" AND ");
}

/** A value as a literal of the column's type: a number compared with text (or the reverse) is refused. */
function literal(column: string, kind: ColumnKind, value: string | number | boolean): string {
  if (kind === "text") return chString(String(value));
  if (kind === "boolean") {
    if (typeof value === "boolean") return value ? "1" : "0";
    if (value === "true" || value === "false") return value === "true" ? "1" : "0";
    throw mismatch(column, "true or false", value);
  }
  const number = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  if (
    typeof value === "boolean" ||
    !Number.isFinite(number) ||
    (typeof value === "string" && value.trim() === "")
  )
    throw mismatch(column, "a number", value);
  return chNumber(number);
}

function mismatch(column: string, expected: string, value: unknown): ValidationError {
  return new ValidationError(
    `column ${JSON.stringify(column)} holds ${expected}, got ${JSON.stringify(value)}`,
    {
      details: { column, value },
      hint: `Compare ${column} with ${expected}`,
    },
  );
}

/** The cells a filter selects: a condition on `cell_idx` (null: every cell) and, when known, how many. */
export interface CellIndexSelection {
  readonly sql: string | null;
  readonly count?: number;
}

/**
 * Which cells a filter selects, as a condition on `cell_idx` for the nonzero tables. A filter on the store's
 * group column alone becomes cell ranges (the cells of a group are contiguous) whose sizes the manifest gives,
 * and which ClickHouse answers from the primary key of either nonzero table; any other filter selects
 * through the cells table.
 */
export function cellIndexSql(
  filter: CellFilter,
  kinds: ColumnKinds,
  manifest: StoreManifest,
  cellsTable: string,
): CellIndexSelection {
  const groups = groupRanges(filter, kinds, manifest);
  if (groups !== null) {
    const count = groups.reduce((total, g) => total + g.cells, 0);
    if (groups.length === 0) return { sql: "0", count };
    const sql = groups
      .map((g) => `(cell_idx >= ${chInteger(g.firstCell)} AND cell_idx <= ${chInteger(g.lastCell)})`)
      .join(" OR ");
    return { sql, count };
  }
  const where = conditionSql(filter, kinds, "cells");
  if (where === null) return { sql: null, count: manifest.counts.cells };
  return { sql: `cell_idx IN (SELECT cell_idx FROM ${cellsTable} WHERE ${where})` };
}

function groupRanges(
  filter: CellFilter,
  kinds: ColumnKinds,
  manifest: StoreManifest,
): StoreManifest["groups"] | null {
  const keys = Object.keys(filter);
  const by = manifest.groupBy;
  if (keys.length !== 1 || by === null || keys[0] !== by || kinds.get(by) !== "text") return null;
  const condition = filter[by];
  if (condition === undefined || !("in" in condition)) return null;
  if (condition.in.some((v) => typeof v !== "string")) return null;
  const wanted = new Set(condition.in as string[]);
  return manifest.groups.filter((g) => wanted.has(g.value) && g.cells > 0);
}

/** Above this many indexes a list is written as one array literal: 18.16 refuses queries of over 50 000 AST nodes. */
const INLINE_INDEXES = 1000;

/**
 * `column IN (…)` for a list of indexes. A long list becomes `IN (SELECT arrayJoin([…]))`, whose array is one
 * literal to the parser however long it is, while the IN still uses the table's primary key.
 */
export function indexInSql(column: "gene_idx" | "cell_idx", indexes: readonly number[]): string {
  const list = indexes.map(chInteger).join(", ");
  if (indexes.length <= INLINE_INDEXES) return `${column} IN (${list})`;
  return `${column} IN (SELECT toInt32(arrayJoin([${list}])))`;
}
