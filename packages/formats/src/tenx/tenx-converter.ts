import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ConversionResult, ConvertOptions } from "../convert/conversion-result.js";
import type { Column, DataFrame } from "../frame/data-frame.js";
import { FormatError } from "../convert/format-error.js";
import { compressedSparseSource } from "../h5ad/h5-matrix-source.js";
import type { MatrixSource } from "../h5ad/h5-matrix-source.js";
import { attrString, isDataset, isGroup, readValue, shapeOf, toStrings } from "../h5ad/h5-reader.js";
import type { Group } from "../h5ad/h5-reader.js";
import { convertMatrixMarket } from "../mtx/mtx-converter.js";
import { writeDataFrameParquet } from "../parquet/data-frame-parquet-writer.js";
import { withStagedOutputDir } from "../parquet/staged-output-dir.js";
import { convertHdf5File } from "../h5ad/hdf5-conversion.js";
import { writeTripletsParquet } from "../parquet/triplet-parquet-writer.js";
import type { TripletSource } from "../parquet/triplet-parquet-writer.js";
import { joinCellMetadata } from "./cell-metadata-join.js";
import type { CellMetadataReport } from "./cell-metadata-join.js";
import { cellMetadataOption, commonOptions, type Converter } from "../convert/converter.js";

export interface TenxConvertOptions extends ConvertOptions {
  /** A CSV/TSV cell metadata table joined by barcode; cells without a row are reported, never dropped. */
  readonly cellMetadata?: string;
  /** Stored matrix entries read per slice from a 10x HDF5 file (default 1,048,576). */
  readonly chunkEntries?: number;
}

/** The three files of a 10x Matrix Market directory (names may carry a prefix, as on GEO). */
export interface TenxMtxFiles {
  readonly matrix: string;
  readonly barcodes: string;
  readonly features: string;
  /** `v3` with `features.tsv`, `v2` with `genes.tsv`. */
  readonly version: "v2" | "v3";
}

function pick(names: readonly string[], suffixes: readonly string[]): string[] {
  return names.filter((n) =>
    suffixes.some((s) => n === s || n.endsWith(`_${s}`) || n.endsWith(`.${s}`) || n.endsWith(`-${s}`)),
  );
}

/** Finds the matrix, barcodes and features (or genes) files of a 10x directory. */
export async function findTenxMtxFiles(dir: string): Promise<TenxMtxFiles> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith("."));
  const matrix = pick(names, ["matrix.mtx.gz", "matrix.mtx"]);
  const barcodes = pick(names, ["barcodes.tsv.gz", "barcodes.tsv"]);
  const features = pick(names, ["features.tsv.gz", "features.tsv"]);
  const genes = pick(names, ["genes.tsv.gz", "genes.tsv"]);
  const featureFiles = features.length > 0 ? features : genes;
  const problems: string[] = [];
  if (matrix.length !== 1)
    problems.push(matrix.length === 0 ? "no matrix.mtx[.gz]" : `several matrices (${matrix.join(", ")})`);
  if (barcodes.length !== 1)
    problems.push(
      barcodes.length === 0 ? "no barcodes.tsv[.gz]" : `several barcode files (${barcodes.join(", ")})`,
    );
  if (featureFiles.length !== 1)
    problems.push(
      featureFiles.length === 0
        ? "no features.tsv[.gz] or genes.tsv[.gz]"
        : `several feature files (${featureFiles.join(", ")})`,
    );
  if (problems.length > 0) {
    throw new FormatError("tenx_incomplete", `not a 10x Matrix Market directory: ${problems.join("; ")}`, {
      file: dir,
      hint: "A 10x directory holds matrix.mtx.gz, barcodes.tsv.gz and features.tsv.gz (or genes.tsv)",
    });
  }
  return {
    matrix: join(dir, matrix[0]!),
    barcodes: join(dir, barcodes[0]!),
    features: join(dir, featureFiles[0]!),
    version: features.length > 0 ? "v3" : "v2",
  };
}

/**
 * Converts 10x Genomics output: a Matrix Market directory (v2 `genes.tsv` or v3 `features.tsv.gz`, with
 * `matrix.mtx[.gz]` and `barcodes.tsv[.gz]`) or a `filtered_feature_bc_matrix.h5` (v3 `matrix` group, or v2
 * genome-named groups). Writes `cells.parquet` (`cell_idx`, `barcode`, metadata columns), `features.parquet`
 * (`gene_idx`, `gene_id`, `gene_name`, `feature_type`…), `matrix.X.parquet` and `manifest.json`.
 *
 * @example await convertTenx("filtered_feature_bc_matrix/", "out", { cellMetadata: "cells.tsv" })
 */
