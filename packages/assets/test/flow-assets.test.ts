import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseConfig, type LakeConfig } from "@omicslake/core";
import { describeOnLakeEngines, FakeUpstream } from "@omicslake/core/testing";
import { geoSoft, pubmedXml, readManifests } from "@omicslake/metadata";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildAssetGraph } from "../src/flows/build-asset-graph.js";
import type { AssetGraph } from "../src/graph/asset-graph.js";
import type { MaterializeResult } from "../src/graph/asset-definition.js";
import type { OpenedLake } from "@omicslake/core/testing";

process.env["TZ"] = "UTC";

const pubmedFile = (pmids: readonly number[], title = "article"): Buffer =>
  gzipSync(pubmedXml(pmids.map((pmid) => ({ pmid, title: `${title} ${pmid}`, dateRevised: "2025-01-02" }))));

const geoFile = (series: string, sample: string, date: string): string =>
  geoSoft({
    series: [
      { accession: series, title: series, lastUpdateDate: date, sampleIds: [sample], platformIds: ["GPL1"] },
    ],
    samples: [
      { accession: sample, title: sample, lastUpdateDate: date, platformId: "GPL1", seriesIds: [series] },
    ],
  });

describeOnLakeEngines("the metadata flows as assets", (opened: () => OpenedLake) => {
  let fake: FakeUpstream;
  let config: LakeConfig;
  let graph: AssetGraph;
  let tree: string;

  beforeAll(async () => {
    tree = await mkdtemp(join(tmpdir(), "omicslake-flow-tree-"));
    fake = await FakeUpstream.start();
    fake.setFile("pubmed/updatefiles/pubmed25n0001.xml.gz", pubmedFile([1, 2]));
    fake.setFile("pubmed/updatefiles/pubmed25n0002.xml.gz", pubmedFile([3]));
    const { root } = opened();
    config = parseConfig(
      `[lake]\nroot = ${JSON.stringify(root)}\n` +
        `[source.geo]\nkind = "geo"\n[source.pubmed]\nkind = "pubmed"\nurl = ${JSON.stringify(fake.url("pubmed/"))}\n` +
        `[role.metadata]\n[data.geo]\nsource = "geo"\nrole = "metadata"\n` +
        `[data.pubmed]\nsource = "pubmed"\nrole = "metadata"\noptions = { sets = ["updatefiles"] }\n` +
        `[source.lab]\nkind = "internal"\npath = ${JSON.stringify(tree)}\n[role.skims]\nrun = ["qc"]\n` +
        `[processing.qc]\nsteps = ["ingest", { name = "counts", command = "wc -c < {input} | tr -d ' ' > {output}", output = "counts.txt" }]\n` +
        `[data.oaks]\nsource = "lab"\nrole = "skims"\n`,
      { baseDir: root, env: {} },
    );
    graph = buildAssetGraph(opened().lake, config);
  });
  afterAll(async () => {
    await fake?.close();
    await rm(tree, { recursive: true, force: true });
  });

  /** Materializes one asset-partition as the executor would, with the log kept. */
  const materialize = async (
    key: string,
    partition?: string,
  ): Promise<MaterializeResult & { log: string[] }> => {
    const log: string[] = [];
    const result = await graph.get(key).materialize({
      lake: opened().lake,
      key,
      partition,
      attempt: 1,
      signal: new AbortController().signal,
      inputs: [],
      log: (line) => log.push(line),
    });
    return { ...result, log };
  };

  it("fetches into raw with a version per processed partition, so a changed file changes its partition only", async () => {
    const first = await materialize("data/pubmed/raw");
    expect(first.metadata).toMatchObject({ fetched: 2, unchanged: 0 });
    const raw = await opened().lake.dataset("raw:pubmed");
    expect(first.outputs.map((o) => o.object)).toEqual(
      ["updatefiles/pubmed25n0001.xml.gz", "updatefiles/pubmed25n0002.xml.gz"].map((name) =>
        opened().lake.objectKey(raw, name),
      ),
    );
    const before = first.metadata?.["partitionVersions"] as Record<string, string>;
    expect(Object.keys(before)).toEqual(["pubmed25n0001", "pubmed25n0002"]);

    const unchanged = await materialize("data/pubmed/raw");
    expect(unchanged.metadata).toMatchObject({ fetched: 0, unchanged: 2 });
    expect(unchanged.dataVersion).toBe(first.dataVersion);

    fake.setFile("pubmed/updatefiles/pubmed25n0002.xml.gz", pubmedFile([3], "revised"), {
      lastModified: new Date("2025-01-16T08:00:00Z"),
    });
    const changed = await materialize("data/pubmed/raw");
    const after = changed.metadata?.["partitionVersions"] as Record<string, string>;
    expect(changed.dataVersion).not.toBe(first.dataVersion);
    expect(after["pubmed25n0001"]).toBe(before["pubmed25n0001"]);
    expect(after["pubmed25n0002"]).not.toBe(before["pubmed25n0002"]);
    const partitions = graph.get("data/pubmed/processed").partitions;
    expect(partitions?.kind === "dynamic" ? await partitions.keys() : []).toEqual([
      "pubmed25n0001",
      "pubmed25n0002",
    ]);
  });

  it("materializes one GEO month: only that month's raw files are parsed, and a no-op rerun keeps the version", async () => {
    const { lake } = opened();
    const raw = await lake.ensureDataset({ name: "geo", layer: "raw", source: "geo" });
    await lake.addObject(raw, { name: "2024/05/GSE1.soft", body: geoFile("GSE1", "GSM1", "2024-05-03") });
    await lake.addObject(raw, { name: "2024/06/GSE2.soft", body: geoFile("GSE2", "GSM2", "2024-06-04") });
    const partitions = graph.get("data/geo/processed").partitions;
    expect(partitions?.kind === "dynamic" ? await partitions.keys() : []).toEqual(["2024-05", "2024-06"]);

    const may = await materialize("data/geo/processed", "2024-05");
    expect(may.metadata).toMatchObject({ rawFiles: 1, parsedUnits: 1 });
    const manifests = await readManifests(lake, await lake.dataset("processed:geo"));
    expect(manifests.flatMap((m) => m.inputs.map((i) => i.name))).toEqual(["2024/05/GSE1.soft"]);
    expect(may.outputs.length).toBeGreaterThan(0);
    expect(may.outputs.every((o) => o.layer === "processed" && o.dataset === "geo")).toBe(true);

    const again = await materialize("data/geo/processed", "2024-05");
    expect(again.metadata).toMatchObject({ parsedUnits: 0 });
    expect(again.dataVersion).toBe(may.dataVersion);
    expect(again.outputs).toEqual(may.outputs);

    const june = await materialize("data/geo/processed", "2024-06");
    expect(june.metadata).toMatchObject({ rawFiles: 1, parsedUnits: 1 });
    expect(june.dataVersion).not.toBe(may.dataVersion);
    await expect(materialize("data/geo/processed", "2023-01")).rejects.toMatchObject({ code: "not_found" });
  });

  it("processes a lab's items one partition each, after its own ingest asset, and keeps an unchanged item's version", async () => {
    for (const [individual, text] of [
      ["ind1", "acgt\n"],
      ["ind2", "ttttgggg\n"],
    ] as const) {
      await mkdir(join(tree, "oaks", "Quercus_robur", individual), { recursive: true });
      await writeFile(join(tree, "oaks", "Quercus_robur", individual, "reads.txt"), text);
    }
    expect(graph.upstreamOf("data/oaks/processed")).toEqual(["data/oaks/raw"]);
    const partitions = graph.get("data/oaks/processed").partitions;
    if (partitions?.kind !== "dynamic") throw new Error("data/oaks/processed should have dynamic partitions");
    expect(await partitions.keys()).toEqual([]);
    const raw = await materialize("data/oaks/raw");
    expect(raw.metadata).toMatchObject({ ingested: 2 });
    const rawVersions = raw.metadata?.["partitionVersions"] as Record<string, string>;
    expect(Object.keys(rawVersions).sort()).toEqual(["Quercus_robur/ind1", "Quercus_robur/ind2"]);
    expect(await partitions.keys()).toEqual(["Quercus_robur/ind1", "Quercus_robur/ind2"]);

    // One item's partition runs its command on that item alone.
    const first = await materialize("data/oaks/processed", "Quercus_robur/ind1");
    expect(first.metadata?.["steps"]).toEqual([{ step: "qc.counts", ran: 1, skipped: 0 }]);
    expect(first.outputs.map((o) => o.dataset)).toEqual(["qc.counts"]);
    const second = await materialize("data/oaks/processed", "Quercus_robur/ind2");
    expect(second.metadata?.["steps"]).toEqual([{ step: "qc.counts", ran: 1, skipped: 0 }]);
    expect(second.dataVersion).not.toBe(first.dataVersion);
    const again = await materialize("data/oaks/processed", "Quercus_robur/ind1");
    expect(again.metadata?.["steps"]).toEqual([{ step: "qc.counts", ran: 0, skipped: 1 }]);
    expect(again.dataVersion).toBe(first.dataVersion);
    expect(again.outputs).toEqual(first.outputs);

    // Raw never changes under a name: a new individual is what a lab's tree gains, and it is a new partition.
    await mkdir(join(tree, "oaks", "Quercus_robur", "ind3"), { recursive: true });
    await writeFile(join(tree, "oaks", "Quercus_robur", "ind3", "reads.txt"), "tt\n");
    const grown = await materialize("data/oaks/raw");
    expect(grown.metadata).toMatchObject({ ingested: 1, unchanged: 2 });
    const grownVersions = grown.metadata?.["partitionVersions"] as Record<string, string>;
    // Only the new item's version is new: the unchanged ones do not count as updated downstream.
    expect(grownVersions).toMatchObject(rawVersions);
    expect(grownVersions["Quercus_robur/ind3"]).toEqual(expect.any(String));
    expect(await partitions.keys()).toEqual([
      "Quercus_robur/ind1",
      "Quercus_robur/ind2",
      "Quercus_robur/ind3",
    ]);
    const third = await materialize("data/oaks/processed", "Quercus_robur/ind3");
    expect(third.metadata?.["steps"]).toEqual([{ step: "qc.counts", ran: 1, skipped: 0 }]);
    expect((await materialize("data/oaks/processed", "Quercus_robur/ind2")).dataVersion).toBe(
      second.dataVersion,
    );

    await expect(materialize("data/oaks/processed", "Quercus_robur/ind9")).rejects.toMatchObject({
      code: "invalid_source_config",
      message: expect.stringContaining('no item "Quercus_robur/ind9"') as unknown,
    });
  });
});
