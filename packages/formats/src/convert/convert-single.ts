import { verifyCompressedFile } from "../compression/compressed-file.js";
import { convertCsv } from "../csv/csv-path-converter.js";
import { convertH5ad } from "../h5ad/h5ad-converter.js";
import { convertMtx } from "../mtx/mtx-converter.js";
import { convertPickle } from "../pickle/pickle-converter.js";
import { convertRds } from "../rds/rds-converter.js";
import type { SniffResult } from "../sniff/sniff-format.js";
import { convertTenx } from "../tenx/tenx-converter.js";
import type { ConversionResult } from "./conversion-result.js";
import type { ConvertPathOptions } from "./convert-path-options.js";
import { copyParquet } from "./copy-parquet.js";
import { FormatError } from "./format-error.js";

/** One non-archive input (a file, a 10x directory) converted into `dir`. */
export async function convertSingle(
  input: string,
  sniff: SniffResult,
  dir: string,
  options: ConvertPathOptions,
  label: string,
): Promise<ConversionResult> {
  const passOn = {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  switch (sniff.format) {
    case "rds":
      return convertRds(input, dir, passOn);
    case "pickle":
      return convertPickle(input, dir, passOn);
    case "csv":
    case "tsv": {
      if (sniff.compressed === "bzip2" || sniff.compressed === "xz") {
        throw unsupported(
          label,
          `${sniff.format.toUpperCase()} compressed with ${sniff.compressed}`,
          "Recompress it with gzip (DuckDB reads gzip text directly).",
        );
      }
      const delimiter = sniff.details["delimiter"];
      return convertCsv(input, dir, { ...passOn, ...(typeof delimiter === "string" ? { delimiter } : {}) });
    }
    case "mtx":
      return convertMtx(input, dir, { ...passOn, ...cellMetadataOption(options) });
    case "h5ad":
      return convertH5ad(input, dir, passOn);
    case "10x-h5":
    case "10x-mtx-dir":
      return convertTenx(input, dir, { ...passOn, ...cellMetadataOption(options) });
    case "parquet":
      return copyParquet(input, dir);
    case "hdf5":
      throw unsupported(
        label,
        typeof sniff.details["reason"] === "string"
          ? `an HDF5 file: ${sniff.details["reason"]}`
          : "an HDF5 file that is neither AnnData (h5ad) nor a 10x Genomics matrix",
        "Export the data as h5ad (AnnData.write_h5ad) or CSV.",
      );
    case "tar":
    case "zip":
      throw unsupported(
        label,
        "an archive inside an archive",
        "Unpack the inner archive and convert it on its own.",
      );
    case "gzip":
      // Damage can hide what a file holds: report the damage rather than an unknown format.
      await verifyCompressedFile(input, "gzip");
      throw unsupported(
        label,
        "gzip-compressed content of an unknown format",
        "Check what the file holds (zcat | head); supported: RDS, pickle, CSV/TSV, Matrix Market, tar.",
      );
    case "unknown":
      if (sniff.compressed !== undefined) await verifyCompressedFile(input, sniff.compressed);
      throw unsupported(
        label,
        `content of an unknown format${sniff.compressed ? ` (${sniff.compressed}-compressed)` : ""}`,
        "Supported: h5ad, 10x (HDF5 or matrix.mtx/barcodes/features), Matrix Market, RDS, pickle, CSV/TSV, Parquet, tar/zip of those.",
      );
  }
}

export function cellMetadataOption(options: ConvertPathOptions): { cellMetadata?: string } {
  return options.cellMetadata === undefined ? {} : { cellMetadata: options.cellMetadata };
}

export function unsupported(file: string, what: string, hint: string): FormatError {
  return new FormatError("unsupported_format", `cannot convert ${what}`, { file, hint });
}
