import { ConflictError } from "../../errors/omicslake-error.js";

// Node's filesystem errors as the store reads them, and the conflict a key meets on a filesystem.

export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error
    ? String((error as NodeJS.ErrnoException).code)
    : undefined;
}

export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

export function ignoreMissing(error: unknown): void {
  if (!isMissing(error)) throw error;
}

export function keyConflict(key: string, existing: string | undefined, cause: unknown): ConflictError {
  return new ConflictError(
    existing === undefined
      ? `object key ${JSON.stringify(key)} passes through an existing object (a file where a folder is needed)`
      : `object key ${JSON.stringify(key)} is a folder holding other objects`,
    {
      details: { key },
      hint: "On the filesystem store a key cannot be both an object and the start of other keys; choose another key",
      cause,
    },
  );
}
