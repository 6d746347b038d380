import { describe, expect, it, vi } from "vitest";
import {
  BackupScheduler,
  nextSlot,
  parseSlot,
  previousSlot,
  type SchedulerClock,
} from "./backup-schedule.js";

/** Time that moves only when the test says so; sleepers wake when it passes their deadline. */
class FakeClock implements SchedulerClock {
  private sleepers: { until: number; wake: () => void }[] = [];
  constructor(private time: number) {}
  now(): Date {
    return new Date(this.time);
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = { until: this.time + ms, wake: resolve };
      this.sleepers.push(sleeper);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }
  get waiting(): number {
    return this.sleepers.length;
  }
  advanceTo(iso: string): void {
    this.time = Date.parse(iso);
    const due = this.sleepers.filter((s) => s.until <= this.time);
    this.sleepers = this.sleepers.filter((s) => s.until > this.time);
    for (const s of due) s.wake();
  }
}

describe("backup slots (TZ=UTC)", () => {
  it("parses daily and weekly times and refuses others naming the key", () => {
    expect(parseSlot("daily", "02:00")).toEqual({ weekday: undefined, hour: 2, minute: 0 });
    expect(parseSlot("weekly", "sun 03:30")).toEqual({ weekday: 0, hour: 3, minute: 30 });
    expect(() => parseSlot("daily", "25:00")).toThrow("[backup] daily");
    expect(() => parseSlot("weekly", "sunday 03:00")).toThrow('"ddd HH:MM"');
  });

  it("finds the previous and next slot", () => {
    const daily = parseSlot("daily", "02:00");
    const weekly = parseSlot("weekly", "sun 03:00");
    // 2026-01-07 is a Wednesday.
    const now = new Date("2026-01-07T01:00:00Z");
    expect(previousSlot(daily, now).toISOString()).toBe("2026-01-06T02:00:00.000Z");
    expect(nextSlot(daily, now).toISOString()).toBe("2026-01-07T02:00:00.000Z");
    expect(previousSlot(weekly, now).toISOString()).toBe("2026-01-04T03:00:00.000Z");
    expect(nextSlot(weekly, now).toISOString()).toBe("2026-01-11T03:00:00.000Z");
    expect(previousSlot(daily, new Date("2026-01-07T02:00:00Z")).toISOString()).toBe(
      "2026-01-07T02:00:00.000Z",
    );
  });
});

describe("BackupScheduler with a fake clock", () => {
  it("makes up a missed slot once at start-up, then runs each slot as the clock reaches it, one at a time", async () => {
    const clock = new FakeClock(Date.parse("2026-01-07T01:00:00Z"));
    const runs: string[] = [];
    const last: Record<string, Date | undefined> = {
      daily: new Date("2026-01-05T02:00:05Z"), // the slot of 2026-01-06 02:00 was missed
      weekly: new Date("2026-01-04T03:00:04Z"), // the last weekly slot was made
    };
    let inFlight = 0;
    let maxInFlight = 0;
    let release: (() => void) | undefined;
    const scheduler = new BackupScheduler({
      daily: "02:00",
      weekly: "sun 03:00",
      clock,
      lastSucceeded: (kind) => Promise.resolve(last[kind]),
      run: async (kind) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        runs.push(`${kind}@${clock.now().toISOString()}`);
        if (kind === "weekly") await new Promise<void>((resolve) => (release = resolve));
        last[kind] = clock.now();
        inFlight--;
      },
    });
    scheduler.start();
    await vi.waitFor(() => expect(clock.waiting).toBe(1));
    expect(runs).toEqual(["daily@2026-01-07T01:00:00.000Z"]);

    clock.advanceTo("2026-01-07T02:00:00Z");
    await vi.waitFor(() => expect(runs).toHaveLength(2));
    expect(runs[1]).toBe("daily@2026-01-07T02:00:00.000Z");

    // Sunday 03:00: the weekly backup, then the daily one (its 02:00 slot, and the days the fake clock
    // skipped, made up once) only after the weekly one finished.
    await vi.waitFor(() => expect(clock.waiting).toBe(1));
    clock.advanceTo("2026-01-11T03:00:00Z");
    await vi.waitFor(() => expect(runs).toHaveLength(3));
    expect(runs[2]).toBe("weekly@2026-01-11T03:00:00.000Z");
    expect(release).toBeDefined();
    release!();
    await vi.waitFor(() => expect(runs).toHaveLength(4));
    expect(runs[3]).toBe("daily@2026-01-11T03:00:00.000Z");
    await vi.waitFor(() => expect(clock.waiting).toBe(1));
    expect(runs).toHaveLength(4);
    expect(maxInFlight).toBe(1);
    await scheduler.stop();
  });

  it("does not retry a failed slot before the next one, and reports the failure", async () => {
    const clock = new FakeClock(Date.parse("2026-01-07T02:00:00Z"));
    const errors: unknown[] = [];
    let calls = 0;
    const scheduler = new BackupScheduler({
      daily: "02:00",
      clock,
      lastSucceeded: () => Promise.resolve(undefined),
      run: () => {
        calls++;
        return Promise.reject(new Error("destination unreachable"));
      },
      onError: (_kind, error) => errors.push(error),
    });
    scheduler.start();
    await vi.waitFor(() => expect(clock.waiting).toBe(1));
    clock.advanceTo("2026-01-07T12:00:00Z");
    await vi.waitFor(() => expect(clock.waiting).toBe(1));
    expect(calls).toBe(1);
    expect(String(errors[0])).toContain("destination unreachable");
    clock.advanceTo("2026-01-08T02:00:00Z");
    await vi.waitFor(() => expect(calls).toBe(2));
    await scheduler.stop();
  });

  it("is inactive without a schedule", () => {
    expect(
      new BackupScheduler({ lastSucceeded: () => Promise.resolve(undefined), run: () => Promise.resolve() })
        .active,
    ).toBe(false);
  });
});
