import type { CellFilter } from "../../model/expression-types.js";
import type { StoreBuild } from "../expression-engine.js";
import type { BuildViews } from "./build-views.js";
import { cellFilterSql } from "./cell-filter-sql.js";

/**
 * The cells a filter selects, in the form the cheapest plan can use:
 * - `all`: no condition; per-gene statistics come from the genes table;
 * - `ranges`: only the store's group column, with group values: each group is a contiguous cell_idx range (the
 *   store's layout), so scans use BETWEEN and read only the row groups that overlap; one group (`group`) has its
 *   statistics precomputed in group_stats;
 * - `where`: anything else, as a semi-join on the cells table.
 * `n` is the number of cells selected, zeros and all.
 */
export type CellSelection =
  | { readonly kind: "all"; readonly n: number }
  | {
      readonly kind: "ranges";
      readonly n: number;
      readonly ranges: readonly (readonly [number, number])[];
      readonly group: string | undefined;
    }
  | { readonly kind: "where"; readonly n: number; readonly where: string };

export async function selectCells(
  build: StoreBuild,
  views: BuildViews,
  filter: CellFilter,
  count: (sql: string) => Promise<number>,
): Promise<CellSelection> {
  const { manifest } = build;
  const columns = Object.keys(filter);
  if (columns.length === 0) return { kind: "all", n: manifest.counts.cells };
  const groupBy = manifest.groupBy;
  const condition = groupBy !== null && columns.length === 1 ? filter[groupBy] : undefined;
  const groupType = manifest.cellColumns.find((c) => c.name === groupBy)?.type;
  if (
    condition !== undefined &&
    "in" in condition &&
    groupType === "VARCHAR" &&
    condition.in.every((v) => typeof v === "string")
  ) {
    const wanted = new Set(condition.in);
    const groups = manifest.groups.filter((g) => wanted.has(g.value));
    return {
      kind: "ranges",
      n: groups.reduce((n, g) => n + g.cells, 0),
      ranges: groups.map((g) => [g.firstCell, g.lastCell] as const),
      group: groups.length === 1 && wanted.size === 1 ? groups[0]?.value : undefined,
    };
  }
  const where = cellFilterSql(filter, manifest.cellColumns);
  return { kind: "where", n: await count(`SELECT count(*) AS n FROM ${views.cells} WHERE ${where}`), where };
}

/** A condition on `column` (a cell_idx column of a values table) that keeps the selected cells. */
export function cellCondition(selection: CellSelection, views: BuildViews, column: string): string {
  switch (selection.kind) {
    case "all":
      return "TRUE";
    case "ranges":
      return selection.ranges.length === 0
        ? "FALSE"
        : `(${selection.ranges.map(([a, b]) => `${column} BETWEEN ${a} AND ${b}`).join(" OR ")})`;
    case "where":
      return `${column} IN (SELECT cell_idx FROM ${views.cells} WHERE ${selection.where})`;
  }
}
