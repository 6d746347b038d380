import { setTimeout as delay } from "node:timers/promises";
import type { AutomationCursor } from "../conditions/automation-condition.js";
import type { MaterializationRequest } from "../execution/materialization-request.js";
import type { AssetKey } from "../graph/asset-definition.js";

/** Time as the daemon sees it: the system's, or a fake one in tests. */
export interface DaemonClock {
  now(): Date;
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: DaemonClock = {
  now: () => new Date(),
  sleep: async (ms, signal) => {
    try {
      await delay(ms, undefined, { signal });
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  },
};

export interface AutomationDaemonOptions {
  /** Reads the state and evaluates every asset's condition at `now` (`evaluateAutomation`). */
  evaluate: (now: Date) => Promise<{
    readonly requests: readonly MaterializationRequest[];
    readonly cursors: ReadonlyMap<AssetKey, AutomationCursor>;
  }>;
  /** Starts the runs of `requests` (in their order) without waiting for them to end. */
  submit: (requests: readonly MaterializationRequest[]) => Promise<void>;
  saveCursors: (cursors: ReadonlyMap<AssetKey, AutomationCursor>) => Promise<void>;
  clock: DaemonClock;
  /** Time between the starts of two evaluations, in ms. */
  intervalMs: number;
  /** A tick of the loop failed; the loop goes on at the next interval. Default: a process warning. */
  onError?: (error: unknown) => void;
}

/** What one evaluation did. */
export interface DaemonTick {
  readonly at: Date;
  readonly requests: readonly MaterializationRequest[];
}

/**
 * Evaluates the automation conditions every `intervalMs` and submits what is due. One tick at a time:
 * `tick()` called while another runs waits for it. Cursors (the cron ticks already handled) are saved only
 * after the submit succeeded, so a failed submit leaves the ticks to be handled again at the next evaluation.
 */
export class AutomationDaemon {
  readonly #options: AutomationDaemonOptions;
  #current: Promise<unknown> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #abort: AbortController | undefined;

  constructor(options: AutomationDaemonOptions) {
    if (!(Number.isFinite(options.intervalMs) && options.intervalMs > 0))
      throw new Error(`the daemon's interval must be a positive number of ms, got ${options.intervalMs}`);
    this.#options = options;
  }

  get running(): boolean {
    return this.#loop !== undefined;
  }

  /** One evaluation: evaluate, submit the requests, then save the cursors. */
  tick(): Promise<DaemonTick> {
    const run = this.#current.then(
      () => this.#tickNow(),
      () => this.#tickNow(),
    );
    this.#current = run.catch(() => undefined);
    return run;
  }

  /** Runs ticks until `stop()`. */
  start(): void {
    if (this.#loop !== undefined) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#run(abort.signal);
  }

  /** Ends the loop: the current tick, if any, finishes first. */
  async stop(): Promise<void> {
    const loop = this.#loop;
    if (loop === undefined) return;
    this.#abort?.abort();
    await loop;
    this.#loop = undefined;
    this.#abort = undefined;
  }

  async #tickNow(): Promise<DaemonTick> {
    const { evaluate, submit, saveCursors, clock } = this.#options;
    const at = clock.now();
    const { requests, cursors } = await evaluate(at);
    if (requests.length > 0) await submit(requests);
    await saveCursors(cursors);
    return { at, requests };
  }

  async #run(signal: AbortSignal): Promise<void> {
    const { clock, intervalMs, onError } = this.#options;
    while (!signal.aborted) {
      const started = clock.now().getTime();
      try {
        await this.tick();
      } catch (error) {
        if (onError) onError(error);
        else process.emitWarning(error instanceof Error ? error : String(error), "AutomationDaemon");
      }
      if (signal.aborted) break;
      const elapsed = clock.now().getTime() - started;
      await clock.sleep(Math.max(0, intervalMs - elapsed), signal);
    }
  }
}
