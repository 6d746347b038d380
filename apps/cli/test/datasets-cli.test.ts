import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

const run = (cwd: string, ...args: string[]) => runInProcess(cwd, args);

const CONFIG = `[lake]
root = ".omicslake"

[source.lab]
kind = "directory"
path = "sequencing"

[source.mirror]
kind = "sra-reads"
path = "sra"
layout = 0

[role.skims]
description = "Genome skims of the lab's specimens"
run = ["qc"]

[role.references]

[processing.qc]
steps = ["ingest", { name = "sizes", command = "wc -c {input} > {output}", output = "sizes.txt" }]

[processing.refs]
role = "references"
steps = ["ingest", "checksum"]

[data.oaks]
source = "lab"
role = "skims"
directory = "Quercus trees"

[data.runs]
source = "mirror"
role = "references"
species = "Quercus_robur"
accessions = ["SRR100001", "SRR100002"]
`;

interface ShownDataset {
  name: string;
  kind: string;
  role: string;
  layout: string;
  processing: string[];
  steps: { section: string; name: string; command?: string; inputs?: string[] }[];
  raw: null | { objects: number };
  items: {
    key: string;
    species?: string;
    individual?: string;
    accession?: string;
    paired: boolean;
    subdir: string;
    files: { name: string }[];
  }[];
  problems: { name: string; message: string }[];
}

describe("omicslake datasets and roles", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-datasets-"));
    await writeFile(join(dir, "omicslake.toml"), CONFIG);
    const tree = join(dir, "sequencing", "Quercus trees");
    await mkdir(join(tree, "Quercus robur", "ind 07"), { recursive: true });
    await mkdir(join(tree, "Quercus--petraea", "ind12"), { recursive: true });
    for (const name of ["reads_R1.fastq.gz", "reads_R2.fastq.gz"])
      await writeFile(join(tree, "Quercus robur", "ind 07", name), "@r\nA\n+\nI\n");
    await writeFile(join(tree, "Quercus--petraea", "ind12", "skim.fastq"), "@r\nA\n+\nI\n");
    await writeFile(join(tree, "stray.txt"), "not in a species directory");
    // A dataset's tree is {path}/{directory}, the directory defaulting to the dataset's name.
    await mkdir(join(dir, "sra", "runs"), { recursive: true });
    for (const name of ["Quercus_robur--SRR100001_1.fastq.gz", "Quercus_robur--SRR100001_2.fastq.gz"])
      await writeFile(join(dir, "sra", "runs", name), "x");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists configured datasets with kind, role, layout and processing, filtered by role or source", async () => {
    const all = await run(dir, "datasets", "ls", "--json");
    expect(all.stderr).toBe("");
    expect(all.code).toBe(0);
    const rows = (JSON.parse(all.stdout) as { data: ShownDataset[] }).data;
    expect(rows.map((d) => [d.name, d.kind, d.role, d.layout, d.processing])).toEqual([
      ["oaks", "internal", "skims", "lab", ["qc"]],
      ["runs", "sra-reads", "references", "level0", ["refs"]],
    ]);
    expect(rows[0]!.raw).toBeNull();
    const skims = JSON.parse((await run(dir, "datasets", "ls", "--role", "skims", "--json")).stdout) as {
      data: ShownDataset[];
    };
    expect(skims.data.map((d) => d.name)).toEqual(["oaks"]);
    const bySource = await run(dir, "datasets", "ls", "--source", "mirror");
    expect(bySource.stdout).toContain("runs");
    expect(bySource.stdout).not.toContain("oaks");
    const unknown = await run(dir, "datasets", "ls", "--role", "skim");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--role skim: no such role");
  });

  it("shows a lab tree's items: individuals, a pair, names with spaces and --, and what it could not place", async () => {
    const shown = await run(dir, "datasets", "show", "oaks", "--json");
    expect(shown.code).toBe(0);
    const oaks = JSON.parse(shown.stdout) as ShownDataset;
    expect(oaks.steps).toEqual([
      { section: "qc", name: "ingest", step: "ingest" },
      expect.objectContaining({ section: "qc", name: "sizes", inputs: ["item"] }),
    ]);
    expect(
      oaks.items.map((i) => [i.key, i.species, i.individual, i.paired, i.files.length, i.subdir]),
    ).toEqual([
      [
        "Quercus robur/ind 07",
        "Quercus robur",
        "ind 07",
        true,
        2,
        "skims/Quercus trees/Quercus robur/ind 07",
      ],
      [
        "Quercus--petraea/ind12",
        "Quercus--petraea",
        "ind12",
        false,
        1,
        "skims/Quercus trees/Quercus--petraea/ind12",
      ],
    ]);
    expect(oaks.problems.map((p) => p.name)).toEqual(["stray.txt"]);
    const text = await run(dir, "datasets", "show", "oaks");
    expect(text.stdout).toContain("problem: stray.txt");
  });

  it("shows a read mirror's runs, the missing one reported, and refuses an unknown dataset", async () => {
    const runs = JSON.parse((await run(dir, "datasets", "show", "runs", "--json")).stdout) as ShownDataset;
    expect(runs.items.map((i) => [i.accession, i.paired, i.species])).toEqual([
      ["SRR100001", true, "Quercus_robur"],
    ]);
    expect(JSON.stringify(runs.problems)).toContain("SRR100002");
    const missing = await run(dir, "datasets", "show", "elms");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no dataset "elms"');
    expect(missing.stderr).toContain("oaks, runs");
  });

  it("lists roles with their processing (their own, or the sections declaring them) and datasets", async () => {
    const roles = JSON.parse((await run(dir, "roles", "ls", "--json")).stdout) as {
      data: { name: string; run: string[]; datasets: string[]; description: string | null }[];
    };
    expect(roles.data).toEqual([
      { name: "skims", description: "Genome skims of the lab's specimens", run: ["qc"], datasets: ["oaks"] },
      { name: "references", description: null, run: ["refs"], datasets: ["runs"] },
    ]);
  });

  it("lists every source kind with its keys, and config check names the kind and layout of each dataset", async () => {
    const kinds = JSON.parse((await run(dir, "config", "kinds", "--json")).stdout) as {
      kind: string;
      aliases: string[];
      layouts: string[];
      data_keys: Record<string, string>;
    }[];
    expect(kinds.map((k) => k.kind)).toEqual(
      expect.arrayContaining(["internal", "sra-reads", "ncbi-genomes", "genbank", "url", "s3", "sra", "geo"]),
    );
    expect(kinds.find((k) => k.kind === "internal")?.aliases).toEqual(["directory"]);
    expect(Object.keys(kinds.find((k) => k.kind === "genbank")!.data_keys)).toEqual(
      expect.arrayContaining(["divisions", "taxid"]),
    );
    const check = await run(dir, "config", "check");
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/oaks\s+lab\s+internal\s+skims\s+lab\s+qc/);
  });

  it("refuses a config naming a kind nobody registered, with the file, line and the kinds there are", async () => {
    const other = await mkdtemp(join(tmpdir(), "omicslake-cli-kinds-"));
    try {
      await writeFile(join(other, "omicslake.toml"), `[source.x]\nkind = "ncbi-genome"\n`);
      const check = await run(other, "config", "check");
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(
        /omicslake\.toml, line 2, \[source\.x\], key "kind": unknown source kind "ncbi-genome" \(did you mean "ncbi-genomes"\?\)/,
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
