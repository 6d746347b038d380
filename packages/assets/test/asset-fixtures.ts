import {
  CancelledError,
  RunContext,
  StepContext,
  type Lake,
  type Run,
  type RunOptions,
} from "@omicslake/core";
import {
  DEFAULT_RETRY_POLICY,
  type AssetDefinition,
  type ExecutionClock,
  type MaterializeContext,
  type MaterializeResult,
} from "@omicslake/assets";

/** An asset for tests: defaults everywhere, `run` as its materialize (default: succeed with no outputs). */
export function testAsset(
  key: string,
  options: Partial<Omit<AssetDefinition, "materialize" | "deps">> & {
    deps?: AssetDefinition["deps"] | readonly string[];
    run?: (context: MaterializeContext) => Promise<MaterializeResult>;
  } = {},
): AssetDefinition {
  const { run, deps, ...rest } = options;
  return {
    key,
    description: `test asset ${key}`,
    group: key.split("/")[0]!,
    tags: [],
    automation: { kind: "manual" },
    automationText: "manual",
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 0 },
    ...rest,
    deps: (deps ?? []).map((d) => (typeof d === "string" ? { key: d } : d)),
    materialize: run ?? (() => Promise.resolve({ outputs: [] })),
  };
}

export interface FakeRun {
  readonly id: number;
  readonly step: string;
  readonly parameters: Record<string, unknown>;
  status: "running" | "succeeded" | "failed" | "cancelled";
  readonly context: RunContext;
}

/**
 * Just enough of a Lake for the executor: `withRun` records runs in memory with the real RunContext and
 * StepContext, ending `cancelled` with a CancelledError when the signal aborted, as the lake does.
 */
export function fakeLake(): { lake: Lake; runs: FakeRun[] } {
  const runs: FakeRun[] = [];
  const lake = {
    async withRun<T>(
      step: string,
      options: RunOptions,
      fn: (run: RunContext, context: StepContext) => Promise<T>,
    ): Promise<{ result: T; run: Run }> {
      if (options.signal?.aborted) throw new CancelledError(step);
      const context = new RunContext(runs.length + 1, step);
      const run: FakeRun = {
        id: context.id,
        step,
        parameters: options.parameters ?? {},
        status: "running",
        context,
      };
      runs.push(run);
      const signal = options.signal ?? new AbortController().signal;
      try {
        const result = await fn(context, new StepContext(context, signal, () => undefined));
        run.status = "succeeded";
        return { result, run: { id: run.id } as Run };
      } catch (error) {
        run.status = signal.aborted ? "cancelled" : "failed";
        throw signal.aborted ? new CancelledError(step, { cause: error }) : error;
      }
    },
    abandonDeadRuns: () => Promise.resolve([]),
  } as unknown as Lake;
  return { lake, runs };
}

/** A clock that never waits: sleeping records the delay and moves time on. */
export function fakeClock(start = new Date("2024-06-15T12:00:00Z")): ExecutionClock & { delays: number[] } {
  let now = start.getTime();
  const delays: number[] = [];
  return {
    delays,
    now: () => new Date(now),
    sleep: (ms, signal) => {
      delays.push(ms);
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      now += ms;
      return Promise.resolve();
    },
  };
}

/** Resolves after a few turns of the event loop, so that whatever may start concurrently has started. */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
