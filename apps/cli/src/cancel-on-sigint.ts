import { writeStderrLine } from "./output/terminal-text.js";
import { EXIT_CANCELLED } from "./exit-codes.js";

/**
 * Runs a long command with an AbortSignal that the first Ctrl-C aborts: the flow stops at its next
 * unit boundary, marks its run `cancelled` and throws a CancelledError, which the CLI reports and
 * exits 130 for. A second Ctrl-C exits at once (the run is then found abandoned by the next process).
 *
 * @example await cancelOnSigint((signal) => ingestConfigured(lake, config, names, { signal }));
 */
export async function cancelOnSigint<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      writeStderrLine("interrupted again: exiting now");
      process.exit(EXIT_CANCELLED);
    }
    writeStderrLine("cancelling at the next safe point… (Ctrl-C again to exit now)");
    controller.abort(new Error("interrupted (SIGINT)"));
  };
  process.on("SIGINT", onSigint);
  try {
    return await fn(controller.signal);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
