import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseConfig, type Lake, type LakeConfig } from "@omicslake/core";
import { describeOnLakeEngines } from "@omicslake/core/testing";
import { addSourceKind } from "../src/kinds/source-kinds.js";
import { processDatasets, type ProcessHandlers } from "../src/processing/process-datasets.js";
import { TEST_TREE_KIND } from "./helpers/test-tree-kind.js";

addSourceKind(TEST_TREE_KIND);

const handlers: ProcessHandlers = {
  parseMetadata: async () => undefined,
  convert: async () => undefined,
  expression: async () => undefined,
  consolidate: async () => undefined,
  snapshot: async () => undefined,
  load: async () => undefined,
};

describeOnLakeEngines("processDatasets on what a command leaves in {output}", (opened) => {
  let dir: string;
  let config: LakeConfig;
  const lake = (): Lake => opened().lake;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-outputs-"));
    await mkdir(join(dir, "tree", "reads"), { recursive: true });
    await mkdir(join(dir, "secret-dir"), { recursive: true });
    await writeFile(join(dir, "secret"), "not for the lake\n");
    await writeFile(join(dir, "secret-dir", "inside"), "not for the lake either\n");
    await writeFile(join(dir, "tree", "reads", "A"), "A\n");
    const text = `
[source.tree]
kind = "test-tree"
path = "tree"
[role.seq]
run = ["qc"]
[processing.qc]
steps = ["ingest", { name = "links", command = "cat {input} > {output}/a.txt; ln -s ${dir}/secret {output}/file-link; ln -s ${dir}/secret-dir {output}/dir-link" }]
[data.reads]
source = "tree"
role = "seq"
`;
    config = { ...parseConfig(text, { baseDir: dir, env: {} }), root: opened().root };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("fails an item whose command left symbolic links in {output}, and publishes nothing of it", async () => {
    const summary = await processDatasets(lake(), config, { names: ["reads"], handlers });
    const links = summary.steps.find((s) => s.step === "qc.links")!;
    expect(links.failures).toHaveLength(1);
    expect(links.failures[0]).toMatchObject({ item: "A", error: { code: "command_failed" } });
    expect(links.failures[0]!.message).toContain("symbolic link");
    expect(links.failures[0]!.message).toContain("file-link");
    const target = await lake().catalog.findDataset("qc.links", "processed");
    if (target) {
      for (const name of ["seq/reads/A/a.txt", "seq/reads/A/file-link", "seq/reads/A/dir-link/inside"])
        expect(await lake().catalog.findObjectByKey(lake().objectKey(target, name))).toBeUndefined();
    }
    expect(
      await lake().catalog.itemRuns.forItem({ dataset: "reads", section: "qc", step: "links", item: "A" }),
    ).toBeUndefined();
  });
});
