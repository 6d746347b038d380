import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake, type Lake, type ProgressEvent } from "@omicslake/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/app.js";

interface RunJson {
  id: number;
  step: string;
  status: string;
  progress: ProgressEvent | null;
  error: { code: string } | null;
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
});
