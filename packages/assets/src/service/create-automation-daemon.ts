import { AutomationDaemon, systemClock } from "../daemon/automation-daemon.js";
import type { MaterializationRequest, RequestOutcome } from "../execution/materialization-request.js";
import type { AutomatedAssetService } from "./open-asset-service.js";

export interface AssetDaemonOptions {
  readonly intervalMs: number;
  readonly clock?: { now(): Date; sleep(ms: number, signal: AbortSignal): Promise<void> };
  /** Told what each evaluation requested (empty when nothing was due). */
  readonly onRequests?: (requests: readonly MaterializationRequest[]) => void;
  /** Told how each submitted request ended. */
  readonly onOutcome?: (outcome: RequestOutcome) => void;
  /** Told about an evaluation that failed; the next one tries again. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The daemon of a lake: every `intervalMs`, evaluates every asset's automation condition and submits what is
 * due to the service's runner (in-process, or pg-boss workers). Runs continue while the next evaluations
 * happen; what is submitted and not yet finished counts as running, so nothing is requested twice.
 */
export function createAutomationDaemon(
  service: AutomatedAssetService,
  options: AssetDaemonOptions,
): AutomationDaemon {
  if (options.onOutcome) service.onOutcome(options.onOutcome);
  return new AutomationDaemon({
    intervalMs: options.intervalMs,
    clock: options.clock ?? systemClock,
    evaluate: async (now: Date) => {
      const tick = await service.evaluate(now);
      options.onRequests?.(tick.requests);
      return tick;
    },
    submit: (requests: readonly MaterializationRequest[]) => service.submitRequests(requests),
    saveCursors: (cursors) => service.saveCursors(cursors),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
