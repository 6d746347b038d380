import { gzipSync } from "node:zlib";
import { parseConfig, type LakeConfig } from "@omicslake/core";
import { describeOnLakeEngines, FakeUpstream, type OpenedLake } from "@omicslake/core/testing";
import { pubmedXml } from "@omicslake/metadata";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAutomationDaemon } from "../src/service/create-automation-daemon.js";
import { openAssetService, type AutomatedAssetService } from "../src/service/open-asset-service.js";
import { SqlAssetStateStore } from "../src/state/sql-asset-state-store.js";

process.env["TZ"] = "UTC";

const pubmedFile = (pmids: readonly number[], title = "article"): Buffer =>
  gzipSync(pubmedXml(pmids.map((pmid) => ({ pmid, title: `${title} ${pmid}`, dateRevised: "2025-01-02" }))));

/** A clock that never waits: the daemon's ticks are driven by the test. */
const fakeClock = (at: Date): { now(): Date; sleep(): Promise<void> } => ({
  now: () => at,
  sleep: () => Promise.resolve(),
});

describeOnLakeEngines("the asset service on a lake", (opened: () => OpenedLake) => {
  let fake: FakeUpstream;
  let config: LakeConfig;
  let service: AutomatedAssetService;

  beforeAll(async () => {
    fake = await FakeUpstream.start();
    fake.setFile("pubmed/updatefiles/pubmed25n0001.xml.gz", pubmedFile([1, 2]));
    fake.setFile("pubmed/updatefiles/pubmed25n0002.xml.gz", pubmedFile([3]));
    const { root } = opened();
    config = parseConfig(
      `[lake]\nroot = ${JSON.stringify(root)}\n` +
        `[automation]\nrunner = "in-process"\n` +
        `[source.pubmed]\nkind = "pubmed"\nurl = ${JSON.stringify(fake.url("pubmed/"))}\n` +
        `[role.metadata]\n` +
        `[data.pubmed]\nsource = "pubmed"\nrole = "metadata"\noptions = { sets = ["updatefiles"] }\n` +
        // Consolidation is exercised by the flow tests; here it would only slow the lake down.
        `[asset."metadata/curated"]\nautomation = "manual"\n`,
      { baseDir: root, env: {} },
    );
    service = await openAssetService(opened().lake, config);
  });
  afterAll(async () => {
    await service?.close();
    await fake?.close();
  });

  it("lists every asset as missing before anything ran, with its dependencies and automation", async () => {
    const views = await service.list();
    const byKey = new Map(views.map((v) => [v.key, v]));
    expect(byKey.get("data/pubmed/raw")).toMatchObject({ status: "missing", automation: "manual", deps: [] });
    expect(byKey.get("data/pubmed/processed")).toMatchObject({
      status: "missing",
      deps: ["data/pubmed/raw"],
      partitions: { kind: "dynamic", count: 0, materialized: 0 },
      lastMaterialization: null,
      stale: false,
    });
    expect(await service.render("mermaid")).toContain("-->");
    expect(await service.render("dot")).toContain('"data/pubmed/raw" -> "data/pubmed/processed"');
  });

  it("materializes a selection stage by stage: the fetch, then every partition it brought", async () => {
    const events: string[] = [];
    const report = await service.materialize({
      select: ["data/pubmed/*"],
      origin: "cli",
      onEvent: (event) => {
        if (event.kind === "finished")
          events.push(`${event.outcome.request.key}[${event.outcome.request.partition ?? ""}]`);
      },
    });
    expect(report.failed).toBe(false);
    expect(events).toEqual([
      "data/pubmed/raw[]",
      "data/pubmed/processed[pubmed25n0001]",
      "data/pubmed/processed[pubmed25n0002]",
    ]);
    const processed = await service.show("data/pubmed/processed");
    expect(processed.status).toBe("materialized");
    expect(processed.partitionStatuses.map((p) => [p.partition, p.status, p.stale])).toEqual([
      ["pubmed25n0001", "materialized", false],
      ["pubmed25n0002", "materialized", false],
    ]);
    // Each attempt is a run of its own, tagged with its asset and partition.
    const runs = await opened().lake.catalog.listRuns({
      asset: "data/pubmed/processed",
      partition: "pubmed25n0002",
    });
    expect(runs.items.map((r) => r.status)).toEqual(["succeeded"]);
  });

  it("leaves the lake's backup out of a materialize that selects nothing", async () => {
    const bare = await openAssetService(
      opened().lake,
      parseConfig(`[lake]\nroot = ${JSON.stringify(opened().root)}\n`, { baseDir: opened().root, env: {} }),
    );
    try {
      expect(bare.graph.keys()).toEqual(["lake/backup"]);
      const error: unknown = await bare.materialize({ origin: "cli" }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "invalid_input" });
      expect((error as Error).message).toContain("declares no dataset");
    } finally {
      await bare.close();
    }
  });

  it("refuses a partition the asset does not have, naming it", async () => {
    const error: unknown = await service
      .materialize({ select: ["data/pubmed/processed"], partitions: ["pubmed25n9999"], origin: "cli" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "invalid_input" });
    expect((error as Error).message).toContain('"pubmed25n9999"');
  });

  it("refuses partitions asked of a selection that has no partitioned asset, instead of running it whole", async () => {
    const error: unknown = await service
      .materialize({ select: ["data/pubmed/raw"], partitions: ["2024-05"], origin: "cli" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "invalid_input" });
    expect((error as Error).message).toContain("no selected asset is partitioned");
  });

  it("marks only the partition whose file changed as stale, and the daemon re-runs only that one", async () => {
    fake.setFile("pubmed/updatefiles/pubmed25n0002.xml.gz", pubmedFile([3, 4], "revised"));
    await service.materialize({ select: ["data/pubmed/raw"], origin: "cli" });
    const processed = await service.show("data/pubmed/processed");
    expect(processed.partitionStatuses.map((p) => [p.partition, p.stale])).toEqual([
      ["pubmed25n0001", false],
      ["pubmed25n0002", true],
    ]);
    expect(await service.why("data/pubmed/processed")).toMatch(/will run/);
    const outcomes: string[] = [];
    const daemon = createAutomationDaemon(service, {
      intervalMs: 1000,
      clock: fakeClock(new Date()),
      onOutcome: (o) => outcomes.push(`${o.request.key}[${o.request.partition ?? ""}] ${o.status}`),
    });
    const tick = await daemon.tick();
    expect(tick.requests.map((r) => `${r.key}[${r.partition ?? ""}]`)).toEqual([
      "data/pubmed/processed[pubmed25n0002]",
    ]);
    await service.idle();
    expect(outcomes).toEqual(["data/pubmed/processed[pubmed25n0002] succeeded"]);
    // Nothing is due any more: the next evaluation requests nothing.
    expect((await daemon.tick()).requests).toEqual([]);
    expect((await service.show("data/pubmed/processed")).stale).toBe(false);
  });

  it("shows an attempt whose run ended without finishing it as failed, not running for good", async () => {
    const { lake } = opened();
    const store = new SqlAssetStateStore(lake);
    const run = await lake.catalog.startRun({ step: "asset" });
    const stuck = await store.start({
      key: "lake/backup",
      partition: undefined,
      runId: run.id,
      inputs: [],
      attempt: 1,
      origin: "cli",
      reason: "test",
      requestId: "stuck-attempt",
    });
    expect((await service.show("lake/backup")).recent[0]).toMatchObject({ id: stuck.id, status: "running" });
    await lake.catalog.finishRun(run.id, { status: "failed", error: { code: "killed", message: "killed" } });
    const shown = await service.show("lake/backup");
    expect(shown.recent[0]).toMatchObject({
      id: stuck.id,
      status: "failed",
      error: { code: "run_abandoned" },
    });
    expect(shown.status).not.toBe("running");
  });

  it("refuses to submit an asset-partition already being materialized, as the API's 409 promises", async () => {
    const input = {
      select: ["data/pubmed/processed"],
      partitions: ["pubmed25n0001"],
      origin: "api",
    } as const;
    expect(await service.submit(input)).toHaveLength(1);
    await expect(service.submit(input)).rejects.toMatchObject({ code: "asset_busy" });
    await service.idle();
    expect(await service.submit(input)).toHaveLength(1);
    await service.idle();
  });
});
