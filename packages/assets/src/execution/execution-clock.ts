import { setTimeout as sleep } from "node:timers/promises";

/**
 * Time as the executor sees it: the current instant, and a wait between retries that an abort cuts short.
 * Tests pass a fake one that records the delays and returns at once.
 */
export interface ExecutionClock {
  now(): Date;
  /** Resolves after `ms`; rejects as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const SYSTEM_CLOCK: ExecutionClock = {
  now: () => new Date(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};
