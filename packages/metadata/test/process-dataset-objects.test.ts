import { gzipSync } from "node:zlib";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processDataset } from "../src/processing/process-dataset.js";
import { readManifests } from "../src/processing/processed-manifest.js";
import { pubmedXml } from "../src/synthetic/synthetic-ncbi-files.js";

process.env["TZ"] = "UTC";

const article = (pmid: number) => ({ pmid, title: `article ${pmid}`, dateRevised: "2025-01-02" });

// Which objects are pending is decided above the catalog, from the listing every engine gives alike: one
// engine (the embedded default) is enough, as for the other pure-flow tests of this package.
describe("processDataset restricted to some raw objects (fs + pglite)", () => {
  let lake: OpenedLake | undefined;
  beforeAll(async () => {
    lake = await lakeEngines()[0]!.open();
  }, 60_000);
  afterAll(async () => {
    await lake?.dispose();
  });
  const opened = (): OpenedLake => lake!;

  it("parses only the objects the filter keeps, and leaves the others pending for a later call", async () => {
    const { lake } = opened();
    const raw = await lake.ensureDataset({ name: "pubmed", layer: "raw", source: "pubmed" });
    for (const [file, pmids] of [
      ["pubmed25n0001", [1, 2]],
      ["pubmed25n0002", [3]],
    ] as const) {
      await lake.addObject(raw, {
        name: `updatefiles/${file}.xml.gz`,
        body: gzipSync(pubmedXml(pmids.map(article))),
      });
    }

    const first = await processDataset(lake, "raw:pubmed", {
      objects: (name) => name.includes("pubmed25n0001"),
    });
    expect(first.processedUnits).toBe(1);
    expect(first.rowCounts).toMatchObject({ pubmed_article: 2 });
    const afterFirst = await readManifests(lake, first.processed);
    expect(afterFirst.flatMap((m) => m.inputs.map((i) => i.name))).toEqual([
      "updatefiles/pubmed25n0001.xml.gz",
    ]);
    expect(afterFirst[0]?.partition).toBe("file=pubmed25n0001");

    // The same filter again finds nothing pending; no filter picks up the other file only.
    const again = await processDataset(lake, "raw:pubmed", {
      objects: (name) => name.includes("pubmed25n0001"),
    });
    expect(again.processedUnits).toBe(0);
    const rest = await processDataset(lake, "raw:pubmed");
    expect(rest).toMatchObject({ processedUnits: 1, skippedUnits: 1 });
    expect(rest.rowCounts).toEqual({ pubmed_article: 1 });
  });
});
