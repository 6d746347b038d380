import { version as nodeVersion } from "node:process";
import type { ConversionResult, ConvertOptions } from "../convert/conversion-result.js";
import type { Column, DataFrame } from "../frame/data-frame.js";
import { writeDataFrameParquet } from "../parquet/data-frame-parquet-writer.js";
import { parquetEngineVersion } from "../parquet/parquet-sink.js";
import { withStagedOutputDir } from "../parquet/staged-output-dir.js";
import { writeTripletsParquet } from "../parquet/triplet-parquet-writer.js";
import { joinCellMetadata } from "../tenx/cell-metadata-join.js";
import type { CellMetadataReport } from "../tenx/cell-metadata-join.js";
import { readDelimitedTable } from "../tenx/delimited-table-reader.js";
import { FormatError } from "../convert/format-error.js";
import { openMtxTriplets } from "./mtx-triplet-reader.js";
import { cellMetadataOption, commonOptions, type Converter } from "../convert/converter.js";

export interface MtxConvertOptions extends ConvertOptions {
  /** Names of the matrix rows: one per line, or a TSV whose first column is the name (10x `features.tsv`). */
  readonly rowNames?: string;
  /** Names of the matrix columns (10x `barcodes.tsv`). */
  readonly colNames?: string;
  /** Which axis holds the genes; `"rows"` (genes x cells, the 10x layout) by default. */
  readonly genesOn?: "rows" | "cols";
  /** A CSV/TSV cell metadata table joined by barcode onto the cells. */
  readonly cellMetadata?: string;
}

/** Column names for the name tables of a Matrix Market conversion. */
export interface NameColumns {
  /** Names given to the columns of the features file (the rest become `column_<n>`). */
  readonly features: readonly string[];
  /** Names given to the columns of the barcodes file. */
  readonly cells: readonly string[];
}

const GENERIC_NAMES: NameColumns = { features: ["name"], cells: ["name"] };

/** Reads a names file into columns; checks it has one line per matrix row/column. */
async function readNames(
  path: string,
  expected: number,
  names: readonly string[],
  what: string,
  axis: string,
): Promise<Column[]> {
  const table = await readDelimitedTable(path, { header: false });
  if (table.rows.length !== expected) {
    throw new FormatError(
      "mtx_header_mismatch",
      `lists ${table.rows.length} ${what} but the matrix has ${expected} ${axis}`,
      {
        file: path,
        hint: "The names file and the matrix do not belong together",
      },
    );
  }
  const width = table.rows.reduce((w, r) => Math.max(w, r.length), 0);
  const columns: Column[] = [];
  for (let c = 0; c < width; c++) {
    columns.push({
      name: names[c] ?? `column_${c + 1}`,
      type: { kind: "string" },
      values: table.rows.map((r) => r[c] ?? null),
    });
  }
  return columns;
}

const positions = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/**
 * Converts a Matrix Market file to `matrix.X.parquet` (long format: `cell_idx`, `gene_idx`, `value`, the file's
 * stored entries, 0-based), `cells.parquet`, `features.parquet` and `manifest.json`.
 *
 * @example await convertMtx("matrix.mtx.gz", "out", { rowNames: "features.tsv.gz", colNames: "barcodes.tsv.gz" })
 */
export async function convertMtx(
  mtxPath: string,
  outDir: string,
  options: MtxConvertOptions = {},
): Promise<ConversionResult> {
  return convertMatrixMarket({
    format: "mtx",
    input: mtxPath,
    mtxPath,
    outDir,
    options,
    nameColumns: GENERIC_NAMES,
  });
}

