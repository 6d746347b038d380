import { join } from "node:path";
import { openDuckDb as openCoreDuckDb, type DuckDbSession } from "@omicslake/core";

export { sqlString, type DuckDbSession } from "@omicslake/core";

/**
 * An in-memory (or `path`) DuckDB with its spill directory in `workDir`, so large sorts and joins go to disk
 * beside the step's other scratch files, not to RAM. The session runs in UTC: NCBI timestamps carry no
 * zone and are read as UTC, whatever the machine's zone.
 */
export async function openDuckDb(
  workDir: string,
  options: { path?: string; memoryLimit?: string } = {},
): Promise<DuckDbSession> {
  const session = await openCoreDuckDb({ ...options, tempDirectory: join(workDir, "duckdb-spill") });
  try {
    await session.run("SET TimeZone = 'UTC'");
  } catch (error) {
    session.close();
    throw error;
  }
  return session;
}
