import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const tenx = resolve(repoRoot, "../shared/fixtures/formats/10x_v3");
const haveFixture = existsSync(tenx);
if (!haveFixture)
  console.warn("ingest-directory tests: the 10x case is skipped, ../shared/fixtures/formats is absent");

describe("omicslake ingest --dataset with a folder", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-ingest-dir-"));
    expect((await runInProcess(dir, ["init"])).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!haveFixture)(
    "stores a 10x folder's files under their names in it and converts the folder",
    async () => {
      const folder = join(dir, "pbmc");
      await cp(tenx, folder, { recursive: true });
      await rm(join(folder, "expected.json"));
      await mkdir(join(folder, "notes"));
      await writeFile(join(folder, "notes", "README.txt"), "sample sheet\n");
      await writeFile(join(folder, ".DS_Store"), "hidden\n");
      const result = await runInProcess(dir, [
        "ingest",
        "--dataset",
        "pbmc",
        "--cell-metadata",
        "cells.tsv",
        "pbmc",
        "--json",
      ]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const converted = JSON.parse(result.stdout) as {
        format: string;
        outputs: { name: string; rows: number }[];
      };
      expect(converted.format).toBe("10x-mtx");
      expect(converted.outputs.find((o) => o.name === "matrix.X.parquet")?.rows).toBe(50000);
      const cells = converted.outputs.find((o) => o.name === "cells.parquet");
      expect(cells?.rows).toBe(500);
      const files = await runInProcess(dir, ["catalog", "files", "raw:pbmc", "--json"]);
      const names = (JSON.parse(files.stdout) as { data: { name: string }[] }).data.map((o) => o.name).sort();
      expect(names).toEqual([
        "barcodes.tsv.gz",
        "cells.tsv",
        "features.tsv.gz",
        "matrix.mtx.gz",
        "notes/README.txt",
      ]);
    },
  );

  it("refuses an empty folder, naming it", async () => {
    await mkdir(join(dir, "empty"));
    await writeFile(join(dir, "empty", ".hidden"), "x");
    const result = await runInProcess(dir, ["ingest", "--dataset", "empty", "empty"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("holds no files");
    expect(result.stderr).toContain("empty");
  });

  it("refuses a link that points outside the folder, and adds nothing", async () => {
    await mkdir(join(dir, "linked"));
    await writeFile(join(dir, "secret.txt"), "not for the lake\n");
    await writeFile(join(dir, "linked", "data.csv"), "a,b\n1,2\n");
    await symlink(join(dir, "secret.txt"), join(dir, "linked", "secret.txt"));
    const result = await runInProcess(dir, ["ingest", "--dataset", "linked", "linked"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("points outside the folder");
    const ls = await runInProcess(dir, ["catalog", "ls", "--json"]);
    const datasets = (JSON.parse(ls.stdout) as { data: { name: string }[] }).data.map((d) => d.name);
    expect(datasets).not.toContain("linked");
  });

  it("follows a link that stays inside the folder", async () => {
    await mkdir(join(dir, "inner"));
    await writeFile(join(dir, "inner", "table.csv"), "a,b\n1,2\n");
    await symlink("table.csv", join(dir, "inner", "alias.csv"));
    const result = await runInProcess(dir, ["ingest", "--dataset", "inner", "inner", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const files = await runInProcess(dir, ["catalog", "files", "raw:inner", "--json"]);
    const names = (JSON.parse(files.stdout) as { data: { name: string }[] }).data.map((o) => o.name).sort();
    expect(names).toEqual(["alias.csv", "table.csv"]);
  });
});
