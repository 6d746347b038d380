import { describe, expect, it } from "vitest";
import type { MaterializationRequest } from "../../execution/materialization-request.js";
import { logEvent } from "./asset-worker.js";

describe("the worker's log of a retried attempt", () => {
  it("says once which attempt failed, not the next attempt's number", () => {
    const request = { key: "data/notes/processed", partition: "a.txt" } as unknown as MaterializationRequest;
    const lines: string[] = [];
    const log = (line: string): void => {
      lines.push(line);
    };
    logEvent({ kind: "started", request, attempt: 1 }, log);
    logEvent({ kind: "retrying", request, attempt: 2, delayMs: 1000, error: "boom" }, log);
    logEvent(
      { kind: "log", request, line: "attempt 1 of 3 failed (asset_failed: boom); retrying in 1 s" },
      log,
    );
    expect(lines).toEqual([
      "attempt 1 started",
      "attempt 1 of 3 failed (asset_failed: boom); retrying in 1 s",
    ]);
  });
});
