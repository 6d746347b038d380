import { parseConfig, type Lake, type LakeConfig } from "@omicslake/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../graph/asset-definition.js";
import { buildAssetGraph } from "./build-asset-graph.js";

/** The graph's shape needs no lake: only listing partitions and materializing read one. */
const NO_LAKE = undefined as unknown as Lake;

const CONFIG = `
[source.geo]
kind = "geo"
[source.pubmed]
kind = "pubmed"
[source.lab]
kind = "internal"
path = "/srv/lab/tree"
layout = "lab"

[role.metadata]
run = ["metadata"]
[role.skims]
run = ["qc"]

[processing.metadata]
steps = ["ingest", "parse", "consolidate"]
[processing.qc]
steps = ["ingest", "convert", { name = "stats", command = "wc -l {input} > {output}", output = "stats.tsv" }, "expression"]

[data.GEO]
source = "geo"
role = "metadata"
schedule = "cron: 0 3 * * *"
[data.pubmed-updates]
source = "pubmed"
role = "metadata"
automation = "eager"
[data.oaks]
source = "lab"
role = "skims"
tags = ["trees"]
`;

const parse = (text: string): LakeConfig =>
  parseConfig(text, { file: "/srv/lab/omicslake.toml", baseDir: "/srv/lab", env: {} });

describe("buildAssetGraph", () => {
  it("derives every flow's steps from the config: fetch, processing, expression, lake-wide steps, backup", () => {
    const graph = buildAssetGraph(NO_LAKE, parse(CONFIG));
    expect(graph.topologicalOrder()).toEqual([
      "data/geo/raw",
      "data/geo/processed",
      "data/pubmed-updates/raw",
      "data/pubmed-updates/processed",
      "data/oaks/raw",
      "data/oaks/processed",
      "data/oaks/expression",
      "metadata/curated",
      "metadata/snapshot",
      "metadata/serving",
      "lake/backup",
    ]);
    expect(graph.get("data/geo/processed").deps).toEqual([{ key: "data/geo/raw", mapping: "all" }]);
    expect(graph.upstreamOf("metadata/curated")).toEqual([
      "data/geo/processed",
      "data/pubmed-updates/processed",
    ]);
    expect(graph.downstreamOf("metadata/curated")).toEqual(["metadata/snapshot", "metadata/serving"]);
    expect(graph.upstreamOf("data/oaks/expression")).toEqual(["data/oaks/processed"]);
    expect(graph.upstreamOf("lake/backup")).toEqual([]);

    // Metadata feeds are partitioned like their raw files; a lab's processing runs its items together.
    expect(graph.get("data/geo/processed").partitions).toMatchObject({ kind: "dynamic", name: "data/geo" });
    expect(graph.get("data/oaks/processed").partitions).toBeUndefined();
    expect(graph.get("data/oaks/processed").description).toContain("convert, qc.stats");

    const geo = graph.get("data/geo/raw");
    expect(geo.group).toBe("data/geo");
    expect(geo.tags).toEqual(["kind:geo", "role:metadata", "layer:raw"]);
    expect(graph.get("data/oaks/raw").tags).toEqual(["kind:internal", "role:skims", "layer:raw", "trees"]);
    expect(graph.get("metadata/serving").group).toBe("metadata");
    expect(graph.get("lake/backup").group).toBe("lake");
  });

  it("gives fetches their dataset's automation (schedule as its shorthand), eager elsewhere, backups manual", () => {
    const graph = buildAssetGraph(NO_LAKE, parse(CONFIG));
    expect(graph.get("data/geo/raw").automationText).toBe('on_cron("0 3 * * *")');
    expect(graph.get("data/geo/raw").automation).toMatchObject({
      kind: "on_cron",
      cron: "0 3 * * *",
    });
    expect(graph.get("data/pubmed-updates/raw").automation).toEqual({ kind: "eager" });
    expect(graph.get("data/oaks/raw").automation).toEqual({ kind: "manual" });
    expect(graph.get("data/oaks/expression").automation).toEqual({ kind: "eager" });
    expect(graph.get("metadata/serving").automation).toEqual({ kind: "eager" });
    expect(graph.get("lake/backup").automation).toEqual({ kind: "manual" });
    expect(graph.get("data/geo/processed").retry).toEqual(DEFAULT_RETRY_POLICY);
    expect(graph.get("metadata/curated").concurrency).toBe(1);
  });

  it("applies [asset.KEY] settings: automation, retries, delay, backoff, concurrency, tags", () => {
    const graph = buildAssetGraph(
      NO_LAKE,
      parse(
        `${CONFIG}
[asset."lake/backup"]
automation = 'on_cron("0 2 * * *")'
retries = 0
[asset."data/geo/processed"]
retry_delay = 600
retry_backoff = "constant"
concurrency = 3
tags = ["nightly"]
`,
      ),
    );
    const backup = graph.get("lake/backup");
    expect(backup.automationText).toBe('on_cron("0 2 * * *")');
    expect(backup.retry.maxRetries).toBe(0);
    const processed = graph.get("data/geo/processed");
    expect(processed.retry).toEqual({
      maxRetries: 2,
      delayMs: 600_000,
      backoff: "constant",
      maxDelayMs: 600_000,
    });
    expect(processed.concurrency).toBe(3);
    expect(processed.tags).toContain("nightly");
  });

  it("leaves out the lake-wide steps when no dataset consolidates, and parses without them", () => {
    const config = parse(
      `[source.geo]\nkind = "geo"\n[role.raw-only]\nrun = ["parse-only"]\n[processing.parse-only]\nsteps = ["ingest", "parse"]\n[data.geo]\nsource = "geo"\nrole = "raw-only"\n`,
    );
    expect(buildAssetGraph(NO_LAKE, config).keys()).toEqual([
      "data/geo/raw",
      "data/geo/processed",
      "lake/backup",
    ]);
  });

  it("refuses two datasets whose names are equal once lower-cased", () => {
    const config = parse(
      `[source.geo]\nkind = "geo"\n[role.metadata]\n[data.Geo]\nsource = "geo"\nrole = "metadata"\n[data.geo]\nsource = "geo"\nrole = "metadata"\ndirectory = "geo2"\n`,
    );
    expect(() => buildAssetGraph(NO_LAKE, config)).toThrow(
      /datasets "Geo" and "geo" would both be the assets data\/geo/,
    );
  });
});
