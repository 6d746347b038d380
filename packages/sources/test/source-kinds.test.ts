import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CancelledError, parseConfig, type LakeConfig } from "@omicslake/core";
import { FakeUpstream, lakeEngines } from "@omicslake/core/testing";
import {
  HttpClient,
  ingestConfigured,
  sourceKind,
  kindContext,
  UpstreamError,
  type SourceKindContext,
} from "../src/index.js";
import { tempTree, type TempTree } from "./helpers/temp-tree.js";

let tree: TempTree;
beforeEach(async () => {
  tree = await tempTree();
});
afterEach(async () => {
  await tree.remove();
});

const parse = (text: string): LakeConfig =>
  parseConfig(text, { file: join(tree.dir, "omicslake.toml"), baseDir: tree.dir });

/** What a kind is given for one dataset of a parsed config, as commands and the runner build it. */
function contextOf(config: LakeConfig, dataset: string, log: string[] = []): SourceKindContext {
  return kindContext(config, dataset, { http: new HttpClient(), log: (line) => log.push(line) });
}

describe("internal source kind", () => {
  it("lists a lab tree under {path}/{directory} through the alias directory", async () => {
    await tree.write(
      { "Zea mays/p1/leaf_R1.fq": "", "Zea mays/p1/leaf_R2.fq": "", "Zea mays/p2/a.fq": "", "x.txt": "" },
      "lab/maize",
    );
    const config = parse(
      `[source.lab]\nkind = "directory"\npath = "lab"\n[role.samples]\n[data.maize]\nsource = "lab"\nrole = "samples"\n`,
    );
    const { items, problems } = await sourceKind("directory").items(contextOf(config, "maize"));
    expect(items.map((i) => [i.key, i.paired, i.subdir])).toEqual([
      ["Zea mays/p1", true, "samples/maize/Zea mays/p1"],
      ["Zea mays/p2", false, "samples/maize/Zea mays/p2"],
    ]);
    expect(problems.map((p) => p.name)).toEqual(["x.txt"]);
  });
});

/** A stand-in for fasterq-dump: writes `{accession}_1/_2.fastq` into {output}, or misbehaves on request. */
const FAKE_DUMP = `
const [output, accession, mode] = process.argv.slice(2);
const fs = require("node:fs");
if (mode === "fail") { process.stderr.write("fatal: " + accession + " is not public"); process.exit(3); }
if (mode === "nothing") process.exit(0);
if (mode === "hang") { fs.writeFileSync(output + "/" + accession + "_1.fastq", "partial"); setInterval(() => {}, 1000); }
if (mode === "renamed") { fs.writeFileSync(output + "/reads.fastq", "@r"); process.exit(0); }
fs.writeFileSync(output + "/" + accession + "_1.fastq", "@r1 " + accession);
fs.writeFileSync(output + "/" + accession + "_2.fastq", "@r2 " + accession);
`;

