import { spawnSync } from "node:child_process";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "@omicslake/core";
import { listTreeItems } from "../src/items/tree-items.js";
import type { LayoutOptions } from "../src/items/layout-items.js";
import { tempTree, type TempTree } from "./helpers/temp-tree.js";

let tree: TempTree;
beforeEach(async () => {
  tree = await tempTree();
});
afterEach(async () => {
  await tree.remove();
});

const options = (layout: LayoutOptions["layout"], extra: Partial<LayoutOptions> = {}): LayoutOptions => ({
  layout,
  dataset: "reads",
  role: "raw-reads",
  directory: "reads",
  ...extra,
});

const summary = (items: Awaited<ReturnType<typeof listTreeItems>>["items"]) =>
  items.map((i) => ({
    key: i.key,
    paired: i.paired,
    files: i.files.map((f) => (f.mate ? `${f.name}#${f.mate}` : f.name)),
  }));

describe("listTreeItems, level0 {Species}--{accession}.ext", () => {
  it("makes one item per accession, pairs mates, strips the mate suffix and keeps -- inside the species", async () => {
    await tree.write({
      "Homo_sapiens--SRR1_1.fastq.gz": "a",
      "Homo_sapiens--SRR1_2.fastq.gz": "bb",
      "Mus musculus--SRR2.fastq.gz": "c",
      "Odd--name--GCF_000001405.40.fna.gz": "d",
      "Odd--name--GCF_000001405.40.gff.gz": "e",
    });
    const { items, problems } = await listTreeItems(tree.dir, options("level0"));
    expect(problems).toEqual([]);
    expect(summary(items)).toEqual([
      {
        key: "Homo_sapiens/SRR1",
        paired: true,
        files: ["Homo_sapiens--SRR1_1.fastq.gz#1", "Homo_sapiens--SRR1_2.fastq.gz#2"],
      },
      { key: "Mus musculus/SRR2", paired: false, files: ["Mus musculus--SRR2.fastq.gz"] },
      {
        key: "Odd--name/GCF_000001405.40",
        paired: false,
        files: ["Odd--name--GCF_000001405.40.fna.gz", "Odd--name--GCF_000001405.40.gff.gz"],
      },
    ]);
    const human = items[0]!;
    expect(human.species).toBe("Homo_sapiens");
    expect(human.accession).toBe("SRR1");
    expect(human.subdir).toBe("raw-reads/reads/Homo_sapiens/SRR1");
    expect(human.files[1]!.size).toBe(2);
    expect(human.files[1]!.path).toBe(join(tree.dir, "Homo_sapiens--SRR1_2.fastq.gz"));
    expect(items[1]!.subdir).toBe("raw-reads/reads/Mus musculus/SRR2");
  });

  it("reports names without --, directories, and names with nothing around --", async () => {
    await tree.write({
      "nodash.fastq.gz": "",
      "--ACC.fq": "",
      "Sp--.fq": "",
      "sub/Homo_sapiens--SRR1.fq": "",
      "sub/Homo_sapiens--SRR2.fq": "",
      "Sp--ok.fq": "",
    });
    const { items, problems } = await listTreeItems(tree.dir, options("level0"));
    expect(items.map((i) => i.key)).toEqual(["Sp/ok"]);
    expect(problems.map((p) => p.name)).toEqual(["--ACC.fq", "Sp--.fq", "nodash.fastq.gz", "sub"]);
    expect(problems.find((p) => p.name === "sub")!.message).toContain("a directory where layout level0");
    expect(problems.find((p) => p.name === "nodash.fastq.gz")!.message).toContain('no "--"');
  });

  it("never makes items of hidden files, checksum sidecars or partial downloads", async () => {
    await tree.write({
      ".hidden--X.fq": "",
      "Sp--A.fq.md5": "",
      "Sp--A.fq.sha256": "",
      "Sp--B.fq.part": "",
      "Sp--C.fq.tmp": "",
      ".partial/Sp--D.fq": "",
      "Sp--A.fq": "",
    });
    const { items, problems } = await listTreeItems(tree.dir, options("level0"));
    expect(items.map((i) => i.key)).toEqual(["Sp/A"]);
    expect(problems).toEqual([]);
  });

  it("leaves pairs off when pairing is off (assembly versions .1/.2)", async () => {
    await tree.write({ "Sp--GCF_1.1.fna": "", "Sp--GCF_1.2.fna": "" });
    const paired = await listTreeItems(tree.dir, options("level0"));
    expect(paired.items.map((i) => i.key)).toEqual(["Sp/GCF_1"]);
    const unpaired = await listTreeItems(tree.dir, options("level0", { pairing: false }));
    expect(unpaired.items.map((i) => i.key)).toEqual(["Sp/GCF_1.1", "Sp/GCF_1.2"]);
  });
});

