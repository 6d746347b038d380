import { open, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { OmicslakeError } from "../../errors/omicslake-error.js";
import { PRIVATE_FILE_MODE } from "../../lake/private-files.js";
import { isPidAlive } from "../../process/pid-alive.js";

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * Takes `<dataDir>.lock` for this process, or fails naming the process that holds it. PGlite does
 * not stop a second process from opening the same data directory; two writers there silently
 * diverge and corrupt it. A lock left by a process that has died (same host, pid gone) is taken over.
 * The file sits next to the directory because PostgreSQL's initdb wants an empty directory.
 * Returns the release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = `${resolve(dataDir)}.lock`;
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await open(lockPath, "wx", PRIVATE_FILE_MODE);
      const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
      } finally {
        await handle.close();
      }
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = await readOwner(lockPath);
      if (attempt === 1 && owner !== undefined && owner.host === hostname() && !isPidAlive(owner.pid)) {
        await rm(lockPath, { force: true });
        continue;
      }
      const who = owner ? `process ${owner.pid} on ${owner.host} (since ${owner.since})` : "another process";
      throw new OmicslakeError("database_in_use", `the catalog database ${dataDir} is in use by ${who}`, {
        details: { dataDir, lockFile: lockPath, ...(owner ? { pid: owner.pid, host: owner.host } : {}) },
        hint:
          "Embedded PGlite allows one process at a time: stop the other omicslake process (for example `omicslake serve`), " +
          `or point DATABASE_URL at a PostgreSQL server to share the catalog; delete ${lockPath} only if no such process exists`,
        cause: error,
      });
    }
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, "utf8")) as Partial<LockOwner>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") {
      return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? "unknown") };
    }
  } catch {
    // Unreadable or half-written: treat as held, never as stale.
  }
  return undefined;
}
