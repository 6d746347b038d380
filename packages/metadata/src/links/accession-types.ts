/**
 * The kinds of accession the link table relates, with the pattern an accession of each kind matches. The
 * builder keeps only values that match their declared kind, so a link's type is always right; the API
 * uses the same patterns to tell an accession of no known kind (400) from one with no links (404).
 */
export const ACCESSION_TYPES = {
  srp: /^[SED]RP\d+$/,
  srx: /^[SED]RX\d+$/,
  srr: /^[SED]RR\d+$/,
  srs: /^[SED]RS\d+$/,
  /** SRA submissions (SRA…, ERA…, DRA…). */
  sra: /^[SED]RA\d+$/,
  gse: /^GSE\d+$/,
  gsm: /^GSM\d+$/,
  gpl: /^GPL\d+$/,
  gds: /^GDS\d+$/,
  biosample: /^SAM[A-Z]{1,2}\d+$/,
  bioproject: /^PRJ[A-Z]{2}\d+$/,
  pmid: /^[1-9]\d{0,9}$/,
} as const satisfies Record<string, RegExp>;

export type AccessionType = keyof typeof ACCESSION_TYPES;

export const ACCESSION_TYPE_NAMES = Object.keys(ACCESSION_TYPES) as readonly AccessionType[];

export function isAccessionType(value: string): value is AccessionType {
  return Object.hasOwn(ACCESSION_TYPES, value);
}

/**
 * The kind of an accession as written by a user (case ignored), or undefined when it is no accession
 * the link table can hold. `normalizeAccession` gives the form the table stores.
 *
 * @example accessionType("gse146537") // "gse"
 */
export function accessionType(accession: string): AccessionType | undefined {
  const normalized = normalizeAccession(accession);
  return ACCESSION_TYPE_NAMES.find((type) => ACCESSION_TYPES[type].test(normalized));
}

/** Accessions are stored upper-case and trimmed, as NCBI writes them. */
export function normalizeAccession(accession: string): string {
  return accession.trim().toUpperCase();
}

/**
 * A type's pattern as DuckDB's `regexp_full_match` reads it (RE2 syntax is the same for these patterns,
 * anchors left out since the match is full).
 */
export function duckdbPattern(type: AccessionType): string {
  return ACCESSION_TYPES[type].source.replace(/^\^/, "").replace(/\$$/, "");
}
