import { beforeAll, expect, it } from "vitest";
import { CancelledError, type Lake, type ProgressEvent } from "@omicslake/core";
import { consolidateMetadata } from "../src/consolidation/consolidate-metadata.js";
import { processDataset } from "../src/processing/process-dataset.js";
import { readManifests } from "../src/processing/processed-manifest.js";
import { geoSoft } from "../src/synthetic/synthetic-ncbi-files.js";
import { expectMonotonicProgress, describeOnLakeEngines } from "@omicslake/core/testing";

process.env["TZ"] = "UTC";

/** Three GEO month files: one processing unit each with `unitObjects: 1`. */
async function seedGeo(lake: Lake): Promise<void> {
  const raw = await lake.ensureDataset({ name: "geo", layer: "raw", source: "geo" });
  for (const month of [3, 4, 5]) {
    const accession = `GSE90000${month}`;
    const text = geoSoft({
      series: [
        {
          accession,
          title: `series ${month}`,
          lastUpdateDate: `2024-0${month}-02`,
          sampleIds: [],
          platformIds: [],
        },
      ],
    });
    await lake.addObject(raw, { name: `2024/0${month}/${accession}.soft`, body: Buffer.from(text) });
  }
}

describeOnLakeEngines("cancelling metadata steps", (opened) => {
  beforeAll(async () => {
    await seedGeo(opened().lake);
  });

  it("stops processing between units; only finished units have a manifest and the rerun does the rest", async () => {
    const { lake } = opened();
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const failure = await processDataset(lake, "raw:geo", {
      gunzipInWorker: false,
      unitObjects: 1,
      signal: controller.signal,
      onProgress: (event) => {
        events.push(event);
        // The first unit is done and the second about to start.
        if (event.stage === "units" && event.done === 1) controller.abort();
      },
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CancelledError);
    const run = await lake.catalog.getRun((failure as CancelledError).details["runId"] as number);
    expect(run).toMatchObject({ step: "process:geo", status: "cancelled", error: { code: "cancelled" } });
    expectMonotonicProgress(events);
    expect(events.filter((e) => e.stage === "units").map((e) => [e.done, e.total])).toEqual([
      [0, 3],
      [1, 3],
    ]);
    const processed = await lake.dataset("processed:geo");
    expect(await readManifests(lake, processed)).toHaveLength(1);
    // No conversion edge from a run that did not finish.
    expect((await lake.lineage(processed)).edges).toEqual([]);

    const rerunEvents: ProgressEvent[] = [];
    const rerun = await processDataset(lake, "raw:geo", {
      gunzipInWorker: false,
      unitObjects: 1,
      onProgress: (e) => rerunEvents.push(e),
    });
    expect(rerun.run.status).toBe("succeeded");
    expect([rerun.skippedUnits, rerun.processedUnits]).toEqual([1, 2]);
    expect(await readManifests(lake, processed)).toHaveLength(3);
    expectMonotonicProgress(rerunEvents);
    expect(rerunEvents.filter((e) => e.stage === "units").at(-1)).toMatchObject({ done: 2, total: 2 });
    expect(rerun.run.progress).toMatchObject({ step: "process:geo", stage: "units", done: 2 });
  });

  it("stops consolidation before it publishes anything; the rerun publishes every entity", async () => {
    const { lake } = opened();
    const controller = new AbortController();
    const failure = await consolidateMetadata(lake, {
      ducklake: false,
      entities: ["geo_series"],
      signal: controller.signal,
      onProgress: (event) => {
        if (event.stage === "entities") controller.abort();
      },
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CancelledError);
    const run = await lake.catalog.getRun((failure as CancelledError).details["runId"] as number);
    expect(run.status).toBe("cancelled");
    const curated = await lake.dataset("curated:metadata");
    expect(curated.objectCount).toBe(0);

    const rerun = await consolidateMetadata(lake, { ducklake: false, entities: ["geo_series"] });
    expect(rerun.run.status).toBe("succeeded");
    // The links are rebuilt after the entities; these series name no samples, platforms or studies.
    expect(rerun.entities).toEqual([
      expect.objectContaining({ entity: "geo_series", rows: 3 }),
      expect.objectContaining({ entity: "accession_links", rows: 0 }),
    ]);
  });
});
