import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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

describeOnLakeEngines("processDatasets run twice at once", (opened) => {
  let dir: string;
  let config: LakeConfig;
  const lake = (): Lake => opened().lake;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-twice-"));
    await mkdir(join(dir, "tree", "reads"), { recursive: true });
    for (const name of ["A", "B", "C"]) await writeFile(join(dir, "tree", "reads", name), `${name}\n`);
    // Each command run appends a line to a log, so the test counts how often each item ran.
    const text = `
[source.tree]
kind = "test-tree"
path = "tree"
[role.seq]
run = ["qc"]
[processing.qc]
steps = ["ingest", { name = "copy", command = "echo {item} >> ${dir}/ran.log; sleep 0.3; cat {input} > {output}", output = "copy.txt" }]
[data.reads]
source = "tree"
role = "seq"
`;
    config = { ...parseConfig(text, { baseDir: dir, env: {} }), root: opened().root };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs each item once when two process calls overlap, and leaves one consistent record per item", async () => {
    const both = await Promise.all([
      processDatasets(lake(), config, { names: ["reads"], handlers, jobs: 3 }),
      processDatasets(lake(), config, { names: ["reads"], handlers, jobs: 3 }),
    ]);
    const ran = (await readFile(join(dir, "ran.log"), "utf8")).trim().split("\n").sort();
    expect(ran).toEqual(["A", "B", "C"]);
    // Both ingests find the files in raw or add them; neither trips over the other's adds.
    for (const summary of both) expect(summary.steps.find((s) => s.step === "ingest")!.failures).toEqual([]);
    const outcomes = both.map((summary) => summary.steps.find((s) => s.step === "qc.copy")!);
    expect(outcomes.reduce((n, o) => n + o.ran, 0)).toBe(3);
    // The other call either found the item done or was told who is running it.
    for (const outcome of outcomes) {
      for (const failure of outcome.failures) {
        expect(failure.error).toMatchObject({ code: "item_busy" });
        expect(failure.message).toMatch(/being processed by run \d+/);
      }
    }
    const records = await lake().catalog.itemRuns.forStep("reads", "qc", "copy");
    expect([...records.keys()].sort()).toEqual(["A", "B", "C"]);
    const again = await processDatasets(lake(), config, { names: ["reads"], handlers, jobs: 3 });
    expect(again.steps.find((s) => s.step === "qc.copy")).toMatchObject({ ran: 0, skipped: 3, failed: 0 });
    expect((await readFile(join(dir, "ran.log"), "utf8")).trim().split("\n")).toHaveLength(3);
  });
});
