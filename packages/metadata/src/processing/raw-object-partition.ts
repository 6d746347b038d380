import type { RecordFormat } from "@omicslake/parsers";

/**
 * Where a raw object's records go in processed and how its versions rank, read from the object name the
 * source adapter chose (`Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_run_set.xml.gz`,
 * `updatefiles/pubmed25n1300.xml.gz`, `2024/05/GSE1.soft`, `versions/<stamp>/<name>` for a re-fetched file).
 */
export interface RawObjectPartition {
  /** Hive-style path segments of the processed files (`batch=2025-01-10/stage=Full`). Empty for GEO, partitioned by record date. */
  readonly path: string;
  /**
   * Sorts the inputs oldest first: consolidation keeps, among equal entity dates, the record with the
   * greatest order (SRA: batch date, then Incremental after Full; PubMed: baseline, then update files by number).
   */
  readonly order: string;
  /** Raw objects that hold no records for processing (other SRA reports). */
  readonly skip?: boolean;
  /**
   * The parser of objects that are not in their dataset's format: `SRA_Accessions.tab`, fetched with the SRA
   * Mirroring files into the SRA dataset, is read by the `sra-accessions` parser.
   */
  readonly parser?: RecordFormat;
}

const VERSION_PREFIX = /^versions\/(\d{8}T\d{6,9}Z)\/(.+)$/;
const SRA_BATCH = /NCBI_SRA_Mirroring_(\d{4})(\d{2})(\d{2})(_Full)?(?:\/|$)/;
const PUBMED_FILE = /(?:^|\/)(?:(baseline|updatefiles)\/)?(pubmed\d+n\d+)\.xml(?:\.gz)?$/;
const GEO_MONTH = /^(\d{4})\/(\d{2})\//;
const SRA_ACCESSIONS_FILE = /(?:^|\/)SRA_Accessions\.tab(?:\.gz)?$/i;

/** The partition of a raw object, or the override a caller passes for files added by hand. */
export function partitionOfRawObject(format: RecordFormat, objectName: string): RawObjectPartition {
  const versioned = VERSION_PREFIX.exec(objectName);
  const version = versioned?.[1] ?? "00000000T000000Z";
  const name = versioned?.[2] ?? objectName;
  switch (format) {
    case "sra": {
      if (SRA_ACCESSIONS_FILE.test(name)) return sraAccessionsPartition(versioned !== null, version, name);
      if (/\.tab$|\.tsv$|\.csv$/i.test(name)) return { path: "", order: "", skip: true };
      const batch = SRA_BATCH.exec(name);
      if (!batch) return { path: "batch=undated/stage=Full", order: `0000-00-00|0|${version}|${name}` };
      const date = `${batch[1]}-${batch[2]}-${batch[3]}`;
      const stage = batch[4] ? "Full" : "Incremental";
      return {
        path: `batch=${date}/stage=${stage}`,
        order: `${date}|${stage === "Full" ? 0 : 1}|${version}|${name}`,
      };
    }
    case "pubmed": {
      const match = PUBMED_FILE.exec(name);
      const set = match?.[1] ?? "other";
      const file = match?.[2] ?? safeSegment(name);
      const rank = set === "baseline" ? 0 : set === "updatefiles" ? 2 : 1;
      return { path: `file=${file}`, order: `${rank}|${file}|${version}` };
    }
    case "geo": {
      const month = GEO_MONTH.exec(name);
      return { path: "", order: `${month ? `${month[1]}-${month[2]}` : "0000-00"}|${version}|${name}` };
    }
    case "sra-accessions":
      return sraAccessionsPartition(versioned !== null, version, name);
    case "biosample":
    case "bioproject":
    case "genbank":
      return { path: `version=${versioned ? version : "initial"}`, order: `${version}|${name}` };
  }
}

/**
 * `SRA_Accessions.tab` is a whole-archive dump: each fetch is a version of its own, and the latest fetch (the
 * greatest order) is the one consolidation keeps.
 */
function sraAccessionsPartition(versioned: boolean, version: string, name: string): RawObjectPartition {
  return {
    path: `accessions=${versioned ? version : "initial"}`,
    order: `${version}|${name}`,
    parser: "sra-accessions",
  };
}

/** A name usable as one path segment: letters, digits, `._-`; anything else becomes `_`. */
export function safeSegment(name: string): string {
  return (
    name
      .replace(/\.(gz|xml|soft|txt)$/g, "")
      .replace(/\.(gz|xml|soft|txt)$/g, "")
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .slice(0, 120) || "file"
  );
}
