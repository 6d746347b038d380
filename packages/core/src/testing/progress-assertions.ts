import { expect } from "vitest";
import type { ProgressEvent } from "../steps/index.js";

/** Asserts that within each step and stage, `done` never goes back. */
export function expectMonotonicProgress(events: readonly ProgressEvent[]): void {
  const last = new Map<string, number>();
  for (const event of events) {
    const key = `${event.step}/${event.stage ?? ""}`;
    expect(event.done, `${key} went back`).toBeGreaterThanOrEqual(last.get(key) ?? 0);
    last.set(key, event.done);
  }
}
