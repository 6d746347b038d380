/** What the LOCUS line says about an entry. */
export interface GenbankLocus {
  readonly name: string;
  readonly length: number;
  readonly lengthUnit: "bp" | "aa" | "rc";
  readonly molecule?: string;
  readonly strandedness?: "ss" | "ds" | "ms";
  readonly topology?: "linear" | "circular";
  readonly division?: string;
  readonly date?: string;
}

const MONTHS: Readonly<Record<string, string>> = {
  JAN: "01",
  FEB: "02",
  MAR: "03",
  APR: "04",
  MAY: "05",
  JUN: "06",
  JUL: "07",
  AUG: "08",
  SEP: "09",
  OCT: "10",
  NOV: "11",
  DEC: "12",
};

const DATE = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/;
const DIVISION = /^[A-Z]{3}$/;
const STRANDED = /^(ss|ds|ms)-(.+)$/i;

/**
 * Reads the words after `LOCUS` by meaning rather than by column: NCBI's fixed columns broke when locus names
 * outgrew 16 characters, and older files leave out the topology. Returns a reason string when the line is not
 * a LOCUS line a reader can trust (no name, no integer length, no bp/aa unit, an impossible date).
 *
 * @example parseLocusLine("NC_005816  9609 bp  DNA  circular CON 10-JUN-2013") // { name: "NC_005816", length: 9609, … }
 */
export function parseLocusLine(rest: string): GenbankLocus | string {
  const words = rest.trim().split(/\s+/);
  if (words.length < 3 || words[0] === "") return "expected a name, a length and a unit (bp or aa)";
  const [name, lengthWord, unitWord, ...tail] = words as [string, string, string, ...string[]];
  if (!/^\d+$/.test(lengthWord)) return `the length "${lengthWord}" is not a whole number`;
  const unit = unitWord.toLowerCase();
  if (unit !== "bp" && unit !== "aa" && unit !== "rc")
    return `the unit "${unitWord}" is not "bp", "aa" or "rc"`;
  const locus: { -readonly [K in keyof GenbankLocus]: GenbankLocus[K] } = {
    name,
    length: Number(lengthWord),
    lengthUnit: unit,
  };
  const left = [...tail];
  const last = left.at(-1);
  if (last !== undefined && DATE.test(last)) {
    const date = toIsoDate(last);
    if (date === undefined) return `the date "${last}" is not a date like 26-JUL-2016`;
    locus.date = date;
    left.pop();
  }
  const division = left.at(-1);
  // "DNA"/"RNA" are three capitals too: a molecule type, not a division, when the division is left out.
  if (division !== undefined && DIVISION.test(division) && !/^(DNA|RNA)$/.test(division)) {
    locus.division = division;
    left.pop();
  }
  const topologyAt = left.findIndex((w) => /^(linear|circular)$/i.test(w));
  if (topologyAt >= 0) {
    locus.topology = left[topologyAt]!.toLowerCase() as "linear" | "circular";
    left.splice(topologyAt, 1);
  }
  if (left.length > 1) return `unexpected words "${left.join(" ")}" between the unit and the division`;
  const molecule = left[0];
  if (molecule !== undefined) {
    const stranded = STRANDED.exec(molecule);
    if (stranded !== null) {
      locus.strandedness = stranded[1]!.toLowerCase() as "ss" | "ds" | "ms";
      locus.molecule = stranded[2]!;
    } else locus.molecule = molecule;
  }
  return locus;
}

/** `26-JUL-2016` → `2016-07-26`; undefined for an unknown month or an impossible day. */
export function toIsoDate(text: string): string | undefined {
  const m = DATE.exec(text);
  if (m === null) return undefined;
  const month = MONTHS[m[2]!.toUpperCase()];
  const day = Number(m[1]);
  if (month === undefined || day < 1 || day > 31) return undefined;
  const iso = `${m[3]}-${month}-${String(day).padStart(2, "0")}`;
  // Catches 31-FEB and friends: Date rolls them over into the next month.
  const parsed = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso ? undefined : iso;
}
