import type * as FsPromises from "node:fs/promises";
import { rm } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { layoutItems, type LayoutOptions } from "../src/items/layout-items.js";
import { listTreeItems } from "../src/items/tree-items.js";
import { tempTree, type TempTree } from "./helpers/temp-tree.js";

// Lets a test remove a file between the directory listing and its stat, as a concurrent writer would.
const beforeStat = vi.hoisted(() => ({ hook: undefined as ((path: string) => Promise<void>) | undefined }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  return {
    ...fs,
    stat: async (path: string) => {
      await beforeStat.hook?.(path);
      return fs.stat(path);
    },
  };
});

let tree: TempTree;
beforeEach(async () => {
  tree = await tempTree();
});
afterEach(async () => {
  beforeStat.hook = undefined;
  await tree.remove();
});

const options = (layout: LayoutOptions["layout"]): LayoutOptions => ({
  layout,
  dataset: "reads",
  role: "raw-reads",
  directory: "reads",
});

const names = (list: readonly string[]) => list.map((name) => ({ name, path: `/x/${name}` }));

describe("items from adversarial names", () => {
  it("never pairs on a digit of the species in level0 names", () => {
    const { items, problems } = layoutItems(
      names(["Strain 1--SRR9.fq", "Strain 2--SRR9.fq", "Phage T1--ACC_1.fq", "Phage T1--ACC_2.fq"]),
      options("level0"),
    );
    expect(problems).toEqual([]);
    expect(items.map((i) => [i.key, i.paired, i.files.length])).toEqual([
      ["Phage T1/ACC", true, 2],
      ["Strain 1/SRR9", false, 1],
      ["Strain 2/SRR9", false, 1],
    ]);
  });

  it("reports two pairs that would make one accession (_R1/_R2 next to _1/_2) instead of a four-file item", () => {
    for (const layout of ["level0", "level1", "files"] as const) {
      const prefix = layout === "level0" ? "Sp--" : layout === "level1" ? "Sp/" : "";
      const { items, problems } = layoutItems(
        names([
          `${prefix}x_R1.fq`,
          `${prefix}x_R2.fq`,
          `${prefix}x_1.fq`,
          `${prefix}x_2.fq`,
          `${prefix}y.fq`,
        ]),
        options(layout),
      );
      expect(
        items.map((i) => i.files.length),
        layout,
      ).toEqual([1]);
      expect(problems.map((p) => p.name).sort(), layout).toEqual(
        [`${prefix}x_1.fq`, `${prefix}x_2.fq`, `${prefix}x_R1.fq`, `${prefix}x_R2.fq`].sort(),
      );
      expect(problems[0]!.message).toMatch(/more than one pair/);
    }
  });

  it("reports object keys with an empty segment instead of naming two files the same", () => {
    const { items, problems } = layoutItems(names(["a/b.fq", "a//b.fq", "/b.fq", "c.fq"]), options("files"));
    expect(items.map((i) => i.key)).toEqual(["a/b.fq", "c.fq"]);
    expect(problems.map((p) => p.name)).toEqual(["/b.fq", "a//b.fq"]);
  });

  it("keeps index files (.fai, .gzi, .bai) in the item of the file they index", () => {
    const files = [
      "Sp/GCF_1.40.fna.gz",
      "Sp/GCF_1.40.fna.gz.fai",
      "Sp/GCF_1.40.fna.gz.gzi",
      "Sp/SRR1.bam",
      "Sp/SRR1.bam.bai",
    ];
    const { items, problems } = layoutItems(names(files), options("level1"));
    expect(problems).toEqual([]);
    expect(items.map((i) => [i.key, i.files.length])).toEqual([
      ["Sp/GCF_1.40", 3],
      ["Sp/SRR1", 2],
    ]);
  });

  it("lists the same items in the same order whatever order the names come in", () => {
    const all = [
      "Sp/é_1.fq",
      "Sp/e_1.fq",
      "Sp/E_2.fq",
      "Sp/é_2.fq",
      "Sp/😀.fq",
      "Sp/z.fq",
      "Sp/Z.fq",
      "Sp/e_2.fq",
    ];
    const first = layoutItems(names(all), options("level1"));
    expect(first.items.map((i) => i.key)).toEqual(["Sp/E_2", "Sp/Z", "Sp/e", "Sp/z", "Sp/é", "Sp/😀"]);
    for (let shift = 1; shift < all.length; shift++) {
      const rotated = [...all.slice(shift), ...all.slice(0, shift)];
      expect(layoutItems(names(rotated), options("level1"))).toEqual(first);
    }
  });

  it("lists a tree whose file disappears between the directory listing and its stat", async () => {
    await tree.write({ "Sp/a.fq": "a", "Sp/b.fq": "b" });
    beforeStat.hook = async (path) => {
      if (path.endsWith("a.fq")) await rm(path);
    };
    const { items } = await listTreeItems(tree.dir, options("level1"));
    expect(items.map((i) => i.key)).toEqual(["Sp/b"]);
  });
});
