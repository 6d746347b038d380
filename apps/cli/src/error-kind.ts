import { CancelledError, OmicslakeError } from "@omicslake/core";
import { UsageError } from "./cli-error.js";
import { EXIT_BUG, EXIT_CANCELLED, EXIT_FAILURE, EXIT_USAGE } from "./exit-codes.js";

/**
 * How the CLI treats an error: a user's mistake, a failure the user can act on, a step the user stopped
 * (Ctrl-C), or a bug of ours.
 */
export type ErrorKind = "usage" | "failure" | "cancelled" | "bug";

/**
 * Usage errors exit 2; omicslake's own errors (one hierarchy, parse and format errors included) and the
 * operating system's (a missing file, a full disk, a refused connection) exit 1; a cancelled step exits
 * 130; anything else is a bug and exits 70.
 */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof UsageError) return "usage";
  if (error instanceof CancelledError) return "cancelled";
  if (error instanceof OmicslakeError) return "failure";
  if (!(error instanceof Error)) return "bug";
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof syscall === "string" && typeof code === "string" ? "failure" : "bug";
}

export function exitCodeFor(error: unknown): number {
  switch (errorKind(error)) {
    case "usage":
      return EXIT_USAGE;
    case "failure":
      return EXIT_FAILURE;
    case "cancelled":
      return EXIT_CANCELLED;
    case "bug":
      return EXIT_BUG;
  }
}
