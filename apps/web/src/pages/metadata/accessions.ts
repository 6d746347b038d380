/**
 * What an accession is, from its shape alone: which entity path of the API serves it and which NCBI page
 * shows it. Records name their parents by accession (`studyAccession`, `bioproject`, `seriesIds`), so these
 * turn plain strings into links.
 */
interface AccessionKind {
  readonly pattern: RegExp;
  /** The API's entity path (`sra/studies`), as in `GET /v1`. */
  readonly path: string;
  readonly ncbi: (accession: string) => string;
}

const sra = (a: string): string => `https://www.ncbi.nlm.nih.gov/sra/${a}`;
const geo = (a: string): string => `https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=${a}`;

const KINDS: readonly AccessionKind[] = [
  { pattern: /^[SED]RP\d+$/, path: "sra/studies", ncbi: sra },
  { pattern: /^[SED]RS\d+$/, path: "sra/samples", ncbi: sra },
  { pattern: /^[SED]RX\d+$/, path: "sra/experiments", ncbi: sra },
  { pattern: /^[SED]RR\d+$/, path: "sra/runs", ncbi: sra },
  { pattern: /^[SED]RA\d+$/, path: "sra/submissions", ncbi: sra },
  { pattern: /^GSE\d+$/, path: "geo/series", ncbi: geo },
  { pattern: /^GSM\d+$/, path: "geo/samples", ncbi: geo },
  { pattern: /^GPL\d+$/, path: "geo/platforms", ncbi: geo },
  { pattern: /^GDS\d+$/, path: "geo/datasets", ncbi: geo },
  {
    pattern: /^SAM[NED][A-Z]?\d+$/,
    path: "biosamples",
    ncbi: (a) => `https://www.ncbi.nlm.nih.gov/biosample/${a}`,
  },
  {
    pattern: /^PRJ[NED][A-Z]\d+$/,
    path: "bioprojects",
    ncbi: (a) => `https://www.ncbi.nlm.nih.gov/bioproject/${a}`,
  },
];

const PUBMED = (pmid: string): string => `https://pubmed.ncbi.nlm.nih.gov/${pmid}/`;

/** The entity path serving an accession, or null when its shape is not one the lake serves. */
export function entityPathOf(accession: string): string | null {
  return KINDS.find((k) => k.pattern.test(accession))?.path ?? null;
}

/** The NCBI page of a record: by the record's entity path, so PubMed ids (plain numbers) work too. */
export function ncbiUrlOf(path: string, accession: string): string | null {
  if (path === "pubmed") return /^\d+$/.test(accession) ? PUBMED(accession) : null;
  if (path === "sra/accessions") return KINDS.find((k) => k.pattern.test(accession))?.ncbi(accession) ?? null;
  const kind = KINDS.find((k) => k.path === path && k.pattern.test(accession));
  return kind ? kind.ncbi(accession) : null;
}

/** The dashboard's page of a record. */
export function entityHref(path: string, accession: string): string {
  return `/metadata/${path}/${encodeURIComponent(accession)}`;
}

/** Field names holding PubMed ids as numbers (`pubmedIds`, `pubmed_id`, `pmid`). */
export function isPubmedField(name: string): boolean {
  return /^(pubmed_?ids?|pmids?)$/i.test(name);
}
