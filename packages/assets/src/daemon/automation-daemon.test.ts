import { describe, expect, it } from "vitest";
import type { AutomationCursor } from "../conditions/automation-condition.js";
import type { MaterializationRequest } from "../execution/materialization-request.js";
import { AutomationDaemon, type AutomationDaemonOptions, type DaemonClock } from "./automation-daemon.js";

/** Time that moves only when told; sleepers wake when it passes their deadline or their signal aborts. */
class FakeClock implements DaemonClock {
  #now = new Date("2026-12-06T00:00:00Z").getTime();
  readonly #sleepers = new Set<{ until: number; wake: () => void }>();

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = { until: this.#now + ms, wake: resolve };
      this.#sleepers.add(sleeper);
      signal.addEventListener("abort", () => {
        this.#sleepers.delete(sleeper);
        resolve();
      });
    });
  }

  get sleeping(): number {
    return this.#sleepers.size;
  }

  async advance(ms: number): Promise<void> {
    this.#now += ms;
    for (const sleeper of [...this.#sleepers])
      if (sleeper.until <= this.#now) {
        this.#sleepers.delete(sleeper);
        sleeper.wake();
      }
    await settle();
  }
}

/** Lets every pending promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const request = (key: string): MaterializationRequest => ({
  key,
  partition: undefined,
  origin: "automation",
  reason: "eager: never materialized",
});

const cursors = (at: Date): Map<string, AutomationCursor> =>
  new Map([["a/x", { evaluatedAt: at.toISOString() }]]);

/** A daemon whose callbacks log what they were called with, in order. */
function harness(overrides: Partial<AutomationDaemonOptions> = {}): {
  daemon: AutomationDaemon;
  clock: FakeClock;
  log: string[];
} {
  const clock = new FakeClock();
  const log: string[] = [];
  const daemon = new AutomationDaemon({
    evaluate: async (now) => {
      log.push(`evaluate ${now.toISOString()}`);
      return { requests: [request("a/x")], cursors: cursors(now) };
    },
    submit: async (requests) => {
      log.push(`submit ${requests.map((r) => r.key).join(",")}`);
    },
    saveCursors: async (saved) => {
      log.push(`save ${[...saved.values()].map((c) => c.evaluatedAt).join(",")}`);
    },
    clock,
    intervalMs: 30_000,
    ...overrides,
  });
  return { daemon, clock, log };
}

describe("AutomationDaemon", () => {
  it("evaluates, submits, then saves the cursors", async () => {
    const { daemon, log } = harness();
    const tick = await daemon.tick();
    expect(tick.requests.map((r) => r.key)).toEqual(["a/x"]);
    expect(log).toEqual(["evaluate 2026-12-06T00:00:00.000Z", "submit a/x", "save 2026-12-06T00:00:00.000Z"]);
  });

  it("saves the cursors without submitting when nothing is due", async () => {
    const { daemon, log } = harness({ evaluate: async (now) => ({ requests: [], cursors: cursors(now) }) });
    await daemon.tick();
    expect(log).toEqual(["save 2026-12-06T00:00:00.000Z"]);
  });

  it("does not save the cursors when the submit failed", async () => {
    const { daemon, log } = harness({
      submit: () => Promise.reject(new Error("queue down")),
    });
    await expect(daemon.tick()).rejects.toThrow("queue down");
    expect(log).toEqual(["evaluate 2026-12-06T00:00:00.000Z"]);
  });

  it("runs one tick at a time", async () => {
    const gate = deferred();
    let running = 0;
    let most = 0;
    const { daemon } = harness({
      evaluate: async (now) => {
        running++;
        most = Math.max(most, running);
        await gate.promise;
        running--;
        return { requests: [], cursors: cursors(now) };
      },
    });
    const both = Promise.all([daemon.tick(), daemon.tick()]);
    await settle();
    expect(running).toBe(1);
    gate.resolve();
    await both;
    expect(most).toBe(1);
  });

  it("ticks every interval until stopped, and stop waits for the tick in progress", async () => {
    // Evaluations wait on a gate once one is set.
    const gates: { promise: Promise<void>; resolve: () => void }[] = [];
    const { daemon, clock, log } = harness({
      evaluate: async (now) => {
        log.push(`evaluate ${now.toISOString()}`);
        await gates[0]?.promise;
        return { requests: [], cursors: cursors(now) };
      },
    });
    daemon.start();
    await settle();
    expect(log).toEqual(["evaluate 2026-12-06T00:00:00.000Z", "save 2026-12-06T00:00:00.000Z"]);
    await clock.advance(29_999);
    expect(log).toHaveLength(2);
    await clock.advance(1);
    expect(log.slice(2)).toEqual(["evaluate 2026-12-06T00:00:30.000Z", "save 2026-12-06T00:00:30.000Z"]);

    const gate = deferred();
    gates.push(gate);
    await clock.advance(30_000);
    expect(log.at(-1)).toBe("evaluate 2026-12-06T00:01:00.000Z");
    let stopped = false;
    const stopping = daemon.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(log.at(-1)).toBe("save 2026-12-06T00:01:00.000Z");
    expect(daemon.running).toBe(false);
    await clock.advance(120_000);
    expect(log.at(-1)).toBe("save 2026-12-06T00:01:00.000Z");
    expect(clock.sleeping).toBe(0);
  });

  it("reports a failed tick and goes on at the next interval", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const { daemon, clock, log } = harness({
      evaluate: async (now) => {
        calls++;
        if (calls === 1) throw new Error("catalog unavailable");
        return { requests: [], cursors: cursors(now) };
      },
      onError: (error) => errors.push(error),
    });
    daemon.start();
    await settle();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain("catalog unavailable");
    await clock.advance(30_000);
    expect(log).toEqual(["save 2026-12-06T00:00:30.000Z"]);
    await daemon.stop();
  });

  it("refuses an interval that is not a positive number", () => {
    expect(() => harness({ intervalMs: 0 })).toThrow("interval must be a positive number");
  });
});
