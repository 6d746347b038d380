import { redactSecretsDeep } from "@omicslake/core";
import { errorKind, exitCodeFor } from "./error-kind.js";
import { terminalText } from "./output/terminal-text.js";

export interface ReportOptions {
  /** One JSON object instead of text, for scripts. */
  readonly json: boolean;
  /** Add the stack of the error and of its causes. */
  readonly verbose: boolean;
}

/** The JSON shape of an error on stderr with `--json`. */
export interface JsonError {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly hint?: string;
    readonly location?: unknown;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/**
 * Writes what went wrong to `stderr` and returns the exit code. Text names the error's code and
 * location (its message carries it) and the cause chain; a bug says it is one and asks for a report.
 * Secrets are redacted and terminal control characters escaped in both forms: messages quote input
 * files and upstream URLs.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream, options: ReportOptions): number {
  stderr.write(`${options.json ? jsonLine(errorJson(error)) : errorText(error, options.verbose)}\n`);
  return exitCodeFor(error);
}

/** A usage error commander found (unknown option, missing argument), as JSON. */
export function usageErrorJson(message: string): string {
  return jsonLine({ error: { code: "usage", message: message.replace(/^error: /, "").trim() } });
}

export function errorText(error: unknown, verbose: boolean): string {
  // Not an error: the user asked for it. The message names the step and says how to continue.
  if (errorKind(error) === "cancelled") return terminalText(`cancelled: ${cancelledText(error as Error)}`);
  const bug = errorKind(error) === "bug";
  const lines: string[] = [];
  if (!(error instanceof Error)) {
    lines.push(bug ? `omicslake: internal error (a bug): ${String(error)}` : `error: ${String(error)}`);
  } else {
    const code = (error as { code?: unknown }).code;
    lines.push(
      bug
        ? `omicslake: internal error (a bug): ${error.message}`
        : `error${typeof code === "string" ? ` [${code}]` : ""}: ${error.message}`,
    );
    for (let cause = error.cause; cause instanceof Error; cause = cause.cause)
      lines.push(`  caused by: ${cause.message}`);
    if (verbose) lines.push(...stacks(error));
  }
  if (bug) {
    lines.push(
      `This is a bug in omicslake, not a problem with your input: please report it with the command you ran and this message${
        verbose ? "" : " (rerun with --verbose to add the stack)"
      }.`,
    );
  }
  return terminalText(lines.join("\n"));
}

function cancelledText(error: Error): string {
  const shaped = error as Error & { details?: { step?: unknown; runId?: unknown }; hint?: unknown };
  const step = typeof shaped.details?.step === "string" ? shaped.details.step : undefined;
  if (step === undefined) return error.message;
  const runId = shaped.details?.runId;
  const run = typeof runId === "number" ? `; run ${runId} is marked cancelled` : "";
  return `${step} was cancelled${run}${typeof shaped.hint === "string" ? `. ${shaped.hint}` : ""}`;
}

function stacks(error: Error): string[] {
  const out: string[] = [];
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    out.push(current === error ? (current.stack ?? "") : `caused by: ${current.stack ?? current.message}`);
  }
  return out;
}

export function errorJson(error: unknown): JsonError {
  if (errorKind(error) === "bug") {
    return { error: { code: "internal", message: error instanceof Error ? error.message : String(error) } };
  }
  const e = error as Error & { code?: unknown; hint?: unknown; location?: unknown; details?: unknown };
  const details = e.details;
  return {
    error: {
      code: typeof e.code === "string" ? e.code : "failure",
      message: e.message,
      ...(typeof e.hint === "string" ? { hint: e.hint } : {}),
      ...(e.location !== undefined ? { location: e.location } : {}),
      ...(isNonEmptyRecord(details) ? { details } : {}),
    },
  };
}

function isNonEmptyRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
  );
}

// JSON.stringify escapes C0 control characters but leaves DEL, C1 and the bidi controls as they are,
// and a terminal acts on those too when stderr is one.
const JSON_UNSAFE = /[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function jsonLine(value: JsonError): string {
  const redacted = redactSecretsDeep(value);
  return JSON.stringify(redacted).replace(
    JSON_UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
