import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { datasetSteps } from "./check-settings.js";
import { parseConfig } from "./load-config.js";
import { registerSourceKind, type SourceKindSpec } from "./source-kind-spec.js";

const FILE = "/srv/lab/omicslake.toml";
const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { file: FILE, baseDir: "/srv/lab", env });

function refusal(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parse(text, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected the config to be refused");
}

/** A kind registered by the test itself: what a new kind does, with no edit to the config code. */
const treeKind: SourceKindSpec = {
  kind: "test-tree",
  aliases: ["test-dir"],
  description: "a tree for tests",
  sourceKeys: { mirror: { value: { type: "boolean" }, meaning: "whether it is a mirror" } },
  dataKeys: {
    taxon: { value: { type: "string-or-integer" }, meaning: "taxon to keep" },
    species: { value: { type: "string" }, meaning: "species directory" },
  },
  layouts: ["lab", "level0", "level1", "level2"],
  path: "required",
  url: "refused",
  steps: ["ingest", "convert", "checksum"],
  check: (_source, data) =>
    data?.["species"] !== undefined && data["taxon"] === undefined
      ? [{ section: "data", key: "species", message: "species needs taxon", hint: "Add taxon" }]
      : [],
};
registerSourceKind(treeKind);

const TREE = `[source.lab]\nkind = "test-tree"\npath = "trees"\n[role.skims]\n`;

describe("the data model: kinds, layouts, roles, processing", () => {
  it("resolves a dataset: kind by alias, layout, directory, role's processing with commands and references", () => {
    const config = parse(`[source.lab]
kind = "test-dir"
path = "trees"
layout = 2
[role.skims]
run = ["prepare", "index"]
[processing.prepare]
steps = ["ingest", { name = "trimmed", command = "trim {input1} {input2} > {output}", output = "t.fq", threads = 4 }]
[processing.index]
steps = [{ name = "kmers", command = "count -t {threads} {input} -o {output}", input = "trimmed@prepare" }, "checksum"]
[data.oaks]
source = "lab"
role = "skims"
directory = "quercus"
taxon = 3511
`);
    expect(config.sources["lab"]?.path).toBe("/srv/lab/trees");
    const oaks = config.dataModel["oaks"]!;
    expect(oaks).toMatchObject({
      kind: "test-tree",
      role: "skims",
      directory: "quercus",
      layout: "level2",
      processing: ["prepare", "index"],
    });
    expect(oaks.steps.map((s) => `${s.section}.${s.name}`)).toEqual([
      "prepare.ingest",
      "prepare.trimmed",
      "index.kmers",
      "index.checksum",
    ]);
    expect(oaks.steps[1]).toMatchObject({
      kind: "command",
      threads: 4,
      output: "t.fq",
      inputs: [{ kind: "item" }],
    });
    expect(oaks.steps[2]).toMatchObject({ inputs: [{ kind: "step", section: "prepare", name: "trimmed" }] });
  });

  it("runs the sections that declare the dataset's role when the role names none, dependencies first", () => {
    const sections = `[processing.second]
role = "skims"
steps = [{ name = "b", command = "b {input} > {output}", input = "a@first" }]
[processing.first]
steps = [{ name = "a", command = "a {input} > {output}" }]
`;
    const config = parse(
      `${TREE}${sections}[data.d]\nsource = "lab"\nrole = "skims"\nrun = ["first", "second"]\n`,
    );
    expect(config.dataModel["d"]?.processing).toEqual(["first", "second"]);
    // By its role alone "e" runs "second", which reads "first": refused, naming what to add.
    const error = refusal(`${TREE}${sections}[data.e]\nsource = "lab"\nrole = "skims"\n`);
    expect(error.message).toContain(
      'processing "second" reads outputs of "first", which dataset "e" does not run',
    );
    expect(error.details).toMatchObject({ section: "data.e", key: "role" });
    const byRole = parse(
      `${TREE}[processing.only]\nrole = "skims"\nsteps = ["ingest"]\n[data.e]\nsource = "lab"\nrole = "skims"\n`,
    );
    expect(byRole.dataModel["e"]?.processing).toEqual(["only"]);
  });

  it("chains a command to the previous command by default, and the first to the item", () => {
    const config = parse(`${TREE}[processing.p]
steps = [{ name = "a", command = "a {input} > {output}" }, { name = "b", command = "b {input} > {output}" }]
[data.d]
source = "lab"
role = "skims"
run = "p"
`);
    const [a, b] = config.dataModel["d"]!.steps;
    expect(a).toMatchObject({ inputs: [{ kind: "item" }] });
    expect(b).toMatchObject({ inputs: [{ kind: "step", section: "p", name: "a" }] });
  });

  it.each([
    [
      `[source.s]\nkind = "genomes-of-mars"\n`,
      "source.s",
      "kind",
      2,
      'unknown source kind "genomes-of-mars"',
    ],
    // A missing key is located at its section's header.
    [`[lake]\n[source.s]\nkind = "test-tree"\n`, "source.s", "path", 2, "needs path"],
    [
      `[source.s]\nkind = "test-tree"\npath = "x"\nurl = "http://x"\n`,
      "source.s",
      "url",
      4,
      "url would be ignored",
    ],
    [
      `[source.s]\nkind = "test-tree"\npath = "x"\nmirrror = true\n`,
      "source.s",
      "mirrror",
      4,
      'Did you mean "mirror"',
    ],
    [`[source.s]\nkind = "test-tree"\npath = "x"\nlayout = 3\n`, "source.s", "layout", 4, "is not a layout"],
    [`[source.s]\nkind = "sra"\nlayout = "lab"\n`, "source.s", "layout", 3, "cannot have layout"],
    [`[source.s]\nkind = "sra"\npath = "/x"\n`, "source.s", "path", 3, "path would be ignored"],
  ])("refuses a source mistake: %j", (text, section, key, line, message) => {
    const error = refusal(text);
    expect(error.message).toContain(message);
    expect(error.message).toContain(FILE);
    expect(error.details).toMatchObject({ section, key, ...(line !== undefined ? { line } : {}) });
  });

  it.each([
    [`[data.d]\nrole = "skims"\n`, "data.d", "source", "is required"],
    [`[data.d]\nsource = "lab"\n`, "data.d", "role", "is required"],
    [`[data.d]\nsource = "lab"\nrole = "skims"\ntaxid = 4\n`, "data.d", "taxid", 'has no key "taxid"'],
    [`[data.d]\nsource = "lab"\nrole = "skims"\ntaxon = -4\n`, "data.d", "taxon", "positive integer"],
    [`[data.d]\nsource = "lab"\nrole = "skims"\nspecies = "Q"\n`, "data.d", "species", "species needs taxon"],
    [
      `[data.d]\nsource = "lab"\nrole = "skims"\ndirectory = "a/b"\n`,
      "data.d",
      "directory",
      "one directory name",
    ],
  ])("refuses a dataset mistake: %j", (text, section, key, message) => {
    const error = refusal(`${TREE}${text}`);
    expect(error.message).toContain(message);
    expect(error.details).toMatchObject({ section, key });
  });

  it("refuses two datasets writing to the same place, naming both", () => {
    const error = refusal(
      `${TREE}[data.a]\nsource = "lab"\nrole = "skims"\ndirectory = "same"\n[data.b]\nsource = "lab"\nrole = "skims"\ndirectory = "same"\n`,
    );
    expect(error.message).toContain('datasets "a" and "b" would both write to skims/same/');
    expect(error.details).toMatchObject({ section: "data.b", key: "directory", line: 12 });
    // The same directory under two roles is two places.
    expect(() =>
      parse(
        `${TREE}[role.other]\n[data.a]\nsource = "lab"\nrole = "skims"\ndirectory = "same"\n[data.b]\nsource = "lab"\nrole = "other"\ndirectory = "same"\n`,
      ),
    ).not.toThrow();
  });

  it("refuses a cycle between processing sections, naming it", () => {
    const error = refusal(`[processing.a]
steps = [{ name = "x", command = "x {input} > {output}", input = "y@b" }]
[processing.b]
steps = [{ name = "y", command = "y {input} > {output}", input = "x@a" }]
`);
    expect(error.message).toContain("in a cycle: a → b → a");
    expect(error.details).toMatchObject({ section: "processing.a", key: "steps", line: 2 });
  });

  it.each([
    [`steps = ["parse", "bogus"]`, 'unknown step "bogus"'],
    [`steps = ["expression", "convert"]`, '"expression" builds from what "convert" writes'],
    [`steps = [{ command = "x {inptu} > {output}" }]`, "unknown placeholder {inptu} in command"],
    [`steps = [{ command = "x \\"{item}\\" > {output}" }]`, "placeholder {item} is inside quotes"],
    [`steps = [{ command = "x '{species}.txt' > {output}" }]`, "placeholder {species} is inside quotes"],
    [`steps = [{ command = "x \\"a'b\\" '{{x}}' > '{output}'" }]`, "placeholder {output} is inside quotes"],
    [`steps = [{ name = "x", command = "x", input = "nope@missing" }]`, '"missing" does not exist'],
    [`steps = [{ name = "x", command = "x", input = "nope@p" }]`, '[processing.p] has no step "nope"'],
    [
      `steps = [{ name = "x", command = "x", input = "y" }, { name = "y", command = "y" }]`,
      "is not an earlier step",
    ],
    [`steps = [{ name = "x", step = "parse", command = "x" }]`, "exactly one of"],
    [`steps = [{ name = "x", command = "x" }, { name = "x", command = "y" }]`, 'two steps are named "x"'],
    [`steps = [{ step = "convert", threads = 2 }]`, 'built-in step "convert" has no threads'],
    [`steps = [{ command = "x", output = "../up.txt" }]`, "must be a plain file name"],
  ])("refuses a processing mistake: %s", (steps, message) => {
    const error = refusal(`[processing.p]\n${steps}\n`);
    expect(error.message).toContain(message);
    expect(error.details).toMatchObject({ section: "processing.p", key: "steps", line: 2 });
  });

  it("accepts literal braces in a command", () => {
    const config = parse(
      `${TREE}[processing.p]\nsteps = [{ command = "awk '{{print $1}}' {input} > {output} && echo \\"it's\\" {item}" }]\n[data.d]\nsource = "lab"\nrole = "skims"\nrun = "p"\n`,
    );
    expect(config.dataModel["d"]?.steps[0]).toMatchObject({ kind: "command" });
  });

  it("refuses a step the dataset's kind does not have, and an unknown reference in a role or dataset", () => {
    const parseOnTree = refusal(
      `${TREE}[processing.p]\nsteps = ["parse"]\n[data.d]\nsource = "lab"\nrole = "skims"\nrun = "p"\n`,
    );
    expect(parseOnTree.message).toContain('runs step "parse", which test-tree datasets do not have');
    expect(refusal(`[role.r]\nrun = ["ghost"]\n`).details).toMatchObject({ section: "role.r", key: "run" });
    expect(
      refusal(`[role.r]\nrun = "a"\nprocessing = "a"\n[processing.a]\nsteps = ["ingest"]\n`).message,
    ).toContain("run and processing are the same key");
    expect(refusal(`${TREE}[data.d]\nsource = "lab"\nrole = "skims"\nrun = "ghost"\n`).details).toMatchObject(
      { section: "data.d", key: "run" },
    );
    const roleless = refusal(`[processing.p]\nrole = "ghost"\nsteps = ["ingest"]\n`);
    expect(roleless.details).toMatchObject({ section: "processing.p", key: "role", line: 2 });
    const disowned = refusal(
      `[role.r]\nrun = "a"\n[processing.a]\nsteps = ["ingest"]\n[processing.b]\nrole = "r"\nsteps = ["ingest"]\n`,
    );
    expect(disowned.message).toContain('declares role "r", but [role.r] runs only a');
  });

  it("blames the environment variable for a nested override, not a line of the file", () => {
    const error = refusal(`${TREE}[data.d]\nsource = "lab"\nrole = "skims"\n`, {
      OMICSLAKE__DATA__D__TAXON: "-1",
    });
    expect(error.message).toContain("environment variable OMICSLAKE__DATA__D__TAXON");
    expect(error.details).toMatchObject({
      variable: "OMICSLAKE__DATA__D__TAXON",
      section: "data.d",
      key: "taxon",
    });
    expect(error.details["line"]).toBeUndefined();
    const ok = parse(`${TREE}[data.d]\nsource = "lab"\nrole = "skims"\n`, {
      OMICSLAKE__SOURCE__LAB__PATH: "/mnt/trees",
      OMICSLAKE__DATA__D__DIRECTORY: "oaks",
    });
    expect(ok.sources["lab"]?.path).toBe("/mnt/trees");
    expect(ok.dataModel["d"]?.directory).toBe("oaks");
  });

  it("keeps datasetSteps for the metadata flow: parse and consolidate among the resolved steps", () => {
    const config = parse(
      `[source.geo]\nkind = "geo"\n[role.m]\n[role.raw]\nrun = "fetch"\n[processing.fetch]\nsteps = ["ingest", "parse"]\n` +
        `[data.a]\nsource = "geo"\nrole = "m"\n[data.b]\nsource = "geo"\nrole = "raw"\n`,
    );
    expect(datasetSteps(config, "a")).toEqual(["parse", "consolidate"]);
    expect(datasetSteps(config, "b")).toEqual(["parse"]);
  });
});