/** The error a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (outcome === undefined) throw new Error("expected a rejection");
  return outcome;
}

describe("sra-reads source kind", () => {
  const config = (command: string | undefined, accessions: string[], layout = "level1") =>
    parse(
      `[source.mirror]\nkind = "sra-reads"\npath = "mirror"\nlayout = ${JSON.stringify(layout)}\n${
        command !== undefined ? `download_command = ${JSON.stringify(command)}\n` : ""
      }[role.reads]\n[data.rnaseq]\nsource = "mirror"\nrole = "reads"\naccessions = ${JSON.stringify(accessions)}\n${
        layout === "files" ? "" : 'species = "Homo sapiens"\n'
      }`,
    );
  const fake = async (mode = ""): Promise<string> => {
    await tree.write({ "fake-dump.cjs": FAKE_DUMP });
    return `'${process.execPath}' '${join(tree.dir, "fake-dump.cjs")}' {output} {accession} ${mode}`.trim();
  };

  it("lists the listed runs only, and names the ones missing from the mirror", async () => {
    await tree.write(
      {
        "Homo sapiens/SRR1_1.fastq.gz": "",
        "Homo sapiens/SRR1_2.fastq.gz": "",
        "Homo sapiens/SRR9.fastq.gz": "",
      },
      "mirror/rnaseq",
    );
    const { items, problems } = await sourceKind("sra-reads").items(
      contextOf(config(undefined, ["SRR1", "ERR2"]), "rnaseq"),
    );
    expect(items.map((i) => [i.key, i.accession, i.paired])).toEqual([["Homo sapiens/SRR1", "SRR1", true]]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.name).toBe("ERR2");
    expect(problems[0]!.message).toContain("add download_command to [source.mirror]");
  });

  it("refuses to sync missing runs without a download command, naming them", async () => {
    const kind = sourceKind("sra-reads");
    const error = await kind.sync!(contextOf(config(undefined, ["SRR1", "SRR2"]), "rnaseq")).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toContain("SRR1, SRR2");
  });

  it("fetches missing runs with the command, moves them into the layout, and fetches nothing twice", async () => {
    const cfg = config(await fake(), ["SRR1", "SRR2"]);
    const kind = sourceKind("sra-reads");
    await tree.write(
      { "Homo sapiens/SRR2_1.fastq": "old", "Homo sapiens/SRR2_2.fastq": "old" },
      "mirror/rnaseq",
    );
    const log: string[] = [];
    const first = await kind.sync!(contextOf(cfg, "rnaseq", log));
    expect(first.fetched).toEqual(["Homo sapiens/SRR1_1.fastq", "Homo sapiens/SRR1_2.fastq"]);
    expect(first.unchanged).toEqual(["Homo sapiens/SRR2_1.fastq", "Homo sapiens/SRR2_2.fastq"]);
    expect(log.some((l) => l.includes("fetching SRR1"))).toBe(true);
    const dir = join(tree.dir, "mirror/rnaseq");
    expect(await readFile(join(dir, "Homo sapiens/SRR1_2.fastq"), "utf8")).toBe("@r2 SRR1");
    // No work directory is left behind in the mirror.
    expect((await readdir(dir)).filter((n) => n.startsWith("."))).toEqual([]);
    const { items, problems } = await kind.items(contextOf(cfg, "rnaseq"));
    expect(problems).toEqual([]);
    expect(items.map((i) => [i.key, i.paired, i.files.map((f) => f.mate)])).toEqual([
      ["Homo sapiens/SRR1", true, [1, 2]],
      ["Homo sapiens/SRR2", true, [1, 2]],
    ]);
    const second = await kind.sync!(contextOf(cfg, "rnaseq"));
    expect(second.fetched).toEqual([]);
    expect(second.unchanged).toHaveLength(4);
  });

  it("places fetched runs under level0, level2 and files layouts", async () => {
    const kind = sourceKind("sra-reads");
    const command = await fake();
    for (const [layout, expected] of [
      ["level0", ["Homo sapiens--SRR5_1.fastq", "Homo sapiens--SRR5_2.fastq"]],
      ["level2", ["Homo sapiens/SRR5/SRR5_1.fastq", "Homo sapiens/SRR5/SRR5_2.fastq"]],
      ["files", ["SRR5_1.fastq", "SRR5_2.fastq"]],
    ] as const) {
      const cfg = config(command, ["SRR5"], layout);
      const result = await kind.sync!(contextOf(cfg, "rnaseq"));
      expect(result.fetched).toEqual(expected);
      const { items } = await kind.items(contextOf(cfg, "rnaseq"));
      expect(items.map((i) => i.paired)).toEqual([true]);
      await tree.remove();
      await tree.write({ "fake-dump.cjs": FAKE_DUMP });
    }
  });

  it("fails a run whose command fails, with its exit code and stderr, and leaves the mirror as it was", async () => {
    const cfg = config(await fake("fail"), ["SRR7"]);
    const error = await sourceKind("sra-reads").sync!(contextOf(cfg, "rnaseq")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    const message = (error as Error).message;
    expect(message).toContain("SRR7: the download command exited with code 3");
    expect(message).toContain("fatal: SRR7 is not public");
    expect((error as UpstreamError).details["failures"]).toEqual([
      expect.objectContaining({ accession: "SRR7", exitCode: 3 }),
    ]);
    expect(await readdir(join(tree.dir, "mirror/rnaseq"))).toEqual([]);
  });

  it("cancels a running download: the command is stopped and nothing it wrote reaches the mirror", async () => {
    const controller = new AbortController();
    const base = contextOf(config(await fake("hang"), ["SRR8"]), "rnaseq");
    const context: SourceKindContext = {
      ...base,
      step: { signal: controller.signal },
      // Abort once the run has started: the work directory exists and the command is about to run.
      log: (line) => {
        if (line.includes("fetching SRR8")) setTimeout(() => controller.abort(), 200);
      },
    };
    const error = await rejection(sourceKind("sra-reads").sync!(context));
    expect(error).toBeInstanceOf(CancelledError);
    expect(await readdir(join(tree.dir, "mirror/rnaseq"))).toEqual([]);
  });

  it("fails a command that writes nothing, one that writes names without the run, and one that is not there", async () => {
    const kind = sourceKind("sra-reads");
    const nothing = await rejection(kind.sync!(contextOf(config(await fake("nothing"), ["SRR7"]), "rnaseq")));
    expect(nothing.message).toContain("exited with code 0 but wrote no files");
    const renamed = await rejection(kind.sync!(contextOf(config(await fake("renamed"), ["SRR7"]), "rnaseq")));
    expect(renamed.message).toContain('wrote "reads.fastq", whose name does not start with SRR7');
    expect(existsSync(join(tree.dir, "mirror/rnaseq/Homo sapiens"))).toBe(false);
    const missing = await rejection(
      kind.sync!(contextOf(config("no-such-program-xyz {accession}", ["SRR7"]), "rnaseq")),
    );
    expect(missing.message).toContain('cannot start "no-such-program-xyz"');
  });
});

describe("url source kind", () => {
  it("lists one item per file or pair, names relative entries by their path", () => {
    const cfg = parse(
      `[source.web]\nkind = "url"\nurl = "https://h.example/data/"\n[role.reads]\n[data.w]\nsource = "web"\nrole = "reads"\nfiles = ["runs/a_1.fq.gz", "runs/a_2.fq.gz", "https://o.example/x/b%20c.txt"]\nexclude = ["*.txt"]\n`,
    );
    return sourceKind("url")
      .items(contextOf(cfg, "w"))
      .then(({ items, problems }) => {
        expect(problems).toEqual([]);
        expect(items.map((i) => [i.key, i.paired, i.files.map((f) => f.url)])).toEqual([
          [
            "runs/a.fq.gz",
            true,
            ["https://h.example/data/runs/a_1.fq.gz", "https://h.example/data/runs/a_2.fq.gz"],
          ],
        ]);
        expect(items[0]!.subdir).toBe("reads/w/runs/a.fq.gz");
      });
  });

  it("refuses two entries that would have one name", async () => {
    const cfg = parse(
      `[source.web]\nkind = "url"\n[role.reads]\n[data.w]\nsource = "web"\nrole = "reads"\nfiles = ["https://a/x/f.txt", "https://b/y/f.txt"]\n`,
    );
    await expect(sourceKind("url").items(contextOf(cfg, "w"))).rejects.toThrow(/would both be named "f.txt"/);
  });

  const engine = lakeEngines()[0]!;
  it(`is fetched into raw by ingest, and skipped unchanged the second time (${engine.name})`, async () => {
    const upstream = await FakeUpstream.start();
    const opened = await engine.open();
    try {
      upstream.setFile("data/runs/a_1.fq", "@a1");
      upstream.setFile("data/runs/a_2.fq", "@a2");
      const cfg = parse(
        `[source.web]\nkind = "url"\nurl = ${JSON.stringify(upstream.url("data/"))}\n[role.reads]\n[data.w]\nsource = "web"\nrole = "reads"\nfiles = ["runs/a_1.fq", "runs/a_2.fq"]\n`,
      );
      const config = { ...cfg, root: opened.root };
      const [first] = await ingestConfigured(opened.lake, config, ["w"]);
      expect(first!.error).toBeUndefined();
      expect(first!.result!.fetched.map((f) => f.name).sort()).toEqual(["runs/a_1.fq", "runs/a_2.fq"]);
      const [second] = await ingestConfigured(opened.lake, config);
      expect(second!.name).toBe("w");
      expect(second!.result!.fetched).toEqual([]);
      expect(second!.result!.skipped).toHaveLength(2);
    } finally {
      await opened.dispose();
      await upstream.close();
    }
  });
});