/** The shared Matrix Market conversion behind `convertMtx` and the 10x directory converter. */
export async function convertMatrixMarket(args: {
  readonly format: string;
  readonly input: string;
  readonly mtxPath: string;
  readonly outDir: string;
  readonly options: MtxConvertOptions;
  readonly nameColumns: NameColumns;
  readonly extraManifest?: Record<string, unknown>;
}): Promise<ConversionResult> {
  const { mtxPath, outDir, options } = args;
  const genesOn = options.genesOn ?? "rows";
  const warnings: string[] = [];
  const stream = openMtxTriplets(mtxPath, {
    genesOn,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  try {
    const h = stream.header;
    const nGenes = genesOn === "rows" ? h.rows : h.cols;
    const nCells = genesOn === "rows" ? h.cols : h.rows;
    const geneNamesPath = genesOn === "rows" ? options.rowNames : options.colNames;
    const cellNamesPath = genesOn === "rows" ? options.colNames : options.rowNames;
    // Names first: a mismatch is found before the long part.
    const featureColumns =
      geneNamesPath === undefined
        ? []
        : await readNames(geneNamesPath, nGenes, args.nameColumns.features, "features", genesOn);
    const cellColumns =
      cellNamesPath === undefined
        ? []
        : await readNames(
            cellNamesPath,
            nCells,
            args.nameColumns.cells,
            "barcodes",
            genesOn === "rows" ? "cols" : "rows",
          );
    let metadataReport: CellMetadataReport | undefined;
    if (options.cellMetadata !== undefined) {
      const barcodes = cellColumns[0]?.values as readonly (string | null)[] | undefined;
      if (!barcodes) {
        throw new FormatError("mtx_header_mismatch", "cell metadata needs the cell barcodes to join on", {
          file: options.cellMetadata,
          hint: "Pass the barcodes file as column (or row) names",
        });
      }
      const joined = await joinCellMetadata(
        barcodes.map((b) => b ?? ""),
        options.cellMetadata,
        ["cell_idx", ...cellColumns.map((c) => c.name)],
      );
      cellColumns.push(...joined.columns);
      warnings.push(...joined.warnings);
      metadataReport = joined.report;
    }
    const { outputs, result } = await withStagedOutputDir(outDir, async (stage) => {
      const matrix = await writeTripletsParquet(stage.path("matrix.X.parquet"), stream.source, {
        valueType: stream.valueType,
        metadata: {
          "omicslake.matrix": JSON.stringify({
            source: "mtx",
            field: h.field,
            symmetry: h.symmetry,
            index_base: 0,
          }),
        },
      });
      stage.add("matrix.X.parquet", "matrix_X", matrix);
      const cells: DataFrame = {
        rowCount: nCells,
        columns: [{ name: "cell_idx", type: { kind: "int32" }, values: positions(nCells) }, ...cellColumns],
      };
      stage.add("cells.parquet", "cells", await writeDataFrameParquet(cells, stage.path("cells.parquet")));
      const features: DataFrame = {
        rowCount: nGenes,
        columns: [
          { name: "gene_idx", type: { kind: "int32" }, values: positions(nGenes) },
          ...featureColumns,
        ],
      };
      stage.add(
        "features.parquet",
        "features",
        await writeDataFrameParquet(features, stage.path("features.parquet")),
      );
      const progress = stream.progress();
      const manifest = {
        format: args.format,
        input: args.input,
        ...args.extraManifest,
        shape: { cells: nCells, genes: nGenes },
        index_base: 0,
        matrix_file: {
          path: mtxPath,
          gzip: progress.gzip,
          layout: h.layout,
          field: h.field,
          symmetry: h.symmetry,
          rows: h.rows,
          cols: h.cols,
          declared_entries: h.declaredEntries,
          genes_on: genesOn,
        },
        matrices: {
          X: {
            file: "matrix.X.parquet",
            nnz: matrix.rows,
            dtype: stream.valueType,
            // Stored entries in file order; symmetric files are expanded, array files keep their nonzeros.
            order: "as stored in the file",
          },
        },
        cell_metadata: metadataReport ?? null,
        cells_without_metadata: metadataReport?.cellsWithoutMetadata ?? null,
      };
      await stage.writeJson("manifest.json", "manifest", manifest);
      return manifest;
    });
    return {
      format: args.format,
      input: args.input,
      outputs,
      manifest: result,
      warnings,
      toolVersions: { duckdb: parquetEngineVersion(), node: nodeVersion },
    };
  } finally {
    stream.close();
  }
}

/** A lone Matrix Market file (plain or gzip), with optional cell metadata. */
export const mtxConverter: Converter = {
  name: "mtx",
  formats: ["mtx"],
  reads: "Matrix Market",
  convert: ({ path, outDir, options }) =>
    convertMtx(path, outDir, { ...commonOptions(options), ...cellMetadataOption(options) }),
};