describe("listTreeItems, level1 {Species}/{accession}.ext", () => {
  it("pairs within a species directory, splits lanes into items and reports misplaced names", async () => {
    await tree.write({
      "Homo sapiens/SRR1_1.fq.gz": "",
      "Homo sapiens/SRR1_2.fq.gz": "",
      "Homo sapiens/SRR3.fq.gz": "",
      "Homo sapiens/S1_R1_001.fq.gz": "",
      "Homo sapiens/S1_R1_002.fq.gz": "",
      "Homo sapiens/S1_R2_001.fq.gz": "",
      "Homo sapiens/S1_R2_002.fq.gz": "",
      "Homo sapiens/nested/SRR9.fq.gz": "",
      "stray.fq.gz": "",
    });
    const { items, problems } = await listTreeItems(tree.dir, options("level1"));
    expect(summary(items)).toEqual([
      {
        key: "Homo sapiens/S1_001",
        paired: true,
        files: ["Homo sapiens/S1_R1_001.fq.gz#1", "Homo sapiens/S1_R2_001.fq.gz#2"],
      },
      {
        key: "Homo sapiens/S1_002",
        paired: true,
        files: ["Homo sapiens/S1_R1_002.fq.gz#1", "Homo sapiens/S1_R2_002.fq.gz#2"],
      },
      {
        key: "Homo sapiens/SRR1",
        paired: true,
        files: ["Homo sapiens/SRR1_1.fq.gz#1", "Homo sapiens/SRR1_2.fq.gz#2"],
      },
      { key: "Homo sapiens/SRR3", paired: false, files: ["Homo sapiens/SRR3.fq.gz"] },
    ]);
    expect(problems).toEqual([
      {
        name: "Homo sapiens/nested",
        message: "a directory where layout level1 expects a file: {Species}/{accession}.ext",
      },
      {
        name: "stray.fq.gz",
        message: "a file at the top of the tree where layout level1 expects {Species}/{accession}.ext",
      },
    ]);
  });

  it("reports ambiguous mates and keeps the rest", async () => {
    await tree.write({ "Sp/x_1_1.fq": "", "Sp/x_1_2.fq": "", "Sp/x_2_1.fq": "", "Sp/y.fq": "" });
    const { items, problems } = await listTreeItems(tree.dir, options("level1"));
    expect(items.map((i) => i.key)).toEqual(["Sp/y"]);
    expect(problems.map((p) => p.name)).toEqual(["Sp/x_1_1.fq", "Sp/x_1_2.fq", "Sp/x_2_1.fq"]);
    expect(problems[0]!.message).toContain("never guessed");
  });

  it("filters items by include and exclude globs on keys and file names", async () => {
    await tree.write({ "Sp/A_1.fq": "", "Sp/A_2.fq": "", "Sp/B.fq": "", "Other/C.fq": "" });
    const byKey = await listTreeItems(tree.dir, options("level1", { include: ["Sp/*"] }));
    expect(byKey.items.map((i) => i.key)).toEqual(["Sp/A", "Sp/B"]);
    const byFile = await listTreeItems(tree.dir, options("level1", { include: ["*_2.fq"] }));
    expect(byFile.items.map((i) => i.key)).toEqual(["Sp/A"]);
    const excluded = await listTreeItems(tree.dir, options("level1", { exclude: ["Other/**", "B.fq"] }));
    expect(excluded.items.map((i) => i.key)).toEqual(["Sp/A"]);
  });
});

describe("listTreeItems, level2 and lab trees", () => {
  it("level2: one item with every file of an accession's directory, lanes paired", async () => {
    await tree.write({
      "Sp/ACC1/L_R1_001.fq": "",
      "Sp/ACC1/L_R1_002.fq": "",
      "Sp/ACC1/L_R2_001.fq": "",
      "Sp/ACC1/L_R2_002.fq": "",
      "Sp/ACC1/qc/report.html": "",
      "Sp/ACC2/genome.fna": "",
      "Sp/loose.fq": "",
      "top.txt": "",
    });
    const { items, problems } = await listTreeItems(tree.dir, options("level2"));
    expect(summary(items)).toEqual([
      {
        key: "Sp/ACC1",
        paired: true,
        files: [
          "Sp/ACC1/L_R1_001.fq#1",
          "Sp/ACC1/L_R1_002.fq#1",
          "Sp/ACC1/L_R2_001.fq#2",
          "Sp/ACC1/L_R2_002.fq#2",
          "Sp/ACC1/qc/report.html",
        ],
      },
      { key: "Sp/ACC2", paired: false, files: ["Sp/ACC2/genome.fna"] },
    ]);
    expect(items[0]!.accession).toBe("ACC1");
    expect(items[0]!.subdir).toBe("raw-reads/reads/Sp/ACC1");
    expect(problems.map((p) => p.name)).toEqual(["Sp/loose.fq", "top.txt"]);
    expect(problems[0]!.message).toContain("expects an accession's directory");
  });

  it("level2: an accession with an ambiguous file is left out, not listed incomplete", async () => {
    await tree.write({ "Sp/A/x_1_1.fq": "", "Sp/A/x_1_2.fq": "", "Sp/A/x_2_1.fq": "", "Sp/B/b.fq": "" });
    const { items, problems } = await listTreeItems(tree.dir, options("level2"));
    expect(items.map((i) => i.key)).toEqual(["Sp/B"]);
    expect(problems.map((p) => p.name)).toEqual(["Sp/A", "Sp/A/x_1_1.fq", "Sp/A/x_1_2.fq", "Sp/A/x_2_1.fq"]);
  });

  it("lab: one item per individual, with species and individual and the subdir under them", async () => {
    await tree.write({
      "Zea mays/plant 7/leaf_R1.fq.gz": "",
      "Zea mays/plant 7/leaf_R2.fq.gz": "",
      "Zea mays/plant 7/notes.txt": "",
      "Zea mays/plant 8/root.fq.gz": "",
    });
    const { items, problems } = await listTreeItems(
      tree.dir,
      options("lab", { role: "lab", directory: "maize" }),
    );
    expect(problems).toEqual([]);
    expect(items.map((i) => [i.key, i.species, i.individual, i.accession, i.paired, i.subdir])).toEqual([
      ["Zea mays/plant 7", "Zea mays", "plant 7", undefined, true, "lab/maize/Zea mays/plant 7"],
      ["Zea mays/plant 8", "Zea mays", "plant 8", undefined, false, "lab/maize/Zea mays/plant 8"],
    ]);
  });
});

