import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "@omicslake/core";
// Importing the package registers its kinds with the configuration.
import "../src/index.js";

const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { file: "/srv/lab/omicslake.toml", baseDir: "/srv/lab", env });

function refusal(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parse(text, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected the config to be refused");
}

const ROLE = `[role.reads]\n`;
const WEB = `[source.web]\nkind = "url"\n${ROLE}[data.a]\nsource = "web"\nrole = "reads"\n`;
const MIRROR = `[source.m]\nkind = "sra-reads"\npath = "mirror"\ndownload_command = "fasterq-dump -O {output} {accession}"\n${ROLE}[data.r]\nsource = "m"\nrole = "reads"\nspecies = "Homo sapiens"\n`;

describe("kind keys that would reach paths or argv", () => {
  it("refuses a full URL whose last segment decodes to a path (encoded / or ..)", () => {
    for (const file of [
      "https://h/x/..%2F..%2Fevil.fq",
      "https://h/x/a%2Fb.fq",
      "https://h/x/%2E%2E",
      "https://h/x/.hidden.fq",
    ]) {
      const error = refusal(`${WEB}files = [${JSON.stringify(file)}]\n`);
      expect(error.details["key"], file).toBe("files");
      expect(error.message, file).toContain(JSON.stringify(file));
    }
  });

  it("refuses run accessions that would be options or paths, also when set from the environment", () => {
    for (const accession of ["-rf", "../SRR1", "SRR1/x", "SRR1 ", "srr1"]) {
      const error = refusal(`${MIRROR}accessions = [${JSON.stringify(accession)}]\n`);
      expect(error.details["key"], accession).toBe("accessions");
    }
    const error = refusal(MIRROR, { OMICSLAKE__DATA__R__ACCESSIONS: '["--help"]' });
    expect(error.details["key"]).toBe("accessions");
    expect(error.details["variable"]).toBe("OMICSLAKE__DATA__R__ACCESSIONS");
  });

  it("refuses a species that is not one visible directory name", () => {
    for (const species of ["..", "../x", ".hidden", "a/b", ""]) {
      const error = refusal(
        MIRROR.replace('"Homo sapiens"', JSON.stringify(species)) + 'accessions = ["SRR1"]\n',
      );
      expect(error.details["key"], species).toBe("species");
    }
  });
});