export async function convertTenx(
  input: string,
  outDir: string,
  options: TenxConvertOptions = {},
): Promise<ConversionResult> {
  const info = await stat(input);
  // The matrix file itself stands for its directory (users often point at matrix.mtx.gz).
  const dir = info.isDirectory() ? input : /\.mtx(\.gz)?$/i.test(input) ? dirname(input) : undefined;
  if (dir !== undefined) {
    const files = await findTenxMtxFiles(dir);
    return convertMatrixMarket({
      format: "10x-mtx",
      input,
      mtxPath: files.matrix,
      outDir,
      options: { ...options, rowNames: files.features, colNames: files.barcodes, genesOn: "rows" },
      nameColumns: { features: ["gene_id", "gene_name", "feature_type"], cells: ["barcode"] },
      extraManifest: {
        tenx: {
          version: files.version,
          files: { matrix: files.matrix, barcodes: files.barcodes, features: files.features },
        },
      },
    });
  }
  return convertTenxH5(input, outDir, options);
}

interface GenomeMatrix {
  readonly name: string;
  readonly group: Group;
  readonly genes: number;
  readonly cells: number;
  readonly barcodes: string[];
  readonly featureColumns: Record<string, (string | null)[]>;
}

function readGenome(file: string, group: Group, layout: "v3" | "v2"): GenomeMatrix {
  const shapeDs = group.get("shape");
  const barcodesDs = group.get("barcodes");
  if (!isDataset(shapeDs) || !isDataset(barcodesDs)) {
    throw new FormatError("h5ad_malformed", "a 10x matrix group needs shape and barcodes", {
      file,
      key: group.path,
    });
  }
  const [genes, cells] = Array.from(readValue(file, shapeDs) as ArrayLike<number | bigint>, Number) as [
    number,
    number,
  ];
  const barcodes = toStrings(readValue(file, barcodesDs));
  if (barcodes.length !== cells) {
    throw new FormatError("h5ad_malformed", `${barcodes.length} barcodes for ${cells} cells`, {
      file,
      key: barcodesDs.path,
    });
  }
  const featureColumns: Record<string, (string | null)[]> = {};
  const take = (name: string, ds: unknown): void => {
    if (isDataset(ds) && shapeOf(ds).length === 1 && shapeOf(ds)[0] === genes)
      featureColumns[name] = toStrings(readValue(file, ds));
  };
  if (layout === "v3") {
    const features = group.get("features");
    if (!isGroup(features))
      throw new FormatError("h5ad_malformed", "no features group", {
        file,
        key: `${group.path}/features`,
      });
    const rename: Record<string, string> = { id: "gene_id", name: "gene_name" };
    for (const key of [
      "id",
      "name",
      "feature_type",
      "genome",
      ...features.keys().filter((k) => !["id", "name", "feature_type", "genome"].includes(k)),
    ]) {
      take(rename[key] ?? key, features.get(key));
    }
  } else {
    take("gene_id", group.get("genes"));
    take("gene_name", group.get("gene_names"));
    featureColumns["genome"] = Array.from({ length: genes }, () => group.path.replace(/^\//, ""));
  }
  if (!featureColumns["gene_id"])
    throw new FormatError("h5ad_malformed", `no per-feature ids (${genes} expected)`, {
      file,
      key: group.path,
    });
  return { name: group.path, group, genes, cells, barcodes, featureColumns };
}

/** Concatenates the genomes' sources along the gene axis (v2 multi-genome files). */
function concatenated(sources: readonly { source: TripletSource; geneOffset: number }[]): TripletSource {
  let i = 0;
  return () => {
    while (i < sources.length) {
      const { source, geneOffset } = sources[i]!;
      const batch = source();
      if (batch === undefined) {
        i++;
        continue;
      }
      if (geneOffset !== 0) for (let k = 0; k < batch.length; k++) batch.gene[k]! += geneOffset;
      return batch;
    }
    return undefined;
  };
}

async function convertTenxH5(
  path: string,
  outDir: string,
  options: TenxConvertOptions,
): Promise<ConversionResult> {
  return convertHdf5File(path, "10x-h5", async (h5, warnings) => {
    const v3 = h5.get("matrix");
    let genomes: GenomeMatrix[];
    let layout: "v3" | "v2";
    if (isGroup(v3)) {
      layout = "v3";
      genomes = [readGenome(path, v3, "v3")];
    } else {
      layout = "v2";
      genomes = h5
        .keys()
        .map((k) => h5.get(k))
        .filter((g): g is Group => isGroup(g) && g.keys().includes("indptr"))
        .map((g) => readGenome(path, g, "v2"));
      if (genomes.length === 0) {
        throw new FormatError(
          "h5ad_malformed",
          "no 10x matrix: neither a /matrix group (v3) nor genome groups with indptr (v2)",
          {
            file: path,
            hint: "Check that this is a 10x feature-barcode matrix .h5",
          },
        );
      }
    }
    const first = genomes[0]!;
    for (const g of genomes.slice(1)) {
      if (g.cells !== first.cells || g.barcodes.some((b, i) => b !== first.barcodes[i])) {
        throw new FormatError(
          "h5ad_unsupported",
          `genome ${g.name} has different barcodes from ${first.name}`,
          { file: path, key: g.name },
        );
      }
    }
    const nCells = first.cells;
    const nGenes = genomes.reduce((s, g) => s + g.genes, 0);
    let offset = 0;
    const parts: { source: TripletSource; geneOffset: number; matrix: MatrixSource }[] = [];
    let entriesBefore = 0;
    const totalEntries = genomes.reduce((s, g) => {
      const indptr = g.group.get("indptr");
      return (
        s +
        (isDataset(indptr)
          ? Number((readValue(path, indptr) as ArrayLike<number | bigint>)[g.cells] ?? 0)
          : 0)
      );
    }, 0);
    for (const g of genomes) {
      const data = g.group.get("data");
      const indices = g.group.get("indices");
      const indptr = g.group.get("indptr");
      if (!isDataset(data) || !isDataset(indices) || !isDataset(indptr)) {
        throw new FormatError("h5ad_malformed", "a 10x matrix needs data, indices and indptr", {
          file: path,
          key: g.name,
        });
      }
      const base = entriesBefore;
      // 10x stores genes x cells column by column: the compressed (major) axis is the cell.
      const matrix = compressedSparseSource(
        path,
        { data, indices, indptr },
        { encoding: "csc_matrix", shape: [g.cells, g.genes], majorIsCell: true },
        {
          chunkEntries: options.chunkEntries,
          signal: options.signal,
          onEntries: (done) => options.onProgress?.(base + done, totalEntries),
        },
      );
      entriesBefore += matrix.info.storedEntries;
      parts.push({ source: matrix.source, geneOffset: offset, matrix });
      offset += g.genes;
    }
    const valueTypes = new Set(parts.map((p) => p.matrix.info.valueType));
    if (valueTypes.size !== 1)
      throw new FormatError("h5ad_unsupported", "genomes store values of different types", {
        file: path,
      });

    const featureNames = [...new Set(genomes.flatMap((g) => Object.keys(g.featureColumns)))];
    const featureColumns: Column[] = featureNames.map((name) => ({
      name,
      type: { kind: "string" },
      values: genomes.flatMap((g) => g.featureColumns[name] ?? Array.from({ length: g.genes }, () => null)),
    }));
    const cellColumns: Column[] = [{ name: "barcode", type: { kind: "string" }, values: first.barcodes }];
    let metadataReport: CellMetadataReport | undefined;
    if (options.cellMetadata !== undefined) {
      const joined = await joinCellMetadata(first.barcodes, options.cellMetadata, ["cell_idx", "barcode"]);
      cellColumns.push(...joined.columns);
      warnings.push(...joined.warnings);
      metadataReport = joined.report;
    }
    const positions = (n: number): Column => ({
      name: "",
      type: { kind: "int32" },
      values: Int32Array.from({ length: n }, (_, i) => i),
    });

    return await withStagedOutputDir(outDir, async (stage) => {
      const valueType = parts[0]!.matrix.info.valueType;
      const matrix = await writeTripletsParquet(stage.path("matrix.X.parquet"), concatenated(parts), {
        valueType,
        metadata: { "omicslake.matrix": JSON.stringify({ source: "10x-h5", layout, order: "by cell" }) },
      });
      stage.add("matrix.X.parquet", "matrix_X", matrix);
      const cells: DataFrame = {
        rowCount: nCells,
        columns: [{ ...positions(nCells), name: "cell_idx" }, ...cellColumns],
      };
      stage.add("cells.parquet", "cells", await writeDataFrameParquet(cells, stage.path("cells.parquet")));
      const features: DataFrame = {
        rowCount: nGenes,
        columns: [{ ...positions(nGenes), name: "gene_idx" }, ...featureColumns],
      };
      stage.add(
        "features.parquet",
        "features",
        await writeDataFrameParquet(features, stage.path("features.parquet")),
      );
      const manifest = {
        format: "10x-h5",
        input: path,
        tenx: {
          version: layout,
          genomes: genomes.map((g) => ({ group: g.name, genes: g.genes })),
          library_ids: attrString(h5, "library_ids") ?? null,
          chemistry_description: attrString(h5, "chemistry_description") ?? null,
          software_version: attrString(h5, "software_version") ?? null,
        },
        shape: { cells: nCells, genes: nGenes },
        index_base: 0,
        matrices: {
          X: {
            file: "matrix.X.parquet",
            nnz: matrix.rows,
            dtype: parts[0]!.matrix.info.dtype,
            valueType,
            order: "by cell",
          },
        },
        cell_metadata: metadataReport ?? null,
        cells_without_metadata: metadataReport?.cellsWithoutMetadata ?? null,
      };
      await stage.writeJson("manifest.json", "manifest", manifest);
      return manifest;
    });
  });
}

/** 10x Genomics matrices: the HDF5 file or the matrix.mtx/barcodes/features folder, with optional cell metadata. */
export const tenxConverter: Converter = {
  name: "10x",
  formats: ["10x-h5", "10x-mtx-dir"],
  reads: "10x (HDF5 or matrix.mtx/barcodes/features)",
  convert: ({ path, outDir, options }) =>
    convertTenx(path, outDir, { ...commonOptions(options), ...cellMetadataOption(options) }),
};
