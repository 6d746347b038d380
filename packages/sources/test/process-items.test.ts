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

let consolidations = 0;
const handlers: ProcessHandlers = {
  parseMetadata: async () => undefined,
  convert: async () => undefined,
  expression: async () => undefined,
  consolidate: async () => {
    consolidations++;
  },
  snapshot: async () => undefined,
  load: async () => undefined,
};

// `fetch` ingests; `qc` is item-wise commands and a lake-wide step, what a narrowed run may hold.
function configText(role: string): string {
  return `
[source.tree]
kind = "test-tree"
path = "tree"
[role.fetching]
run = ["fetch"]
[role.checking]
run = ["qc"]
[role.both]
run = ["fetch", "qc"]
[processing.fetch]
steps = ["ingest"]
[processing.qc]
steps = [{ name = "where", command = "echo {subdir} > {output}", output = "where.txt" }, "consolidate"]
[data.reads]
source = "tree"
role = "${role}"
`;
}

describeOnLakeEngines("processDatasets kept to some items", (opened) => {
  let dir: string;
  const lake = (): Lake => opened().lake;
  const configOf = (role: string): LakeConfig => ({
    ...parseConfig(configText(role), { baseDir: dir, env: {} }),
    root: opened().root,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-items-"));
    await mkdir(join(dir, "tree", "reads"), { recursive: true });
    for (const name of ["A", "B", "C"]) await writeFile(join(dir, "tree", "reads", name), `${name}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the command steps on the named items only, the lake-wide steps once, and names an unknown item", async () => {
    expect((await processDatasets(lake(), configOf("fetching"), { names: ["reads"], handlers })).failed).toBe(
      false,
    );
    const checking = configOf("checking");
    consolidations = 0;
    const one = await processDatasets(lake(), checking, { names: ["reads"], items: ["B"], handlers });
    expect(one.failed).toBe(false);
    expect(one.steps.map((s) => [s.step, s.ran, s.skipped])).toEqual([
      ["qc.where", 1, 0],
      ["consolidate", 1, 0],
    ]);
    expect(consolidations).toBe(1);
    expect([...(await lake().catalog.itemRuns.forStep("reads", "qc", "where")).keys()]).toEqual(["B"]);

    const two = await processDatasets(lake(), checking, { names: ["reads"], items: ["C", "B"], handlers });
    expect(two.steps[0]).toMatchObject({ step: "qc.where", ran: 1, skipped: 1 });
    expect([...(await lake().catalog.itemRuns.forStep("reads", "qc", "where")).keys()].sort()).toEqual([
      "B",
      "C",
    ]);

    const unknown = await processDatasets(lake(), checking, {
      names: ["reads"],
      items: ["A", "Z"],
      handlers,
    });
    expect(unknown.failed).toBe(true);
    expect(unknown.steps[0]?.failures[0]?.message).toContain('no item "Z"');
    // The dataset stopped at the failed step: A was not run either.
    expect((await lake().catalog.itemRuns.forStep("reads", "qc", "where")).has("A")).toBe(false);
  });

  it("refuses items, before anything runs, where a step works on the whole dataset", async () => {
    await expect(
      processDatasets(lake(), configOf("both"), { names: ["reads"], items: ["A"], handlers }),
    ).rejects.toMatchObject({
      code: "invalid_source_config",
      message: expect.stringContaining("ingest") as unknown,
    });
  });
});
