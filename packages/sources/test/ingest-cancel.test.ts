import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CancelledError, type DataConfig, type ProgressEvent, type SourceConfig } from "@omicslake/core";
import { ingestDataset } from "../src/fetch/ingest-dataset.js";
import { expectMonotonicProgress, FakeUpstream, describeOnLakeEngines } from "@omicslake/core/testing";
import { bytesOf, pseudoRandomBytes, sha } from "./helpers/test-bytes.js";

const SETS = ["study", "sample", "experiment", "run"] as const;
const BATCH = "Mirroring/NCBI_SRA_Mirroring_20250110_Full";
const data: DataConfig = { source: "sra", role: "metadata" };

describeOnLakeEngines("cancelling an ingest", (opened) => {
  let fake: FakeUpstream;
  let source: SourceConfig;
  const files: string[] = [
    ...SETS.map((s) => `${BATCH}/meta_${s}_set.xml.gz`),
    "Metadata/SRA_Accessions.tab",
  ];

  beforeAll(async () => {
    fake = await FakeUpstream.start();
    for (const name of files) fake.setFile(`sra/reports/${name}`, pseudoRandomBytes(40_000, name));
    source = { kind: "sra", url: fake.url("sra/reports/") };
  });
  afterAll(async () => {
    await fake?.close();
  });

  /** Every raw object is a whole upstream file that the lake recorded: nothing partial is visible. */
  async function expectOnlyWholeFiles(dataset: string): Promise<number> {
    const { lake } = opened();
    const raw = await lake.catalog.getDataset((await lake.dataset(`raw:${dataset}`)).id);
    const records = await lake.catalog.upstreamFiles.current(raw.id);
    const page = await lake.catalog.listObjects(raw.id, { limit: 100 });
    expect(page.items.map((o) => o.key).sort()).toEqual(records.map((r) => r.objectKey).sort());
    for (const object of page.items) {
      const served = fake.body(`sra/reports/${object.name}`);
      expect(object.sha256).toBe(sha(served));
      expect(await bytesOf(await lake.readObject(object))).toEqual(served);
    }
    return page.items.length;
  }

  it("stops between files, marks the run cancelled, and a rerun fetches only the rest", async () => {
    const { lake, root } = opened();
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const failure = await ingestDataset(
      lake,
      { name: "sra-cancel", data, source, root },
      {
        concurrency: 1,
        signal: controller.signal,
        onProgress: (event) => {
          events.push(event);
          if (event.stage === "files" && event.done === 2) controller.abort(new Error("enough"));
        },
      },
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CancelledError);
    const runId = (failure as CancelledError).details["runId"] as number;
    const run = await lake.catalog.getRun(runId);
    expect(run).toMatchObject({ step: "ingest:sra", status: "cancelled", error: { code: "cancelled" } });
    expect(run.outputs).toHaveLength(2);
    expect(run.progress).toMatchObject({
      step: "ingest:sra",
      stage: "files",
      done: 2,
      total: files.length,
    });
    expect(await expectOnlyWholeFiles("sra-cancel")).toBe(2);
    // No collection edge: the run that would record it did not finish.
    expect((await lake.lineage("sra-cancel")).edges).toEqual([]);

    expectMonotonicProgress(events);
    const bytes = events.filter((e) => e.stage === "download");
    expect(bytes.at(-1)?.done).toBe(80_000);
    expect(bytes.every((e) => e.unit === "bytes")).toBe(true);

    const rerunEvents: ProgressEvent[] = [];
    const rerun = await ingestDataset(
      lake,
      { name: "sra-cancel", data, source, root },
      { concurrency: 1, onProgress: (e) => rerunEvents.push(e) },
    );
    expect(rerun.run.status).toBe("succeeded");
    expect(rerun.fetched).toHaveLength(files.length - 2);
    expect(rerun.skipped).toHaveLength(2);
    expect(await expectOnlyWholeFiles("sra-cancel")).toBe(files.length);
    expectMonotonicProgress(rerunEvents);
    expect(rerunEvents.filter((e) => e.stage === "files").at(-1)).toMatchObject({
      done: files.length,
      total: files.length,
    });
  });

  it("cuts a download in flight at once, keeps its partial outside raw, and resumes it on the rerun", async () => {
    const { lake, root } = opened();
    const name = "Metadata/SRA_Accessions.tab";
    const dataset = "sra-cancel-inflight";
    // Only one file, so the stall below is the download in flight.
    const only: DataConfig = { ...data, include: ["Metadata/*"] };
    fake.fault(`sra/reports/${name}`, { kind: "stall-body", afterBytes: 16_384, ms: 60_000 });
    const controller = new AbortController();
    const failure = ingestDataset(
      lake,
      { name: dataset, data: only, source, root },
      { signal: controller.signal },
    ).catch((error: unknown) => error);
    // Abort once the bytes sent before the stall are on disk, so there is something to resume.
    const partialDir = join(root, "downloads", "partial", dataset);
    for (;;) {
      const partial = (await readdir(partialDir).catch(() => [])).find((f) =>
        f.endsWith("SRA_Accessions.tab"),
      );
      if (partial !== undefined && (await stat(join(partialDir, partial))).size >= 16_384) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    controller.abort();
    // The inactivity timeout is a minute: only the abort can end this before the test does.
    expect(await failure).toBeInstanceOf(CancelledError);
    const run = await lake.catalog.getRun(((await failure) as CancelledError).details["runId"] as number);
    expect(run.status).toBe("cancelled");
    expect((await lake.dataset(`raw:${dataset}`)).objectCount).toBe(0);
    const partials = await readdir(partialDir);
    expect(partials.some((f) => f.endsWith("SRA_Accessions.tab"))).toBe(true);

    const before = fake.requestsTo(`sra/reports/${name}`).length;
    const rerun = await ingestDataset(lake, { name: dataset, data: only, source, root });
    expect(rerun.run.status).toBe("succeeded");
    expect(rerun.fetched).toHaveLength(1);
    expect(rerun.fetched[0]!.resumedBytes).toBeGreaterThan(0);
    expect(fake.requestsTo(`sra/reports/${name}`).slice(before)[0]?.headers["range"]).toMatch(/^bytes=\d+-$/);
    expect(await expectOnlyWholeFiles(dataset)).toBe(1);
  });
});
