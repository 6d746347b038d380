import { OmicslakeError, ValidationError } from "@omicslake/core";
import type { StoreBuild, ExpressionEngine } from "../engine/expression-engine.js";
import type { CellFilter } from "../model/expression-types.js";
import { checkFilter, mergeFilters, requireColumn, type RawFilter } from "./cell-filter-parser.js";

/** How a request picks its cells: metadata conditions, and a cell type (or several) of the group column. */
export interface CellSelection {
  readonly where?: RawFilter;
  /** One or more values of the group column (`by`, else the store's default group column). */
  readonly cell_type?: string | readonly string[];
  /** The column cell types are values of (default: the store's group column, usually `cell_type`). */
  readonly by?: string;
}

/** A selection checked against a build: the engine's filter, and what results echo back. */
export interface ResolvedSelection {
  readonly filter: CellFilter;
  /** The group column used, when a cell type was given or a grouping needs one. */
  readonly by: string | null;
  readonly cellTypes: readonly string[];
}

/** Group values listed in an unknown-group error. */
const LISTED_GROUPS = 50;
/** Distinct values read to check a cell type of a column other than the store's group column. */
const DISTINCT_LIMIT = 100_000;

/** The group column of a request: `by` when given (checked), else the store's; null when neither exists. */
export function groupColumn(build: StoreBuild, by: string | undefined): string | null {
  if (by === undefined) return build.manifest.groupBy;
  requireColumn(by, build.manifest.cellColumns);
  return by;
}

/**
 * Checks a selection against a build: columns exist (unknown_column, 400), values fit their types (400), and
 * each cell type is a value of the group column (unknown_group, 404, listing the groups).
 */
export async function resolveSelection(
  engine: ExpressionEngine,
  build: StoreBuild,
  selection: CellSelection,
): Promise<ResolvedSelection> {
  const manifest = build.manifest;
  const by = groupColumn(build, selection.by);
  const cellTypes =
    selection.cell_type === undefined
      ? []
      : typeof selection.cell_type === "string"
        ? [selection.cell_type]
        : [...selection.cell_type];
  const shortcut: RawFilter = Object.create(null) as RawFilter;
  if (cellTypes.length > 0) {
    if (by === null)
      throw new ValidationError(`expression dataset "${manifest.dataset}" has no cell type column`, {
        details: { dataset: manifest.dataset, columns: manifest.cellColumns.map((c) => c.name) },
        hint: "Name the column the cell types are values of with by (--by COLUMN)",
      });
    const { values: groups, complete } = await groupValues(engine, build, by);
    const known = new Set(groups);
    for (const cellType of cellTypes) {
      if (!known.has(cellType) && (complete || !(await hasCells(engine, build, by, cellType)))) {
        throw new OmicslakeError(
          "unknown_group",
          `no cell type "${cellType}" in column "${by}" of expression dataset "${manifest.dataset}"`,
          {
            details: {
              dataset: manifest.dataset,
              group: cellType,
              by,
              groups: groups.slice(0, LISTED_GROUPS),
            },
            hint: `Groups: ${groups.slice(0, LISTED_GROUPS).join(", ")}${groups.length > LISTED_GROUPS ? ", …" : ""}`,
          },
        );
      }
    }
    shortcut[by] = { in: cellTypes };
  }
  const filter = checkFilter(mergeFilters(selection.where ?? {}, shortcut), manifest.cellColumns);
  return { filter, by: cellTypes.length > 0 || selection.by !== undefined ? by : null, cellTypes };
}

/**
 * The values of a group column: the manifest's for the store's group column, else its distinct values, at
 * most DISTINCT_LIMIT of them (`complete` false when there may be more, as for a barcode column).
 */
export async function groupValues(
  engine: ExpressionEngine,
  build: StoreBuild,
  by: string,
): Promise<{ values: string[]; complete: boolean }> {
  if (by === build.manifest.groupBy)
    return { values: build.manifest.groups.map((g) => g.value), complete: true };
  const values = await engine.distinctValues(build, by, DISTINCT_LIMIT);
  return {
    values: values.filter((v): v is string => v !== null).map(String),
    complete: values.length < DISTINCT_LIMIT,
  };
}

/** Whether any cell has `value` in column `by`: a cell type past the listed distinct values is looked up. */
async function hasCells(
  engine: ExpressionEngine,
  build: StoreBuild,
  by: string,
  value: string,
): Promise<boolean> {
  const raw: RawFilter = Object.create(null) as RawFilter;
  raw[by] = { in: [value] };
  const filter = checkFilter(raw, build.manifest.cellColumns);
  const counts = await engine.countCells(build, filter, null);
  return counts.some((c) => c.cells > 0);
}
