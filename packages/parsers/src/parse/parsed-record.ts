/** What every parsed record has in common: its kind tag and its primary identifier. */
export interface ParsedRecord {
  readonly kind: string;
  readonly accession: string;
}
