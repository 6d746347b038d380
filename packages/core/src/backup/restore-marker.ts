import { existsSync } from "node:fs";
import { join } from "node:path";
import { OmicslakeError } from "../errors/omicslake-error.js";

/** Written first into a directory a restore builds, removed last: its presence means "not a lake yet". */
export const RESTORE_MARKER = "RESTORE-INCOMPLETE";

/** Refuses to open a lake whose restore did not finish. */
export function assertNoRestoreMarker(root: string): void {
  const marker = join(root, RESTORE_MARKER);
  if (!existsSync(marker)) return;
  throw new OmicslakeError(
    "restore_incomplete",
    `the lake in ${root} is an unfinished restore (${marker} is present)`,
    {
      details: { path: root, marker },
      hint: "The restore into it was stopped; delete the directory and run omicslake restore again into an empty one",
    },
  );
}
