import { OmicslakeError } from "../errors/omicslake-error.js";

/**
 * Thrown when a step stops because its caller aborted it (Ctrl-C, a request going away). The step
 * stopped at a unit boundary, so nothing half-written is visible; its run is marked `cancelled`, and
 * running the same command again resumes from what finished.
 */
export class CancelledError extends OmicslakeError {
  constructor(step: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super("cancelled", `${step} was cancelled`, {
      details: { step, ...options.details },
      hint: "Run it again to continue: work that finished before the cancel is kept",
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
  }
}

/**
 * Throws a CancelledError when `signal` is aborted, so every flow reports a cancel the same way
 * whatever reason the caller aborted with. Call it between units of work (a file, a partition, an
 * entity), never in the middle of a publish.
 */
export function throwIfAborted(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted !== true) return;
  throw cancellation(signal, step);
}

/** The CancelledError of `step` for an aborted `signal`, with the caller's reason as its cause. */
export function cancellation(signal: AbortSignal, step: string): CancelledError {
  return new CancelledError(step, { cause: signal.reason });
}
