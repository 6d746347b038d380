import { OmicslakeError } from "@omicslake/core";
import { UsageError } from "./cli-error.js";
import { EXIT_BUG, EXIT_FAILURE, EXIT_USAGE } from "./exit-codes.js";

/** How the CLI treats an error: a user's mistake, a failure the user can act on, or a bug of ours. */
export type ErrorKind = "usage" | "failure" | "bug";

// The project's error codes are lower snake case ("malformed_soft_line"); Node's own (ERR_…) and SQLSTATEs are not.
const PROJECT_CODE = /^[a-z][a-z0-9_]*$/;

/**
 * Usage errors exit 2; omicslake's own errors and the operating system's (a missing file, a full disk,
 * a refused connection) exit 1; anything else is a bug. Errors of the project's classes that predate
 * OmicslakeError carry a project code and count as failures too.
 */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof UsageError) return "usage";
  if (error instanceof OmicslakeError) return "failure";
  if (!(error instanceof Error)) return "bug";
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  if (typeof syscall === "string" && typeof code === "string") return "failure";
  return typeof code === "string" && PROJECT_CODE.test(code) ? "failure" : "bug";
}

export function exitCodeFor(error: unknown): number {
  switch (errorKind(error)) {
    case "usage":
      return EXIT_USAGE;
    case "failure":
      return EXIT_FAILURE;
    case "bug":
      return EXIT_BUG;
  }
}
