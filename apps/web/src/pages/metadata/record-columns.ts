/**
 * The few fields that tell records of one kind apart in a list, picked by which fields the records have:
 * every source names its title, organism and dates differently, and new sources need no change here.
 */
export type MetadataRecord = Readonly<Record<string, unknown>>;

export interface SummaryColumn {
  readonly key: string;
  readonly label: string;
  readonly value: (record: MetadataRecord) => string | null;
  /** Hidden on phones. */
  readonly secondary: boolean;
}

function at(record: MetadataRecord, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (value === null || value === undefined) return undefined;
    value = Array.isArray(value) ? (value as unknown[])[Number(part)] : (value as MetadataRecord)[part];
  }
  return value;
}

function firstOf(paths: readonly string[]): (record: MetadataRecord) => string | null {
  return (record) => {
    for (const path of paths) {
      const value = at(record, path);
      if (value === null || value === undefined || value === "") continue;
      if (typeof value === "string" || typeof value === "number") return String(value);
    }
    return null;
  };
}

type Candidate = Omit<SummaryColumn, "value"> & { readonly paths: readonly string[] };

const CANDIDATES: readonly Candidate[] = [
  { key: "title", label: "Title", secondary: false, paths: ["title", "name"] },
  {
    key: "organism",
    label: "Organism",
    secondary: true,
    paths: [
      "scientificName",
      "organismName",
      "organism.name",
      "organisms.0",
      "sampleOrganisms.0",
      "channels.0.organisms.0",
    ],
  },
  {
    key: "type",
    label: "Type",
    secondary: true,
    paths: [
      "studyType",
      "types.0",
      "library.strategy",
      "libraryStrategy",
      "technology",
      "packageDisplayName",
      "journal.title",
    ],
  },
  {
    key: "parent",
    label: "Part of",
    secondary: true,
    paths: ["studyAccession", "experimentAccession", "seriesIds.0", "bioproject", "biosample"],
  },
  {
    key: "date",
    label: "Date",
    secondary: false,
    paths: [
      "publicDate",
      "published",
      "publicationDate",
      "releaseDate",
      "lastUpdateDate",
      "lastUpdate",
      "dateRevised",
      "submissionDate",
    ],
  },
];

/** The summary columns some record of the list has a value for, in a fixed order. */
export function summaryColumns(records: readonly MetadataRecord[]): SummaryColumn[] {
  return CANDIDATES.map(({ paths, ...column }) => ({ ...column, value: firstOf(paths) })).filter((column) =>
    records.some((record) => column.value(record) !== null),
  );
}

/** A record's accession (every served record has one; PubMed's is its PMID). */
export function accessionOf(record: MetadataRecord): string {
  const value = record["accession"] ?? record["pmid"];
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** Dates as their day: the lists compare days, and the time of day is mostly midnight anyway. */
export function shortDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T/.test(value) ? value.slice(0, 10) : value;
}
