import { open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { OmicslakeError } from "../../errors/omicslake-error.js";
import { PRIVATE_FILE_MODE } from "../../lake/private-files.js";
import { isPidAlive } from "../../process/pid-alive.js";

/** What the lock file records about the process that holds the data directory. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  /**
   * The holder will share the catalog over a socket: until `socketDir` appears it is still opening, and
   * others wait for it rather than fail. Absent for a holder that never shares.
   */
  readonly shares?: boolean;
  /** The directory holding the Unix socket through which the holder shares the catalog, once it listens. */
  readonly socketDir?: string;
}

/** The data directory held by this process. */
export interface DataDirLock {
  readonly lockPath: string;
  /** Records where this process shares the catalog, so other processes connect instead of failing. */
  recordSocket(socketDir: string): Promise<void>;
  release(): Promise<void>;
}

/** Either the lock, or the process that holds it (undefined when the file is unreadable). */
export type DataDirClaim =
  | { readonly kind: "locked"; readonly lock: DataDirLock }
  | { readonly kind: "busy"; readonly lockPath: string; readonly owner: LockOwner | undefined };

/**
 * Tries to take `<dataDir>.lock` for this process. PGlite does not stop a second process from opening
 * the same data directory; two writers there silently diverge and corrupt it. A lock left by a process
 * that has died (same host, pid gone) is taken over. The file sits next to the directory because
 * PostgreSQL's initdb wants an empty directory.
 */
export async function claimDataDir(
  dataDir: string,
  options: { shares?: boolean } = {},
): Promise<DataDirClaim> {
  const lockPath = `${resolve(dataDir)}.lock`;
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await open(lockPath, "wx", PRIVATE_FILE_MODE);
      const owner: LockOwner = {
        pid: process.pid,
        host: hostname(),
        since: new Date().toISOString(),
        ...(options.shares === true ? { shares: true } : {}),
      };
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
      } finally {
        await handle.close();
      }
      return { kind: "locked", lock: heldLock(lockPath, owner) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = await readLockOwner(lockPath);
      if (attempt === 1 && owner !== undefined && isDeadLocalOwner(owner)) {
        await rm(lockPath, { force: true });
        continue;
      }
      return { kind: "busy", lockPath, owner };
    }
  }
}

/** Takes the lock, or fails naming the process that holds it (for callers that cannot share). */
export async function lockDataDir(dataDir: string, options: { shares?: boolean } = {}): Promise<DataDirLock> {
  const claim = await claimDataDir(dataDir, options);
  if (claim.kind === "locked") return claim.lock;
  throw dataDirInUseError(dataDir, claim.lockPath, claim.owner);
}

/** Whether the owner is a process of this host that no longer runs (its lock and socket are stale). */
export function isDeadLocalOwner(owner: LockOwner): boolean {
  return owner.host === hostname() && !isPidAlive(owner.pid);
}

export function dataDirInUseError(
  dataDir: string,
  lockPath: string,
  owner: LockOwner | undefined,
  reason?: string,
): OmicslakeError {
  const who = owner ? `process ${owner.pid} on ${owner.host} (since ${owner.since})` : "another process";
  return new OmicslakeError(
    "database_in_use",
    `the catalog database ${dataDir} is in use by ${who}${reason ? `: ${reason}` : ""}`,
    {
      details: {
        dataDir,
        lockFile: lockPath,
        ...(owner ? { pid: owner.pid, host: owner.host } : {}),
        ...(owner?.socketDir ? { socketDir: owner.socketDir } : {}),
      },
      hint:
        "An omicslake process that holds the embedded catalog shares it with the other commands of this host " +
        "through a socket next to the catalog; one that does not answer (another host, or a stuck process) blocks them. " +
        `Wait for it or stop it, or point DATABASE_URL at a PostgreSQL server; delete ${lockPath} only if no such process exists`,
    },
  );
}

function heldLock(lockPath: string, owner: LockOwner): DataDirLock {
  return {
    lockPath,
    async recordSocket(socketDir: string): Promise<void> {
      // Written aside and renamed over the lock, so a reader sees the old record or the new one, never half.
      const staged = `${lockPath}.${process.pid}.tmp`;
      await writeFile(staged, `${JSON.stringify({ ...owner, socketDir })}\n`, { mode: PRIVATE_FILE_MODE });
      await rename(staged, lockPath);
    },
    release: () => rm(lockPath, { force: true }),
  };
}

export async function readLockOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, "utf8")) as Partial<LockOwner>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") {
      return {
        pid: parsed.pid,
        host: parsed.host,
        since: String(parsed.since ?? "unknown"),
        ...(parsed.shares === true ? { shares: true } : {}),
        ...(typeof parsed.socketDir === "string" ? { socketDir: parsed.socketDir } : {}),
      };
    }
  } catch {
    // Missing, unreadable or half-written: the caller treats it as held, never as stale.
  }
  return undefined;
}
