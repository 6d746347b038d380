import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { parseConfig } from "./load-config.js";
import { registerSourceKind } from "./source-kind-spec.js";

registerSourceKind({
  kind: "test-adversarial-tree",
  description: "a tree for tests",
  sourceKeys: {},
  dataKeys: {},
  layouts: ["level1"],
  path: "required",
  url: "refused",
  steps: ["ingest", "convert", "checksum"],
});

const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { file: "/srv/lab/omicslake.toml", baseDir: "/srv/lab", env });

function failure(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parse(text, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const BASE = `
[source.lab]
kind = "test-adversarial-tree"
path = "lab"
[role.samples]
run = ["trim"]
[processing.trim]
steps = [{ name = "trimmed", command = "fastp -i {input} -o {output}", output = "t.fq" }]
[processing.qc]
steps = [{ name = "report", command = "fastqc {input} -o {output}", input = "trimmed@trim" }]
`;

describe("data model checks, adversarial", () => {
  it("applies an environment override to a dataset whose name has capitals", () => {
    const config = parse(`${BASE}[data.RNAseq]\nsource = "lab"\nrole = "samples"\n`, {
      OMICSLAKE__DATA__RNASEQ__RUN: '["trim", "qc"]',
    });
    expect(Object.keys(config.dataModel)).toEqual(["RNAseq"]);
    expect(config.dataModel["RNAseq"]!.processing).toEqual(["trim", "qc"]);
  });

  it("takes a RUN override given as a plain string as one section", () => {
    const config = parse(`${BASE}[data.rna]\nsource = "lab"\nrole = "samples"\n`, {
      OMICSLAKE__DATA__RNA__RUN: "trim",
    });
    expect(config.dataModel["rna"]!.processing).toEqual(["trim"]);
  });

  it("refuses two datasets whose directories differ only by case (one directory on macOS and Windows)", () => {
    const error = failure(
      `${BASE}[data.a]\nsource = "lab"\nrole = "samples"\ndirectory = "Reads"\n[data.b]\nsource = "lab"\nrole = "samples"\ndirectory = "reads"\n`,
    );
    expect(error.message).toContain("would both write to");
  });

  it("refuses a dataset named by a quoted dotted key with the line of its header", () => {
    const error = failure(`${BASE}[data."a.b"]\nsource = "nope"\nrole = "samples"\n`);
    expect(error.message).toMatch(/nope/);
    expect(error.location?.line).toBe(BASE.split("\n").length + 1);
  });
});

describe("environment overrides of named sections", () => {
  it("blames the variable for a bad value it set in a section whose name has capitals", () => {
    const error = failure(`${BASE}[data.RNAseq]\nsource = "lab"\nrole = "samples"\n`, {
      OMICSLAKE__DATA__RNASEQ__RUN: '["nope"]',
    });
    expect(error.message).toContain('processing "nope" does not exist');
    expect(error.details["variable"]).toBe("OMICSLAKE__DATA__RNASEQ__RUN");
  });

  it("refuses a variable that could mean two sections differing only by case", () => {
    const error = failure(
      `${BASE}[data.RNAseq]\nsource = "lab"\nrole = "samples"\n[data.rnaseq]\nsource = "lab"\nrole = "samples"\ndirectory = "x"\n`,
      { OMICSLAKE__DATA__RNASEQ__RUN: "trim" },
    );
    expect(error.message).toContain("could mean data.RNAseq or data.rnaseq");
  });
});

describe("locations of schema problems", () => {
  it("names the line of the section header for a dataset without source or role", () => {
    for (const missing of ["source", "role"]) {
      const body = missing === "source" ? 'role = "samples"' : 'source = "lab"';
      const error = failure(`${BASE}\n[data.x]\n${body}\n`);
      expect(error.details["key"], missing).toBe(missing);
      expect(error.message).toContain("is required");
      expect(error.location?.line, missing).toBe(BASE.split("\n").length + 1);
    }
  });
});
