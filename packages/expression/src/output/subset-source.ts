import type { SubsetBatch } from "../model/expression-types.js";

/** A cell of a subset's selection: its index and its unique name. */
export interface SelectedCell {
  readonly cell_idx: number;
  readonly cell: string;
}

/** A gene of a subset: its index and unique name. */
export interface SelectedGene {
  readonly gene_idx: number;
  readonly gene: string;
}

/**
 * Where a formatter reads a subset from. Both iterables are ordered by cell_idx and may be read more than once
 * (wide JSON reads the cells once per gene), each read a new query; stopping a read early stops its query.
 */
export interface SubsetSource {
  readonly genes: readonly SelectedGene[];
  /** The selected cells in cell_idx order, a page at a time. */
  cells(): AsyncIterable<readonly SelectedCell[]>;
  /** Nonzeros of `genes` over the selected cells, ordered by (cell_idx, gene_idx). */
  nonzeros(genes: readonly number[]): AsyncIterable<SubsetBatch>;
}

export type SubsetFormat = "json" | "csv" | "arrow";
export type SubsetShape = "long" | "wide";

export interface SubsetLayout {
  readonly format: SubsetFormat;
  readonly shape: SubsetShape;
  /** Long output only: list every gene × cell, zeros included (wide output always has them). */
  readonly zeros: boolean;
}

export const SUBSET_MEDIA_TYPES: Readonly<Record<SubsetFormat, string>> = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  arrow: "application/vnd.apache.arrow.stream",
};
