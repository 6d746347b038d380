import type { ArchiveLimits } from "../archive/archive-extractor.js";
import type { ConvertOptions } from "./conversion-result.js";

/** What convertPath accepts beyond every converter's options. */
export interface ConvertPathOptions extends ConvertOptions {
  /** A CSV/TSV cell metadata table joined by barcode onto 10x / Matrix Market cells. */
  readonly cellMetadata?: string;
  /** Overrides of the archive safety limits (size, member count, compression ratio). */
  readonly archiveLimits?: Partial<ArchiveLimits>;
  /**
   * GenBank only: keep the records whose source taxid is in this set (a taxon's subtree); records without a
   * taxid are dropped too, and the counts of kept and dropped records are in the manifest.
   */
  readonly genbankTaxids?: { has(taxid: number): boolean; readonly size: number };
}
