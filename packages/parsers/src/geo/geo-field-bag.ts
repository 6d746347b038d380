const MONTHS: Readonly<Record<string, string>> = {
  jan: "01",
  feb: "02",
  mar: "03",
  apr: "04",
  may: "05",
  jun: "06",
  jul: "07",
  aug: "08",
  sep: "09",
  oct: "10",
  nov: "11",
  dec: "12",
};

/** `Jan 05 2016` (GEO's date form) or an ISO date → `2016-01-05`; undefined when not a date. */
export function geoDateToIso(text: string): string | undefined {
  const t = text.trim();
  const m = /^([A-Za-z]{3})[a-z]*\.? +(\d{1,2}),? +(\d{4})$/.exec(t);
  if (m !== null) {
    const month = MONTHS[m[1]!.toLowerCase()];
    const day = Number(m[2]);
    if (month === undefined) return undefined;
    return validIso(`${m[3]}-${month}-${String(day).padStart(2, "0")}`);
  }
  return /^\d{4}-\d{2}-\d{2}$/.test(t) ? validIso(t) : undefined;
}

/** Rejects days the month does not have ("Feb 30"), which a pattern alone would let through. */
function validIso(iso: string): string | undefined {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(iso) ? iso : undefined;
}

/**
 * The `!key = value` lines of one SOFT entity, keyed without the entity prefix and lower-cased
 * (`!Series_contact_name` → `contact_name`). Builders `take` what they map to fields; whatever
 * remains becomes the record's `other`, so unknown keys are kept rather than dropped.
 */
export class GeoFieldBag {
  private readonly fields: Map<string, string[]>;
  private readonly leftovers = new Map<string, string[]>();

  constructor(fields: Map<string, string[]>) {
    this.fields = fields;
  }

  keys(): string[] {
    return [...this.fields.keys()];
  }

  /** Raw values of `key` (removed from the bag). */
  take(key: string): string[] {
    const values = this.fields.get(key);
    if (values === undefined) return [];
    this.fields.delete(key);
    return values;
  }

  /** Trimmed non-empty values. */
  list(key: string): string[] {
    const out: string[] = [];
    for (const v of this.take(key)) {
      const t = v.trim();
      if (t !== "") out.push(t);
    }
    return out;
  }

  /** The values joined with ", " when a single-valued key is repeated. */
  text(key: string): string | undefined {
    const values = this.list(key);
    return values.length === 0 ? undefined : values.join(", ");
  }

  /** Multi-line text (summary, description): lines joined with newlines, blank lines inside kept. */
  paragraphs(key: string): string | undefined {
    const values = this.take(key).map((v) => v.trim());
    while (values.length > 0 && values[values.length - 1] === "") values.pop();
    while (values.length > 0 && values[0] === "") values.shift();
    return values.length === 0 ? undefined : values.join("\n");
  }

  /** Integers, also when several are given on one line ("9606, 10090"); other values are kept in `other`. */
  ints(key: string): number[] {
    const out: number[] = [];
    for (const v of this.list(key)) {
      const parts = v.split(/[\s,;]+/).filter((s) => s !== "");
      if (parts.length > 0 && parts.every((s) => /^\d+$/.test(s))) for (const s of parts) out.push(Number(s));
      else this.keep(key, v);
    }
    return out;
  }

  int(key: string): number | undefined {
    return this.ints(key)[0];
  }

  /** An ISO date; a value that is not a date is kept in `other`. */
  date(key: string): string | undefined {
    const v = this.text(key);
    if (v === undefined) return undefined;
    const iso = geoDateToIso(v);
    if (iso === undefined) this.keep(key, v);
    return iso;
  }

  /** Puts a value the builder could not map back, so it lands in `other`. */
  keep(key: string, value: string): void {
    const list = this.leftovers.get(key);
    if (list === undefined) this.leftovers.set(key, [value]);
    else list.push(value);
  }

  /** Everything not taken, plus values kept back. */
  rest(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [k, v] of this.fields) out[k] = v.map((s) => s.trim());
    for (const [k, v] of this.leftovers) out[k] = [...(out[k] ?? []), ...v];
    return out;
  }
}
