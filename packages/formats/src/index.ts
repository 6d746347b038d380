// Contracts
export type { Column, ColumnType, DataFrame } from "./frame/data-frame.js";
export type {
  ConversionOutput,
  ConversionResult,
  ConvertOptions,
  OutputField,
} from "./convert/conversion-result.js";

// The router: any supported file, folder or archive, by content, through the converter registry
export type { Converter, ConverterInput } from "./convert/converter.js";
export { CONVERTERS, REFUSED_FORMATS, converterFor } from "./convert/converters.js";
export { convertPath, type ConvertPathOptions } from "./convert/convert-path.js";
export { FormatError, type FormatErrorCode, type FormatErrorDetails } from "./convert/format-error.js";
export { sniffFormat, type SniffResult, type SniffedFormat } from "./sniff/sniff-format.js";

// Matrices: h5ad, 10x, Matrix Market
export { convertH5ad, type H5adConvertOptions } from "./h5ad/h5ad-converter.js";
export {
  convertTenx,
  findTenxMtxFiles,
  type TenxConvertOptions,
  type TenxMtxFiles,
} from "./tenx/tenx-converter.js";
export { convertMtx, type MtxConvertOptions } from "./mtx/mtx-converter.js";
export {
  MtxParser,
  type MtxField,
  type MtxHeader,
  type MtxLayout,
  type MtxSymmetry,
} from "./mtx/mtx-parser.js";
export { openMtxTriplets, type MtxTripletOptions, type MtxTripletStream } from "./mtx/mtx-triplet-reader.js";

// R, Python and delimited text
export { convertRds } from "./rds/rds-converter.js";
export { readRdsStream } from "./rds/rds-source.js";
export { readRdsBytes, type RdsHeader } from "./rds/rds-reader.js";
export { rValueToTables, type RdsTable } from "./rds/rds-frame.js";
export type { RValue } from "./rds/r-value.js";
export { convertPickle } from "./pickle/pickle-converter.js";
export { readPickleBytes, readPickleFile, type PickleContent } from "./pickle/pickle-reader.js";
export { convertCsv } from "./csv/csv-path-converter.js";
export { csvToParquet, type CsvToParquetResult } from "./csv/csv-converter.js";

// Sequence records
export { convertGenbank, GENBANK_RECORDS_TABLE, genbankConverter } from "./genbank/genbank-converter.js";
// Sequencing reads: FASTQ and FASTA statistics
export { convertReads, type ReadsConvertOptions } from "./reads/reads-converter.js";
export { readStats, type ReadStatsOptions } from "./reads/read-stats.js";
export type { QualityStats, ReadStats } from "./reads/read-tally.js";

export {
  DEFAULT_ARCHIVE_LIMITS,
  extractArchive,
  type ArchiveLimits,
  type ExtractedMember,
  type ExtractionResult,
} from "./archive/archive-extractor.js";

// Parquet writing
export {
  writeDataFrameParquet,
  CATEGORIES_METADATA_KEY,
  COLUMN_KINDS_METADATA_KEY,
  type DataFrameParquetOptions,
} from "./parquet/data-frame-parquet-writer.js";
export {
  TRIPLET_COLUMNS,
  writeTripletsParquet,
  type TripletBatch,
  type TripletParquetOptions,
  type TripletSource,
  type TripletValueType,
} from "./parquet/triplet-parquet-writer.js";
export { StagedOutputDir, withStagedOutputDir } from "./parquet/staged-output-dir.js";
export { parquetEngineVersion, type ParquetWriteSummary } from "./parquet/parquet-sink.js";
export { checkHdf5File } from "./h5ad/hdf5-file-check.js";

export {
  convertDataset,
  type ConvertDatasetOptions,
  type ConvertDatasetResult,
} from "./dataset/convert-dataset.js";
