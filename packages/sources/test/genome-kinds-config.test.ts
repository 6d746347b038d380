import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "@omicslake/core";
import { kindContext } from "../src/index.js";

const GENOMES = `[source.ncbi]\nkind = "ncbi-genomes"\npath = "/data/genomes"\n[role.genomes]\n`;
const GENBANK = `[source.gb]\nkind = "genbank"\npath = "/data/genbank"\n[role.seq]\n`;

function refusal(text: string): ConfigError {
  try {
    parseConfig(text, { baseDir: "/tmp", file: "omicslake.toml" });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("the config was accepted");
}

const genomes = (data: string, source = GENOMES) =>
  `${source}[data.g]\nsource = "ncbi"\nrole = "genomes"\n${data}\n`;
const genbank = (data: string) => `${GENBANK}[data.b]\nsource = "gb"\nrole = "seq"\n${data}\n`;

describe("ncbi-genomes and genbank configuration", () => {
  it("accepts complete datasets of both kinds and resolves them", () => {
    const config = parseConfig(
      `${GENOMES}${GENBANK.replace("[role.seq]\n", "[role.seq]\n")}[data.g]\nsource = "ncbi"\nrole = "genomes"\ntaxon = "Poaceae"\nassembly_level = ["chromosome"]\nassembly_source = "refseq"\none_per_species = true\nfiles = ["genome", "gff3"]\n[data.b]\nsource = "gb"\nrole = "seq"\ndivisions = ["pln"]\ntaxid = 4479\n`,
      { baseDir: "/tmp" },
    );
    expect(config.dataModel["g"]).toMatchObject({ kind: "ncbi-genomes", layout: "level0", directory: "g" });
    expect(config.dataModel["b"]).toMatchObject({ kind: "genbank", layout: "files" });
  });

  it("refuses ncbi-genomes mistakes with section, key and line", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [genomes(`one_per_species = true`), { section: "data.g", key: "taxon" }, "needs taxon or accessions"],
      [
        genomes(`accessions = ["GCF_1405.40"]`),
        { section: "data.g", key: "accessions", line: 8 },
        "GCF_1405.40",
      ],
      [
        genomes(`taxon = 4479\nassembly_level = ["complete"]`),
        { section: "data.g", key: "assembly_level", line: 9 },
        "complete_genome",
      ],
      [
        genomes(`taxon = 4479\nassembly_source = "both"`),
        { section: "data.g", key: "assembly_source", line: 9 },
        "both",
      ],
      [
        genomes(`taxon = 4479\nfiles = ["genome", "vcf"]`),
        { section: "data.g", key: "files", line: 9 },
        "vcf",
      ],
      [
        genomes(`taxon = 4479\none_per_species = "yes"`),
        { section: "data.g", key: "one_per_species", line: 9 },
        "true or false",
      ],
      [
        genomes(`accessions = ["GCF_000001405.40"]\none_per_species = true`),
        { section: "data.g", key: "one_per_species", line: 9 },
        "would be ignored",
      ],
      [
        genomes(`accessions = ["GCF_000001405.40"]\nassembly_level = ["chromosome"]`),
        { section: "data.g", key: "assembly_level", line: 9 },
        "has no taxon",
      ],
      [genomes(`taxonn = 4479`), { section: "data.g", key: "taxonn", line: 8 }, 'no key "taxonn"'],
      [
        genomes(`taxon = 1`, `[source.ncbi]\nkind = "ncbi-genomes"\n[role.genomes]\n`),
        { section: "source.ncbi", key: "path" },
        "needs path",
      ],
      [
        genomes(
          `taxon = 1`,
          `[source.ncbi]\nkind = "ncbi-genomes"\npath = "/g"\nlayout = "lab"\n[role.genomes]\n`,
        ),
        { section: "source.ncbi", key: "layout", line: 4 },
        "cannot have layout",
      ],
      [
        genomes(
          `taxon = 1`,
          `[source.ncbi]\nkind = "ncbi-genomes"\npath = "/g"\nftp_url = "ftp.ncbi.nlm.nih.gov"\n[role.genomes]\n`,
        ),
        { section: "source.ncbi", key: "ftp_url", line: 4 },
        "ftp.ncbi.nlm.nih.gov",
      ],
    ];
    for (const [text, details, message] of cases) {
      const error = refusal(text);
      expect(error.details, text).toMatchObject({ file: "omicslake.toml", ...details });
      expect(error.message, text).toContain(message);
    }
  });

  it("refuses genbank mistakes with section, key and line", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [genbank(`taxid = 4479`), { section: "data.b", key: "divisions" }, "needs divisions"],
      [
        genbank(`divisions = ["plant"]`),
        { section: "data.b", key: "divisions", line: 8 },
        '"plant" must be one of',
      ],
      [
        genbank(`divisions = ["pln"]\nrelease = "newest"`),
        { section: "data.b", key: "release", line: 9 },
        '"newest"',
      ],
      [
        genbank(`divisions = ["pln"]\nrelease = 0`),
        { section: "data.b", key: "release", line: 9 },
        "positive integer",
      ],
      [
        genbank(`divisions = ["pln"]\ntaxid = "Poaceae"`),
        { section: "data.b", key: "taxid", line: 9 },
        "positive integer",
      ],
      [
        genbank(`divisions = ["pln"]\ntaxonomy_url = "https://example.org/taxdump.tar.gz"`),
        { section: "data.b", key: "taxonomy_url", line: 9 },
        "would be ignored",
      ],
      [
        genbank(`divisions = ["pln"]\naccessions = ["GCF_000001405.40"]`),
        { section: "data.b", key: "accessions", line: 9 },
        'no key "accessions"',
      ],
    ];
    for (const [text, details, message] of cases) {
      const error = refusal(text);
      expect(error.details, text).toMatchObject({ file: "omicslake.toml", ...details });
      expect(error.message, text).toContain(message);
    }
  });
});

describe("NCBI's request limits", () => {
  it("gives ncbi-genomes datasets NCBI Datasets' 5 requests/s, 10 with an API key, unless the source sets its own", () => {
    const rate = (source: string) =>
      kindContext(parseConfig(genomes(`taxon = 4479`, source), { baseDir: "/tmp" }), "g").http
        .requestsPerSecond;
    expect(rate(GENOMES)).toBe(5);
    expect(rate(GENOMES.replace('path = "/data/genomes"', 'path = "/data/genomes"\napi_key = "k"'))).toBe(10);
    expect(
      rate(GENOMES.replace('path = "/data/genomes"', 'path = "/data/genomes"\nrequests_per_second = 2')),
    ).toBe(2);
  });
});
