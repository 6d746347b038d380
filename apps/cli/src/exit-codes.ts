import { terminalText } from "./output/terminal-text.js";

/** Exit codes scripts can rely on. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C: 128 + SIGINT, as shells report a command the signal ended. */
export const EXIT_CANCELLED = 130;

export function exitCodeFor(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "usage" ? EXIT_USAGE : code === "cancelled" ? EXIT_CANCELLED : EXIT_FAILURE;
}

/**
 * `error [code]: message` plus the cause chain, without a stack unless OMICSLAKE_DEBUG is set. Secrets
 * are redacted and control characters escaped: messages quote input files and upstream URLs.
 */
export function formatError(error: unknown): string {
  return terminalText(describeError(error));
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  if (process.env["OMICSLAKE_DEBUG"]) return error.stack ?? error.message;
  const code = (error as { code?: unknown }).code;
  // Not an error: the user asked for it. The message names the step and says how to continue.
  if (code === "cancelled") return `cancelled: ${cancelledText(error)}`;
  const lines = [`error${typeof code === "string" ? ` [${code}]` : ""}: ${error.message}`];
  let cause = error.cause;
  while (cause instanceof Error) {
    lines.push(`  caused by: ${cause.message}`);
    cause = cause.cause;
  }
  return lines.join("\n");
}

function cancelledText(error: Error): string {
  const shaped = error as Error & { details?: { step?: unknown; runId?: unknown }; hint?: unknown };
  const step = typeof shaped.details?.step === "string" ? shaped.details.step : undefined;
  if (step === undefined) return error.message;
  const runId = shaped.details?.runId;
  const run = typeof runId === "number" ? `; run ${runId} is marked cancelled` : "";
  return `${step} was cancelled${run}${typeof shaped.hint === "string" ? `. ${shaped.hint}` : ""}`;
}
