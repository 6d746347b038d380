import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Lake } from "@omicslake/core";

/**
 * Removes the work directories (`<root>/work/<run id>/`) of runs that are no longer running: a killed
 * `process` leaves its item's inputs and partial outputs there. A directory of a live run (another
 * process working now) stays. Returns how many were removed.
 */
export async function removeStaleWorkDirs(lake: Lake, root: string): Promise<number> {
  const dir = join(root, "work");
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  // Runs whose owner died are marked abandoned first, so their directories count as stale.
  await lake.abandonDeadRuns();
  let removed = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const run = await lake.catalog.getRun(Number(name)).catch(() => undefined);
    if (run?.status === "running") continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
