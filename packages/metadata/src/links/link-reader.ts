import type { AccessionType } from "./accession-types.js";

/** One stored link, read from its `from` side. */
export interface LinkEdge {
  readonly from: string;
  readonly to: string;
  readonly toType: AccessionType;
  readonly relation: string;
  readonly source: string;
}

/**
 * Where the traversal reads links: the serving tables (`serving-link-reader.ts`) or the curated Parquet
 * (`parquet-link-reader.ts`). One call per traversal level, for the whole frontier at once.
 */
export interface LinkReader {
  /**
   * The links leaving any of `accessions`, in any order (the caller sorts them); at most `limit` of them
   * (the caller asks for one more than it accepts, to know when there were too many).
   */
  edgesFrom(accessions: readonly string[], limit: number): Promise<LinkEdge[]>;
}
