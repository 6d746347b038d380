import { join } from "node:path";
import { openDuckDb as openCoreDuckDb, type DuckDbSession } from "@omicslake/core";

export { sqlString, type DuckDbSession } from "@omicslake/core";

/**
 * An in-memory (or `path`) DuckDB with its spill directory in `workDir`, so large sorts and joins go to disk
 * beside the step's other scratch files, not to RAM.
 */
export async function openDuckDb(
  workDir: string,
  options: { path?: string; memoryLimit?: string } = {},
): Promise<DuckDbSession> {
  return openCoreDuckDb({ ...options, tempDirectory: join(workDir, "duckdb-spill") });
}
