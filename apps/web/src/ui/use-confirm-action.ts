import { useRef, useState } from "preact/hooks";
import { ApiRequestError } from "../api/client.js";

/** A refusal as a dialog shows it: the server's own words, with the status and code to look up. */
export function refusalText(error: unknown): string {
  if (error instanceof ApiRequestError) return `${error.message} (HTTP ${error.status}, ${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

export interface ConfirmAction {
  readonly busy: boolean;
  /** The last refusal, for the dialog to show; cleared when the action runs again. */
  readonly error: string | null;
  /** Runs the action, unless it is already on its way. */
  run(this: void): void;
  clearError(this: void): void;
}

/**
 * The write behind a confirmation (promote, materialize, back up). The confirm button is disabled only on the
 * next render, so two quick clicks, or a dialog reopened while the request runs, would otherwise send it twice:
 * `run` sends it once until it has ended. A refusal is kept for the dialog; what success does is the action's.
 */
export function useConfirmAction(action: () => Promise<void>): ConfirmAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const latest = useRef(action);
  latest.current = action;
  return {
    busy,
    error,
    run: () => {
      if (inFlight.current) return;
      inFlight.current = true;
      setBusy(true);
      setError(null);
      latest
        .current()
        .catch((caught: unknown) => setError(refusalText(caught)))
        .finally(() => {
          inFlight.current = false;
          setBusy(false);
        });
    },
    clearError: () => setError(null),
  };
}
