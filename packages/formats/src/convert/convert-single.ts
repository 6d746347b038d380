import { verifyCompressedFile } from "../compression/compressed-file.js";
import type { SniffResult } from "../sniff/sniff-format.js";
import type { ConversionResult } from "./conversion-result.js";
import type { ConvertPathOptions } from "./convert-path-options.js";
import { converterFor, supportedFormatsHint } from "./converters.js";
import { unsupported } from "./unsupported-format.js";

/**
 * One non-archive input (a file, a 10x directory) converted into `dir` by the converter registered for
 * its sniffed format; formats no converter takes are refused with what the input is and what to do.
 */
export async function convertSingle(
  input: string,
  sniff: SniffResult,
  dir: string,
  options: ConvertPathOptions,
  label: string,
): Promise<ConversionResult> {
  const converter = converterFor(sniff.format);
  if (converter !== undefined) return converter.convert({ path: input, sniff, outDir: dir, options, label });
  switch (sniff.format) {
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
        "Check what the file holds (zcat | head); supported: RDS, pickle, CSV/TSV, Matrix Market, GenBank, FASTQ/FASTA, tar.",
      );
    default:
      if (sniff.compressed !== undefined) await verifyCompressedFile(input, sniff.compressed);
      throw unsupported(
        label,
        `content of an unknown format${sniff.compressed ? ` (${sniff.compressed}-compressed)` : ""}`,
        supportedFormatsHint(),
      );
  }
}
