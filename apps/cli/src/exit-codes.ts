import { terminalText } from "./output/terminal-text.js";

/** Exit codes scripts can rely on. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "usage" ? EXIT_USAGE : EXIT_FAILURE;
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
  const lines = [`error${typeof code === "string" ? ` [${code}]` : ""}: ${error.message}`];
  let cause = error.cause;
  while (cause instanceof Error) {
    lines.push(`  caused by: ${cause.message}`);
    cause = cause.cause;
  }
  return lines.join("\n");
}
