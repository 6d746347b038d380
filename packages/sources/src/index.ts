export type { SourceAdapter, SourceListContext, UpstreamFile } from "./source-adapter.js";
export { SOURCE_ADAPTERS, sourceAdapterFor } from "./source-adapters.js";
export {
  SourceConfigError,
  UpstreamChecksumError,
  UpstreamError,
  UpstreamListingError,
} from "./upstream-error.js";
export { sraSourceAdapter, selectMirroringBatches, type MirroringBatch } from "./sra/sra-source-adapter.js";
export { geoSourceAdapter, geoAccessionOfUid } from "./geo/geo-source-adapter.js";
export { biosampleSourceAdapter } from "./biosample/biosample-source-adapter.js";
export { bioprojectSourceAdapter } from "./bioproject/bioproject-source-adapter.js";
export { pubmedSourceAdapter, parseMd5File } from "./pubmed/pubmed-source-adapter.js";
export { parseDirectoryListing, type DirectoryEntry } from "./html-directory-listing.js";
export {
  ingestDataset,
  type FetchedFile,
  type IngestOptions,
  type IngestResult,
  type IngestTarget,
  type SkippedFile,
  type SkipReason,
} from "./fetch/ingest-dataset.js";
export { ingestConfigured, type ConfiguredIngest } from "./fetch/ingest-configured.js";
export { HttpClient, type HttpClientOptions, type RetryEvent } from "./fetch/http-client.js";
export type { RetryPolicy } from "./fetch/retry-policy.js";
// Upstream file versions are a catalog repository (`catalog.upstreamFiles`); the record type stays importable here.
export type { UpstreamFileRecord } from "@omicslake/core";
export type { DataItem, ItemFile, ItemListing, ItemProblem } from "./items/data-item.js";
export {
  pairReadFiles,
  type PairingOptions,
  type PairingResult,
  type ReadPair,
} from "./items/read-pairing.js";
export { isIgnoredName, layoutItems, stripExtensions, type LayoutOptions } from "./items/layout-items.js";
export { listTreeItems } from "./items/tree-items.js";
export type { SourceKind, SourceKindContext, SyncResult } from "./kinds/source-kind.js";
export { SOURCE_KINDS, addSourceKind, sourceKind } from "./kinds/source-kinds.js";
export { kindContext, type KindContextConfig } from "./kinds/kind-context.js";
export { downloadToFile, partialPathOf, type DownloadToFileOptions } from "./fetch/download-to-file.js";
export {
  ncbiGenomesSourceKind,
  NCBI_DATASETS_URL,
  NCBI_GENOMES_FTP_URL,
} from "./kinds/ncbi-genomes/ncbi-genomes-source-kind.js";
export { GENOME_FILE_KINDS, genomeFileName, type GenomeFileKind } from "./kinds/ncbi-genomes/genome-files.js";
export { speciesDirectoryName, speciesOfOrganism } from "./kinds/ncbi-genomes/species-directory-name.js";
export { bestAssemblyPerSpecies, compareAssemblies } from "./kinds/ncbi-genomes/best-assembly.js";
export type { AssemblyReport } from "./kinds/ncbi-genomes/assembly-report.js";
export {
  genbankSourceKind,
  GENBANK_DIVISIONS,
  GENBANK_URL,
  NCBI_TAXDUMP_URL,
  taxidsFileName,
} from "./kinds/genbank/genbank-source-kind.js";
export {
  readTaxidsFile,
  taxonSubtree,
  taxonSubtreeFromTaxdump,
  writeTaxidsFile,
  type TaxidSet,
} from "./kinds/genbank/taxon-subtree.js";
export { internalSourceKind } from "./kinds/internal/internal-source-kind.js";
export { sraReadsSourceKind } from "./kinds/sra-reads/sra-reads-source-kind.js";
export { splitCommandLine } from "./kinds/sra-reads/command-line.js";
export { urlSourceKind, urlSourceAdapter } from "./kinds/url/url-source-kind.js";
export { s3SourceKind } from "./kinds/s3/s3-source-kind.js";
export { datasetTreeDir } from "./kinds/dataset-tree.js";
export {
  processDatasets,
  type ProcessHandlers,
  type ProcessOptions,
  type ProcessSummary,
  type StepOutcome,
} from "./processing/process-datasets.js";
export { bindKind, datasetItems, type KindBinding } from "./processing/dataset-items.js";
export { ingestItems, ensureRawDataset, type ItemIngestResult } from "./processing/ingest-items.js";
export { checksumDataset, type ChecksumResult } from "./processing/checksum-dataset.js";
export { stepDatasetName } from "./processing/command-step.js";
export { ProcessingError, ItemsFailedError, type ItemFailure } from "./processing/processing-error.js";
export { shellQuote } from "./processing/shell-command.js";
