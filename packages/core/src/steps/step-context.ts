import type { RunContext } from "../lake/run-context.js";
import { throwIfAborted } from "./cancelled-error.js";
import type { ProgressEvent, ProgressListener, ProgressUnit } from "./progress-event.js";

/**
 * What every flow entry point accepts besides its own settings: a signal that cancels it (Ctrl-C in
 * the CLI) and a listener for its progress events.
 */
export interface StepOptions {
  /** Aborting stops the step at its next unit boundary with a CancelledError; its run ends `cancelled`. */
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

/** Reports progress within one stage: the step, stage and unit are filled in. */
export type StageReporter = (done: number, total?: number, item?: string) => void;

/** A reporter for one stage of `step` that sends full events to `listener` (nothing when there is none). */
export function stageReporter(
  listener: ProgressListener | undefined,
  step: string,
  stage: string | undefined,
  unit: ProgressUnit,
): StageReporter {
  if (listener === undefined) return () => undefined;
  return (done, total, item) =>
    listener({
      step,
      ...(stage !== undefined ? { stage } : {}),
      unit,
      done,
      ...(total !== undefined ? { total } : {}),
      ...(item !== undefined ? { item } : {}),
    });
}

/**
 * The context a flow step runs in: its run record, the signal that cancels it, where its progress
 * goes (the caller's listener and the run row) and its log. `stage` makes the child context of one
 * phase, whose `report` fills in the step, stage and unit of each event.
 *
 * @example
 * const download = ctx.stage("download", "files");
 * for (const [i, file] of files.entries()) { ctx.throwIfAborted(); await fetch(file); download.report(i + 1, files.length, file.name); }
 */
export class StepContext {
  constructor(
    readonly run: RunContext,
    readonly signal: AbortSignal,
    private readonly listener: ProgressListener,
  ) {}

  get step(): string {
    return this.run.step;
  }

  progress(event: ProgressEvent): void {
    this.listener(event);
  }

  log(line: string): void {
    this.run.log(line);
  }

  /** Throws a CancelledError when the step was cancelled; call between units, never mid-publish. */
  throwIfAborted(): void {
    throwIfAborted(this.signal, this.step);
  }

  stage(stage: string, unit: ProgressUnit): StageContext {
    return new StageContext(this.run, this.signal, this.listener, stage, unit);
  }
}

/** One phase of a step: the same run, signal and log, and a reporter bound to the phase. */
export class StageContext extends StepContext {
  readonly report: StageReporter;

  constructor(
    run: RunContext,
    signal: AbortSignal,
    listener: ProgressListener,
    readonly stageName: string,
    readonly unit: ProgressUnit,
  ) {
    super(run, signal, listener);
    this.report = stageReporter(listener, run.step, stageName, unit);
  }
}
