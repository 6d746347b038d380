import type { Column } from "../frame/data-frame.js";
import { inferTextColumn, readDelimitedTable } from "./delimited-table-reader.js";

const KEY_NAMES = [
  "barcode",
  "barcodes",
  "cell",
  "cell_id",
  "cellid",
  "cell_barcode",
  "name",
  "obs_names",
  "index",
  "_index",
  "",
];

/** What joining a metadata table onto the matrix's barcodes found, for the manifest and the warnings. */
export interface CellMetadataReport {
  readonly file: string;
  readonly keyColumn: string;
  readonly columns: readonly string[];
  readonly cellsWithMetadata: number;
  readonly cellsWithoutMetadata: number;
  /** Up to 20 barcodes without a metadata row. */
  readonly cellsWithoutMetadataExamples: readonly string[];
  /** Metadata rows whose barcode is not in the matrix. */
  readonly unmatchedMetadataRows: number;
  readonly duplicateMetadataRows: number;
}

/**
 * Joins a CSV/TSV cell metadata table onto `barcodes` (left join: every cell stays, in matrix order). The key is
 * the column named like a barcode (`barcode`, `cell`, `NAME`…) or else the first column. Cells without a row get
 * nulls and are counted and named in the report, never dropped. A Single Cell Portal `TYPE` line is skipped.
 */
export async function joinCellMetadata(
  barcodes: readonly string[],
  path: string,
  reserved: readonly string[],
): Promise<{ columns: Column[]; report: CellMetadataReport; warnings: string[] }> {
  const table = await readDelimitedTable(path, { header: true });
  let header = [...(table.header ?? [])];
  let rows = table.rows;
  // R's write.table with row names leaves the row-name column out of the header line.
  if (rows.length > 0 && header.length === rows[0]!.length - 1) header = ["", ...header];
  if (rows.length > 0 && rows[0]![0]?.trim().toUpperCase() === "TYPE") rows = rows.slice(1);
  let key = header.findIndex((h) => KEY_NAMES.includes(h.toLowerCase()));
  if (key < 0) key = 0;
  const position = new Map<string, number>();
  let duplicates = 0;
  rows.forEach((r, i) => {
    const k = (r[key] ?? "").trim();
    if (position.has(k)) duplicates++;
    else position.set(k, i);
  });
  const rowOfCell = barcodes.map((b) => position.get(b) ?? -1);
  const matchedRows = new Set(rowOfCell.filter((r) => r >= 0));
  const missing: string[] = [];
  let withoutCount = 0;
  rowOfCell.forEach((r, i) => {
    if (r < 0) {
      withoutCount++;
      if (missing.length < 20) missing.push(barcodes[i]!);
    }
  });
  const taken = new Set(reserved);
  const columns: Column[] = [];
  header.forEach((rawName, c) => {
    if (c === key) return;
    let name = rawName === "" ? `column_${c + 1}` : rawName;
    while (taken.has(name)) name = `meta_${name}`;
    taken.add(name);
    columns.push(
      inferTextColumn(
        name,
        rowOfCell.map((r) => (r < 0 ? undefined : rows[r]![c])),
      ),
    );
  });
  const report: CellMetadataReport = {
    file: path,
    keyColumn: header[key] ?? "column_1",
    columns: columns.map((c) => c.name),
    cellsWithMetadata: barcodes.length - withoutCount,
    cellsWithoutMetadata: withoutCount,
    cellsWithoutMetadataExamples: missing,
    unmatchedMetadataRows: position.size - matchedRows.size,
    duplicateMetadataRows: duplicates,
  };
  const warnings: string[] = [];
  if (withoutCount > 0) {
    warnings.push(
      `${withoutCount} of ${barcodes.length} cells have no row in ${path} (kept with null metadata): ${missing.slice(0, 5).join(", ")}${withoutCount > 5 ? ", …" : ""}`,
    );
  }
  if (report.unmatchedMetadataRows > 0)
    warnings.push(`${report.unmatchedMetadataRows} rows of ${path} name barcodes that are not in the matrix`);
  if (duplicates > 0) warnings.push(`${duplicates} rows of ${path} repeat a barcode; the first row was used`);
  return { columns, report, warnings };
}
