import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, sourceKindSpec } from "@omicslake/core";
// Importing the package registers its kinds with the configuration.
import { SOURCE_KINDS } from "../src/index.js";

const parse = (text: string) => parseConfig(text, { file: "/srv/lab/omicslake.toml", baseDir: "/srv/lab" });

/** The ConfigError a config is refused with: message, section, key and line. */
function refusal(text: string): { message: string; section?: unknown; key?: unknown; line?: unknown } {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const { details, message } = error as ConfigError;
    return { message, section: details["section"], key: details["key"], line: details["line"] };
  }
  throw new Error("expected the config to be refused");
}

const ROLE = `[role.reads]\n`;

describe("source kinds in the configuration", () => {
  it("registers every kind of the package", () => {
    expect(SOURCE_KINDS.map((k) => k.spec.kind)).toEqual(
      expect.arrayContaining(["internal", "sra-reads", "ncbi-genomes", "genbank", "url", "s3"]),
    );
    for (const kind of SOURCE_KINDS) expect(sourceKindSpec(kind.spec.kind)).toBe(kind.spec);
  });

  describe("internal (alias directory)", () => {
    it("resolves with the lab layout by default, and another layout when set", () => {
      const config = parse(
        `[source.lab]\nkind = "directory"\npath = "trees"\n${ROLE}[data.maize]\nsource = "lab"\nrole = "reads"\n`,
      );
      expect(config.dataModel["maize"]).toMatchObject({
        kind: "internal",
        layout: "lab",
        directory: "maize",
        role: "reads",
      });
      const level1 = parse(
        `[source.lab]\nkind = "internal"\npath = "t"\nlayout = 1\n${ROLE}[data.m]\nsource = "lab"\nrole = "reads"\ndirectory = "mz"\n`,
      );
      expect(level1.dataModel["m"]).toMatchObject({ layout: "level1", directory: "mz" });
    });

    it("refuses a missing path, a url, an unknown key and a step it does not have", () => {
      expect(refusal(`[source.lab]\nkind = "internal"\n`)).toMatchObject({
        section: "source.lab",
        key: "path",
      });
      expect(refusal(`[source.lab]\nkind = "internal"\npath = "t"\nurl = "https://x"\n`)).toMatchObject({
        key: "url",
        line: 4,
      });
      const unknown = refusal(
        `[source.lab]\nkind = "internal"\npath = "t"\n${ROLE}[data.m]\nsource = "lab"\nrole = "reads"\ntaxon = "x"\n`,
      );
      expect(unknown).toMatchObject({ section: "data.m", key: "taxon", line: 8 });
      expect(unknown.message).toContain('has no key "taxon"');
      const step = refusal(
        `[source.lab]\nkind = "internal"\npath = "t"\n${ROLE}[processing.p]\nsteps = ["parse"]\n[data.m]\nsource = "lab"\nrole = "reads"\nrun = ["p"]\n`,
      );
      expect(step).toMatchObject({ section: "processing.p", key: "steps" });
      expect(step.message).toContain('runs step "parse"');
      expect(refusal(`[source.lab]\nkind = "internal"\npath = "t"\nlayout = 7\n`)).toMatchObject({
        key: "layout",
      });
    });
  });

  describe("sra-reads", () => {
    const source = (extra = "") => `[source.mirror]\nkind = "sra-reads"\npath = "/m"\n${extra}${ROLE}`;

    it("resolves runs, species and a download command", () => {
      const config = parse(
        `${source('download_command = "fasterq-dump --split-files -O {output} {accession}"\ndownload_threads = 4\n')}[data.rnaseq]\nsource = "mirror"\nrole = "reads"\naccessions = ["SRR1", "ERR22"]\nspecies = "Homo_sapiens"\n`,
      );
      expect(config.dataModel["rnaseq"]).toMatchObject({ kind: "sra-reads", layout: "level1" });
    });

    it("refuses a bad run accession, a missing species, species without runs and species in a files tree", () => {
      const bad = refusal(
        `${source()}[data.r]\nsource = "mirror"\nrole = "reads"\naccessions = ["SRP1"]\nspecies = "Hs"\n`,
      );
      expect(bad).toMatchObject({ section: "data.r", key: "accessions", line: 8 });
      expect(
        refusal(`${source()}[data.r]\nsource = "mirror"\nrole = "reads"\naccessions = ["SRR1"]\n`),
      ).toMatchObject({ section: "data.r", key: "accessions" });
      expect(
        refusal(`${source()}[data.r]\nsource = "mirror"\nrole = "reads"\nspecies = "Hs"\n`),
      ).toMatchObject({
        key: "species",
        line: 8,
      });
      expect(
        refusal(
          `${source('layout = "files"\n')}[data.r]\nsource = "mirror"\nrole = "reads"\naccessions = ["SRR1"]\nspecies = "Hs"\n`,
        ).message,
      ).toContain("no species directories");
      expect(
        refusal(
          `${source()}[data.r]\nsource = "mirror"\nrole = "reads"\naccessions = ["SRR1"]\nspecies = "a/b"\n`,
        ).message,
      ).toContain("one visible directory name");
    });

    it("refuses a download command that needs a shell, has no {accession} or an unknown placeholder", () => {
      const shell = refusal(source('download_command = "fasterq-dump {accession} | gzip"\n'));
      expect(shell).toMatchObject({ section: "source.mirror", key: "download_command", line: 4 });
      expect(shell.message).toContain("needs a shell");
      expect(refusal(source('download_command = "prefetch SRR1"\n')).message).toContain("{accession}");
      expect(refusal(source('download_command = "prefetch {acession}"\n')).message).toContain(
        "unknown placeholder {acession}",
      );
      expect(refusal(source("download_command = 3\n")).key).toBe("download_command");
    });

    it("refuses a layout sra-reads trees cannot have", () => {
      expect(refusal(source('layout = "lab"\n'))).toMatchObject({ key: "layout", line: 4 });
    });
  });

  describe("url", () => {
    it("resolves full URLs, and names relative to the source's url", () => {
      const config = parse(
        `[source.web]\nkind = "url"\n${ROLE}[data.a]\nsource = "web"\nrole = "reads"\nfiles = ["https://h/x/a_1.fq.gz"]\n`,
      );
      expect(config.dataModel["a"]).toMatchObject({ kind: "url", layout: "files" });
      parse(
        `[source.web]\nkind = "url"\nurl = "https://h/data"\n${ROLE}[data.b]\nsource = "web"\nrole = "reads"\nfiles = ["runs/a.fq"]\n`,
      );
    });

    it("refuses missing files, relative names without a url, other schemes, .. segments and a path", () => {
      expect(
        refusal(`[source.web]\nkind = "url"\n${ROLE}[data.a]\nsource = "web"\nrole = "reads"\n`),
      ).toMatchObject({
        section: "data.a",
        key: "files",
      });
      expect(
        refusal(
          `[source.web]\nkind = "url"\n${ROLE}[data.a]\nsource = "web"\nrole = "reads"\nfiles = ["a.fq"]\n`,
        ).message,
      ).toContain("the source has no url");
      expect(
        refusal(
          `[source.web]\nkind = "url"\n${ROLE}[data.a]\nsource = "web"\nrole = "reads"\nfiles = ["ftp://h/a.fq"]\n`,
        ).message,
      ).toContain("not an http(s) URL");
      expect(
        refusal(
          `[source.web]\nkind = "url"\nurl = "https://h/"\n${ROLE}[data.a]\nsource = "web"\nrole = "reads"\nfiles = ["../a.fq"]\n`,
        ).message,
      ).toContain("plain relative path");
      expect(refusal(`[source.web]\nkind = "url"\nurl = "s3://b/p"\n`)).toMatchObject({
        key: "url",
        line: 3,
      });
      expect(refusal(`[source.web]\nkind = "url"\npath = "/x"\n`)).toMatchObject({ key: "path" });
      expect(refusal(`[source.web]\nkind = "url"\nlayout = 1\n`)).toMatchObject({ key: "layout" });
    });
  });

  describe("s3", () => {
    it("resolves a bucket prefix with endpoint and credentials", () => {
      const config = parse(
        `[source.b]\nkind = "s3"\nurl = "s3://bucket/runs"\nendpoint = "http://127.0.0.1:9000"\nforce_path_style = true\naccess_key_id = "k"\nsecret_access_key = "s"\nlayout = 1\n${ROLE}[data.x]\nsource = "b"\nrole = "reads"\n`,
      );
      expect(config.dataModel["x"]).toMatchObject({ kind: "s3", layout: "level1" });
    });

    it("refuses a missing or non-s3 url, half credentials and a wrongly typed key", () => {
      expect(refusal(`[source.b]\nkind = "s3"\n`)).toMatchObject({ key: "url" });
      expect(refusal(`[source.b]\nkind = "s3"\nurl = "https://bucket/p"\n`).message).toContain(
        "not an s3://bucket/prefix URL",
      );
      expect(refusal(`[source.b]\nkind = "s3"\nurl = "s3://u:p@bucket/p"\n`).message).toContain(
        "credentials",
      );
      expect(refusal(`[source.b]\nkind = "s3"\nurl = "s3://b/p"\naccess_key_id = "k"\n`)).toMatchObject({
        key: "access_key_id",
        line: 4,
      });
      expect(refusal(`[source.b]\nkind = "s3"\nurl = "s3://b/p"\nforce_path_style = "yes"\n`)).toMatchObject({
        key: "force_path_style",
      });
      expect(refusal(`[source.b]\nkind = "s3"\nurl = "s3://b/p"\nlayout = "lab"\n`)).toMatchObject({
        key: "layout",
      });
    });
  });
});
