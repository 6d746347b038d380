import { basename } from "node:path";

// Enough to label what a lab stores; unknown files are application/octet-stream.
const BY_SUFFIX: readonly (readonly [string, string])[] = [
  [".xml.gz", "application/xml+gzip"],
  [".json.gz", "application/json+gzip"],
  [".ndjson.gz", "application/x-ndjson+gzip"],
  [".tsv.gz", "text/tab-separated-values+gzip"],
  [".csv.gz", "text/csv+gzip"],
  [".mtx.gz", "text/x-matrix-market+gzip"],
  [".soft.gz", "text/x-geo-soft+gzip"],
  [".tar.gz", "application/gzip"],
  [".xml", "application/xml"],
  [".json", "application/json"],
  [".ndjson", "application/x-ndjson"],
  [".parquet", "application/vnd.apache.parquet"],
  [".duckdb", "application/vnd.duckdb"],
  [".csv", "text/csv"],
  [".tsv", "text/tab-separated-values"],
  [".txt", "text/plain"],
  [".soft", "text/x-geo-soft"],
  [".mtx", "text/x-matrix-market"],
  [".h5ad", "application/x-hdf5"],
  [".h5", "application/x-hdf5"],
  [".rds", "application/x-r-rds"],
  [".pkl", "application/x-python-pickle"],
  [".pickle", "application/x-python-pickle"],
  [".tar", "application/x-tar"],
  [".zip", "application/zip"],
  [".gz", "application/gzip"],
  [".fastq", "text/x-fastq"],
  [".fa", "text/x-fasta"],
  [".fasta", "text/x-fasta"],
  [".bam", "application/x-bam"],
];

/** A media type guessed from the file name, for download headers and catalog display. */
export function mediaTypeOf(name: string): string {
  const lower = basename(name).toLowerCase();
  for (const [suffix, type] of BY_SUFFIX) if (lower.endsWith(suffix)) return type;
  return "application/octet-stream";
}
