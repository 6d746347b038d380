import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { OmicslakeError } from "../../errors/omicslake-error.js";
import { ensurePrivateDir } from "../../lake/private-files.js";
import type { SqlClient } from "../sql-client.js";
import { claimDataDir, dataDirInUseError, isDeadLocalOwner } from "./data-dir-lock.js";
import { SharedPgliteSqlClient } from "./shared-pglite-sql-client.js";

export interface EmbeddedCatalogOptions {
  readonly dataDir: string;
  readonly schema?: string;
  /**
   * How long to wait for a holder whose socket does not answer (it is closing and about to free the
   * lock, or stuck). Default 15 s.
   */
  readonly waitMs?: number;
  /**
   * How long to wait for a holder that is still opening the catalog (it shares, but has no socket yet):
   * creating a new catalog takes PGlite seconds to tens of seconds on a busy machine. Default 120 s.
   */
  readonly openingWaitMs?: number;
}

/** Connections a process opens to a holder's socket: the backend runs one statement at a time anyway. */
const SHARED_POOL_SIZE = 4;
const RETRY_MS = 100;

/**
 * Opens the embedded (PGlite) catalog: directly, sharing it over a socket, when no live process holds
 * it; otherwise through the socket of the process that does. A lock or socket left by a dead process is
 * taken over, so nothing hangs on it.
 * @example const db = await openEmbeddedCatalog({ dataDir: join(root, "catalog") });
 */
export async function openEmbeddedCatalog(options: EmbeddedCatalogOptions): Promise<SqlClient> {
  const { dataDir } = options;
  await ensurePrivateDir(dataDir);
  const started = Date.now();
  for (;;) {
    const claim = await claimDataDir(dataDir, { shares: true });
    if (claim.kind === "locked") {
      const { PgliteSqlClient } = await import("./pglite-sql-client.js");
      return PgliteSqlClient.open({
        dataDir,
        lock: claim.lock,
        ...(options.schema === undefined ? {} : { schema: options.schema }),
      });
    }
    const { owner } = claim;
    if (owner !== undefined && owner.host !== hostname()) {
      throw dataDirInUseError(
        dataDir,
        claim.lockPath,
        owner,
        "the embedded catalog is shared only between processes of one host",
      );
    }
    let reason = "it does not share it (an omicslake version without the catalog socket?)";
    let waitMs = options.waitMs ?? 15_000;
    if (owner?.shares === true && owner.socketDir === undefined) {
      reason = "it is still opening the catalog";
      waitMs = options.openingWaitMs ?? 120_000;
    }
    if (owner?.socketDir !== undefined && !isDeadLocalOwner(owner)) {
      try {
        const { PostgresSqlClient } = await import("../postgres/postgres-sql-client.js");
        const remote = await PostgresSqlClient.open({
          socketDir: owner.socketDir,
          maxConnections: SHARED_POOL_SIZE,
          ...(options.schema === undefined ? {} : { schema: options.schema }),
        });
        return new SharedPgliteSqlClient(remote, dataDir, () => openEmbeddedCatalog(options));
      } catch (error) {
        // The holder is starting or exiting: retry until it answers or frees the lock.
        if (!(error instanceof OmicslakeError) || error.code !== "database_unavailable") throw error;
        reason = `its socket ${owner.socketDir} does not answer`;
      }
    }
    if (Date.now() - started >= waitMs) throw dataDirInUseError(dataDir, claim.lockPath, owner, reason);
    await sleep(RETRY_MS);
  }
}
