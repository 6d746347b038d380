import { describe, expect, it } from "vitest";
import type { SniffedFormat } from "../sniff/sniff-format.js";
import { CONVERTERS, REFUSED_FORMATS, converterFor, supportedFormatsHint } from "./converters.js";

// Every sniffed format, spelled out so that adding one to the union fails to compile here until it is
// routed: taken by a converter or refused on purpose.
const ALL_FORMATS = {
  h5ad: true,
  "10x-h5": true,
  hdf5: true,
  "10x-mtx-dir": true,
  mtx: true,
  rds: true,
  pickle: true,
  csv: true,
  tsv: true,
  tar: true,
  zip: true,
  gzip: true,
  parquet: true,
  genbank: true,
  fastq: true,
  fasta: true,
  unknown: true,
} as const satisfies Record<SniffedFormat, true>;

describe("converter registry", () => {
  it("routes every sniffed format to exactly one converter or to a deliberate refusal", () => {
    for (const format of Object.keys(ALL_FORMATS) as SniffedFormat[]) {
      const takers = CONVERTERS.filter((c) => c.formats.includes(format));
      const refused = (REFUSED_FORMATS as readonly string[]).includes(format);
      expect(takers.length + (refused ? 1 : 0), format).toBe(1);
      expect(converterFor(format), format).toBe(takers[0]);
    }
  });

  it("names every converter once and lists what each reads in the hint", () => {
    const names = CONVERTERS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of CONVERTERS) expect(supportedFormatsHint()).toContain(c.reads);
  });
});
