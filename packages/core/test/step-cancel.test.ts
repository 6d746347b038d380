import { expect, it } from "vitest";
import type { ProgressEvent } from "../src/steps/progress-event.js";
import { CancelledError } from "../src/steps/cancelled-error.js";
import { describeOnLakeEngines } from "@omicslake/core/testing";

describeOnLakeEngines("cancelling a step", (opened) => {
  it("marks the run cancelled (not failed) when the step stops on its aborted signal", async () => {
    const { lake } = opened();
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const failure = await lake
      .withRun(
        "cancel-test",
        { signal: controller.signal, onProgress: (e) => events.push(e) },
        async (run, step) => {
          const units = step.stage("units", "units");
          for (let done = 0; done < 10; done++) {
            step.throwIfAborted();
            run.log(`unit ${done}`);
            units.report(done + 1, 10, `u${done}`);
            if (done === 2) controller.abort(new Error("stop, please"));
          }
        },
      )
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CancelledError);
    const cancelled = failure as CancelledError;
    expect(cancelled.code).toBe("cancelled");
    const runId = cancelled.details["runId"] as number;
    const run = await lake.catalog.getRun(runId);
    expect(run.status).toBe("cancelled");
    expect(run.finishedAt).not.toBeNull();
    expect(run.error).toMatchObject({ code: "cancelled", details: { step: "cancel-test", runId } });
    expect(run.log).toContain("unit 2");
    expect(run.log).not.toContain("unit 3");
    // The run keeps where it stopped, and the listener saw the same events in order.
    expect(run.progress).toEqual({
      step: "cancel-test",
      stage: "units",
      unit: "units",
      done: 3,
      total: 10,
      item: "u2",
    });
    expect(events.map((e) => e.done)).toEqual([1, 2, 3]);
    // Cancelled is final: nothing marks it abandoned later.
    expect((await lake.deadRuns()).some((d) => d.run.id === runId)).toBe(false);
    const listed = await lake.catalog.listRuns({ status: "cancelled" });
    expect(listed.items.map((r) => r.id)).toContain(runId);
  });

  it("marks the run cancelled whatever error the abort surfaced as", async () => {
    const { lake } = opened();
    const controller = new AbortController();
    const failure = await lake
      .withRun("cancel-other-error", { signal: controller.signal }, async () => {
        controller.abort();
        // What an aborted fetch or stream throws: not ours, but caused by the abort.
        throw new DOMException("This operation was aborted", "AbortError");
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CancelledError);
    const run = await lake.catalog.getRun((failure as CancelledError).details["runId"] as number);
    expect(run.status).toBe("cancelled");
  });

  it("records no run when the signal is aborted before the step starts", async () => {
    const { lake } = opened();
    const before = (await lake.catalog.listRuns({ step: "cancel-early" })).items.length;
    const controller = new AbortController();
    controller.abort();
    let ran = false;
    await expect(
      lake.withRun("cancel-early", { signal: controller.signal }, async () => {
        ran = true;
      }),
    ).rejects.toThrow(CancelledError);
    expect(ran).toBe(false);
    expect((await lake.catalog.listRuns({ step: "cancel-early" })).items).toHaveLength(before);
  });

  it("still fails a run whose signal was never aborted, and keeps a succeeded run's last progress", async () => {
    const { lake } = opened();
    const controller = new AbortController();
    await expect(
      lake.withRun("cancel-fail", { signal: controller.signal }, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const failed = (await lake.catalog.listRuns({ step: "cancel-fail" })).items[0]!;
    expect(failed.status).toBe("failed");

    const { run } = await lake.withRun("cancel-ok", {}, async (_run, step) => {
      step.progress({ step: "cancel-ok", unit: "files", done: 4, total: 4 });
    });
    expect(run.status).toBe("succeeded");
    expect(run.progress).toEqual({ step: "cancel-ok", unit: "files", done: 4, total: 4 });
  });

  it("shows a running run's latest progress to other readers of the catalog", async () => {
    const { lake } = opened();
    const started = await lake.catalog.startRun({
      step: "cancel-progress",
      owner: { host: "h", pid: process.pid, token: "t-progress" },
    });
    const event: ProgressEvent = { step: "cancel-progress", stage: "download", unit: "bytes", done: 512 };
    expect(await lake.catalog.recordRunProgress(started.id, "t-progress", event)).toBe(true);
    expect((await lake.catalog.getRun(started.id)).progress).toEqual(event);
    // Only the owner writes it, and only while running.
    expect(await lake.catalog.recordRunProgress(started.id, "someone-else", { ...event, done: 1 })).toBe(
      false,
    );
    await lake.catalog.finishRun(started.id, { status: "cancelled" });
    expect(await lake.catalog.recordRunProgress(started.id, "t-progress", { ...event, done: 2 })).toBe(false);
    expect((await lake.catalog.getRun(started.id)).progress).toEqual(event);
  });

  it("counts an empty raw dataset made by a cancelled run as debris", async () => {
    const { lake } = opened();
    const controller = new AbortController();
    await expect(
      lake.withRun("cancel-debris", { signal: controller.signal }, async () => {
        await lake.createDataset({ name: "cancel-debris", layer: "raw", source: "test" });
        controller.abort();
        throw new Error("stopped before any object");
      }),
    ).rejects.toThrow(CancelledError);
    const debris = await lake.catalog.listDebrisDatasets();
    expect(debris.map((d) => d.dataset.name)).toContain("cancel-debris");
  });
});
