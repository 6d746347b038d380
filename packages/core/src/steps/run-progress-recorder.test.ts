import { afterEach, describe, expect, it, vi } from "vitest";
import type { ProgressEvent } from "./progress-event.js";
import { RunProgressRecorder } from "./run-progress-recorder.js";

const event = (done: number): ProgressEvent => ({
  step: "s",
  stage: "files",
  unit: "files",
  done,
  total: 100,
});

describe("RunProgressRecorder", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes only the newest event of each interval, never more than one write at a time", async () => {
    vi.useFakeTimers();
    const writes: number[] = [];
    const recorder = new RunProgressRecorder(
      {
        recordRunProgress: async (_id, _token, e) => {
          writes.push(e.done);
          return true;
        },
      },
      7,
      "token",
      1000,
    );
    for (let done = 1; done <= 50; done++) recorder.note(event(done));
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(writes).toEqual([50]);
    // Nothing new: no second write of the same event.
    await vi.advanceTimersByTimeAsync(5000);
    expect(writes).toEqual([50]);
    recorder.note(event(60));
    recorder.note(event(61));
    await vi.advanceTimersByTimeAsync(1000);
    expect(writes).toEqual([50, 61]);
    expect(recorder.last).toEqual(event(61));
  });

  it("writes nothing after stop, and stop waits for a write in flight", async () => {
    vi.useFakeTimers();
    let release: () => void = () => undefined;
    const writes: number[] = [];
    const recorder = new RunProgressRecorder(
      {
        recordRunProgress: (_id, _token, e) =>
          new Promise<boolean>((resolve) => {
            release = () => {
              writes.push(e.done);
              resolve(true);
            };
          }),
      },
      7,
      "token",
      1000,
    );
    recorder.note(event(1));
    await vi.advanceTimersByTimeAsync(1000);
    let stopped = false;
    const stopping = recorder.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(writes).toEqual([1]);
    recorder.note(event(2));
    await vi.advanceTimersByTimeAsync(5000);
    expect(writes).toEqual([1]);
    expect(recorder.last).toEqual(event(2));
  });
});
