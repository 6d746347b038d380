import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake, parseConfig, type Lake, type LakeConfig } from "@omicslake/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeUpstream } from "@omicslake/core/testing";
import { bioprojectXml } from "../synthetic/synthetic-ncbi-files.js";
import { consolidate, ingestAndProcess } from "./metadata-pipeline.js";

// [processing.X] steps are honoured: a dataset without "parse" stays in raw, one without "consolidate"
// is left out of the curated entities.
describe("configured processing steps", () => {
  let root: string;
  let fake: FakeUpstream;
  let lake: Lake;
  let config: LakeConfig;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-steps-"));
    fake = await FakeUpstream.start();
    fake.setFile(
      "a/bioproject.xml",
      bioprojectXml([{ accession: "PRJNA1", id: 1, title: "one", lastUpdate: "2024-01-01" }]),
    );
    fake.setFile(
      "b/bioproject.xml",
      bioprojectXml([{ accession: "PRJNA2", id: 2, title: "two", lastUpdate: "2024-01-01" }]),
    );
    fake.setFile(
      "c/bioproject.xml",
      bioprojectXml([{ accession: "PRJNA3", id: 3, title: "three", lastUpdate: "2024-01-01" }]),
    );
    config = parseConfig(
      `[lake]
root = "lake"
[source.a]
kind = "bioproject"
url = "${fake.url("a/")}"
[source.b]
kind = "bioproject"
url = "${fake.url("b/")}"
[source.c]
kind = "bioproject"
url = "${fake.url("c/")}"
[processing.all]
steps = ["parse", "consolidate"]
[processing.parse-only]
steps = ["parse"]
[processing.consolidate-only]
steps = ["consolidate"]
[role.metadata]
processing = ["all"]
[data.everything]
source = "a"
role = "metadata"
[data.not-curated]
source = "b"
role = "metadata"
processing = ["parse-only"]
[data.raw-only]
source = "c"
role = "metadata"
processing = ["consolidate-only"]
`,
      { baseDir: root, env: {} },
    );
    lake = await openLake({ ...config, database: { pgliteDir: "memory://" } });
  });
  afterAll(async () => {
    await lake?.close();
    await fake?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("parses only datasets with a parse step, and consolidates only those with a consolidate step", async () => {
    const summaries = await ingestAndProcess(lake, config, [], () => undefined);
    expect(
      summaries.map((s) => [s.name, s.fetched, s.error === undefined, s.processed !== undefined]),
    ).toEqual([
      ["everything", 1, true, true],
      ["not-curated", 1, true, true],
      ["raw-only", 1, true, false],
    ]);
    expect(await lake.catalog.findDataset("raw-only", "raw")).toBeDefined();
    expect(await lake.catalog.findDataset("raw-only", "processed")).toBeUndefined();

    const result = await consolidate(lake, config);
    expect(result.run.parameters["inputs"]).toEqual(["everything"]);
    expect(result.entities.find((e) => e.entity === "bioproject")?.rows).toBe(1);
  }, 300_000);
});