describe("listTreeItems, files", () => {
  it("makes one item per file or pair at any depth, keyed by its path", async () => {
    await tree.write({ "a.txt": "", "runs/r_1.fq": "", "runs/r_2.fq": "", "runs/deep/z.fq": "" });
    const { items, problems } = await listTreeItems(tree.dir, options("files"));
    expect(problems).toEqual([]);
    expect(summary(items)).toEqual([
      { key: "a.txt", paired: false, files: ["a.txt"] },
      { key: "runs/deep/z.fq", paired: false, files: ["runs/deep/z.fq"] },
      { key: "runs/r.fq", paired: true, files: ["runs/r_1.fq#1", "runs/r_2.fq#2"] },
    ]);
    expect(items[2]!.subdir).toBe("raw-reads/reads/runs/r.fq");
    expect(items[2]!.species).toBeUndefined();
  });
});

describe("listTreeItems, links and odd entries", () => {
  it("follows links to files and reports loops, broken links and FIFOs", async () => {
    await tree.write({ "Sp/A.fq": "hello", "elsewhere/B.fq": "xy" });
    await symlink(join(tree.dir, "elsewhere/B.fq"), join(tree.dir, "Sp/B.fq"));
    await symlink(join(tree.dir, "missing.fq"), join(tree.dir, "Sp/C.fq"));
    await symlink(join(tree.dir, "Sp/D.fq"), join(tree.dir, "Sp/D.fq"));
    await mkdir(join(tree.dir, "Sp2"));
    await symlink(join(tree.dir, "Sp2"), join(tree.dir, "Sp2/back"));
    const fifo = spawnSync("mkfifo", [join(tree.dir, "Sp/E.fq")]).status === 0;
    const { items, problems } = await listTreeItems(join(tree.dir), options("files"));
    expect(items.map((i) => [i.key, i.files[0]!.size])).toEqual([
      ["Sp/A.fq", 5],
      ["Sp/B.fq", 2],
      ["elsewhere/B.fq", 2],
    ]);
    expect(items[1]!.files[0]!.path).toBe(join(tree.dir, "Sp/B.fq"));
    const byName = Object.fromEntries(problems.map((p) => [p.name, p.message]));
    expect(byName["Sp/C.fq"]).toContain("broken symbolic link");
    expect(byName["Sp/D.fq"]).toContain("loop");
    expect(byName["Sp2/back"]).toContain("links back to a directory that contains it");
    if (fifo) expect(byName["Sp/E.fq"]).toContain("neither a file nor a directory");
  });

  it("leaves out a level2 accession with a broken link inside, naming it", async () => {
    await tree.write({ "Sp/A/a.fq": "", "Sp/B/b.fq": "" });
    await symlink(join(tree.dir, "gone.fq"), join(tree.dir, "Sp/A/link.fq"));
    const { items, problems } = await listTreeItems(tree.dir, options("level2"));
    expect(items.map((i) => i.key)).toEqual(["Sp/B"]);
    expect(problems.map((p) => p.name)).toEqual(["Sp/A", "Sp/A/link.fq"]);
    expect(problems[0]!.message).toContain("left out");
  });

  it("refuses a missing dataset directory with a hint", async () => {
    await expect(listTreeItems(join(tree.dir, "nope"), options("level1"))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(listTreeItems(join(tree.dir, "nope"), options("level1"))).rejects.toThrow(/directory = /);
  });

  it("lists the same items whatever the creation order", async () => {
    await tree.write({ "Sp/b_2.fq": "", "Sp/a_1.fq": "", "Sp/c.fq": "", "Sp/b_1.fq": "", "Sp/a_2.fq": "" });
    const first = await listTreeItems(tree.dir, options("level1"));
    expect(first.items.map((i) => i.key)).toEqual(["Sp/a", "Sp/b", "Sp/c"]);
  });
});
