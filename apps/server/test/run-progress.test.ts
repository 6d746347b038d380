import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake, type Lake, type ProgressEvent } from "@omicslake/core";
import type { FastifyInstance } from "fastify";
import { catalogClient } from "@omicslake/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";

interface RunJson {
  id: number;
  step: string;
  status: string;
  progress: ProgressEvent | null;
  error: { code: string } | null;
  asset: { key: string; partition: string | null } | null;
}

describe("run status and progress on /v1/runs", () => {
  let root: string;
  let lake: Lake;
  let app: FastifyInstance;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-server-progress-"));
    lake = await openLake({
      root,
      storage: { url: `file://${join(root, "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    app = await buildServer({ lake, rateLimit: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await lake?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("shows how far a running run is, as its owner last recorded it", async () => {
    // As another process (a CLI ingest) would have started it.
    const run = await lake.catalog.startRun({
      step: "ingest:sra",
      owner: { host: "elsewhere", pid: 1, token: "other-process" },
    });
    const event: ProgressEvent = {
      step: "ingest:sra",
      stage: "files",
      unit: "files",
      done: 3,
      total: 13,
      item: "meta_run_set.xml.gz",
    };
    await lake.catalog.recordRunProgress(run.id, "other-process", event);
    const res = await app.inject({ url: `/v1/runs/${run.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json<RunJson>()).toMatchObject({ status: "running", progress: event });
  });

  it("lists cancelled runs by status, with where they stopped", async () => {
    const controller = new AbortController();
    await lake
      .withRun("convert", { signal: controller.signal }, async (_run, step) => {
        step.stage("download", "objects").report(1, 4, "a.h5ad");
        controller.abort();
        step.throwIfAborted();
      })
      .catch(() => undefined);
    const res = await app.inject({ url: "/v1/runs?status=cancelled" });
    expect(res.statusCode).toBe(200);
    const runs = res.json<{ data: RunJson[] }>().data;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      step: "convert",
      status: "cancelled",
      error: { code: "cancelled" },
      progress: { step: "convert", stage: "download", unit: "objects", done: 1, total: 4, item: "a.h5ad" },
    });
    // A run that reported nothing says so.
    const { run } = await lake.withRun("quiet", {}, async () => undefined);
    expect((await app.inject({ url: `/v1/runs/${run.id}` })).json<RunJson>().progress).toBeNull();
  });

  it("lists the runs of one asset, and of one of its partitions", async () => {
    const tag = async (key: string, partition: string | null): Promise<number> => {
      const { run } = await lake.withRun("asset", {}, async () => undefined);
      // As the asset state store tags the run it materializes with.
      await catalogClient(lake.catalog).query(
        "UPDATE runs SET asset_key = $2, partition_key = $3 WHERE id = $1",
        [run.id, key, partition],
      );
      return run.id;
    };
    const may = await tag("geo/processed", "2024-05");
    const june = await tag("geo/processed", "2024-06");
    await tag("geo/raw", null);
    const ids = async (query: string) =>
      (await app.inject({ url: `/v1/runs?${query}` })).json<{ data: RunJson[] }>().data.map((r) => r.id);
    expect(await ids("asset=geo/processed")).toEqual([june, may]);
    expect(await ids("asset=geo/processed&partition=2024-05")).toEqual([may]);
    const shown = (await app.inject({ url: `/v1/runs/${may}` })).json<RunJson>();
    expect(shown.asset).toEqual({ key: "geo/processed", partition: "2024-05" });
    expect(
      (await app.inject({ url: "/v1/runs?step=convert" })).json<{ data: RunJson[] }>().data[0]!.asset,
    ).toBeNull();
  });
});
