import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ValidationError } from "../src/errors/omicslake-error.js";
import { describeOnLakeEngines } from "@omicslake/core/testing";

// Raw objects can never be removed, so an add that fails part-way must fail before it creates anything:
// otherwise its first files (or an empty dataset) stay in raw, and a rerun meets them as conflicts.
describeOnLakeEngines("addFiles refuses bad names up front", (opened) => {
  it("stores nothing when two files share a name", async () => {
    const { lake, root } = opened();
    await mkdir(join(root, "one"), { recursive: true });
    await mkdir(join(root, "two"), { recursive: true });
    await writeFile(join(root, "one", "x.csv"), "one\n");
    await writeFile(join(root, "two", "x.csv"), "two\n");
    await expect(
      lake.addFiles([join(root, "one", "x.csv"), join(root, "two", "x.csv")], { dataset: "twins" }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await lake.catalog.findDataset("twins", "raw")).toBeUndefined();
  });

  it("stores nothing when a later file's name cannot be a key", async () => {
    const { lake, root } = opened();
    await writeFile(join(root, "good.csv"), "a\n");
    const bad = join(root, "bad\x1b[31m.csv");
    await writeFile(bad, "b\n");
    await expect(lake.addFiles([join(root, "good.csv"), bad], { dataset: "escaped" })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await lake.catalog.findDataset("escaped", "raw")).toBeUndefined();
  });

  it("still adds the same file named twice once", async () => {
    const { lake, root } = opened();
    await writeFile(join(root, "same.csv"), "s\n");
    const { objects } = await lake.addFiles([join(root, "same.csv"), join(root, "same.csv")], {
      dataset: "same",
    });
    expect(objects.map((o) => o.name)).toEqual(["same.csv", "same.csv"]);
    expect((await lake.catalog.findDataset("same", "raw"))?.objectCount).toBe(1);
  });
});
