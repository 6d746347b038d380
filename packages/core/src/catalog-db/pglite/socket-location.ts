import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensurePrivateDir } from "../../lake/private-files.js";

/**
 * The port in the socket's file name. No TCP port is opened: `pg` (like every PostgreSQL client) finds
 * a Unix socket as `<host directory>/.s.PGSQL.<port>`, so the number only names the file.
 */
export const SOCKET_PORT = 5432;

/** A Unix socket path must fit `sun_path` (108 bytes on Linux, 104 on macOS, terminator included). */
const MAX_SOCKET_PATH = 100;

export function socketFileIn(socketDir: string): string {
  return join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
}

/**
 * Creates the private directory the catalog's socket goes in: `<dataDir>.sock` beside the data directory
 * (PostgreSQL's initdb wants the data directory itself empty), or a private temporary directory when that
 * path is too long for a socket. Other processes learn it from the lock file, so either place works.
 */
export async function createSocketDir(dataDir: string): Promise<{ dir: string; temporary: boolean }> {
  const beside = `${resolve(dataDir)}.sock`;
  if (Buffer.byteLength(socketFileIn(beside)) <= MAX_SOCKET_PATH) {
    await ensurePrivateDir(beside);
    return { dir: beside, temporary: false };
  }
  // mkdtemp creates the directory 0700.
  return { dir: await mkdtemp(join(tmpdir(), "omicslake-catalog-")), temporary: true };
}
