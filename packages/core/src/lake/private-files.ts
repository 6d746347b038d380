import { chmod, lstat, mkdir, opendir } from "node:fs/promises";
import { join } from "node:path";

/**
 * The lake's local state (catalog with its API-key table, objects, partial downloads, locks) is the
 * owner's alone: directories are created 0700 and files 0600 (raw objects 0400). Modes are passed at
 * creation, where the umask can only remove bits, so the result never depends on the umask.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Bits a private file or directory must not have: anything for the group or for others. */
const SHARED_BITS = 0o077;
/** Set on directories many users share (/tmp): such a directory is never the lake's to tighten. */
const STICKY_BIT = 0o1000;

/** Something the lake did on its own that an operator should hear about (written to stderr by the CLI). */
export type NoticeSink = (message: string) => void;

/**
 * Creates `path` (and missing parents) as a private directory, or tightens an existing one that the
 * group or others can use, telling `onNotice` so the operator learns the mode changed. A shared
 * directory (sticky, like /tmp) or one owned by another user is never changed, only reported, and so
 * is one this process may not chmod. Returns true when an existing folder was tightened.
 */
export async function ensurePrivateDir(path: string, onNotice?: NoticeSink): Promise<boolean> {
  const created = await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  const stats = await lstat(path);
  const { mode } = stats;
  if ((mode & SHARED_BITS) === 0) return false;
  const shared =
    (mode & STICKY_BIT) !== 0 || (process.getuid !== undefined && stats.uid !== process.getuid());
  if (shared) {
    onNotice?.(
      `${path} is usable by other users (mode ${octal(mode)}) and is not the lake's own, so it was left as it is`,
    );
    return false;
  }
  const wanted = mode & 0o777 & ~SHARED_BITS;
  try {
    await chmod(path, wanted);
  } catch (error) {
    onNotice?.(
      `${path} is usable by other users (mode ${octal(mode)}) and could not be made private: ${(error as Error).message}`,
    );
    return false;
  }
  if (created === undefined)
    onNotice?.(`tightened the permissions of ${path} from ${octal(mode)} to ${octal(wanted)}`);
  return created === undefined;
}

/**
 * Removes group and other permissions from everything under `dir` (symbolic links are left alone) and
 * returns how many entries changed. For trees written by code that does not take a mode, like the
 * embedded database's files.
 */
export async function tightenTree(dir: string): Promise<number> {
  let changed = 0;
  const visit = async (path: string): Promise<void> => {
    let stats;
    try {
      stats = await lstat(path);
    } catch (error) {
      // Removed while we walked (a temp file of the database): nothing left to protect.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    if (stats.isSymbolicLink()) return;
    if ((stats.mode & SHARED_BITS) !== 0) {
      await chmod(path, stats.mode & 0o777 & ~SHARED_BITS);
      changed++;
    }
    if (!stats.isDirectory()) return;
    let entries;
    try {
      entries = await opendir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    // Siblings concurrently: the catalog holds a thousand files, and one lstat at a time made this walk
    // (run on every close) cost a one-shot command more than its query.
    const children: string[] = [];
    for await (const entry of entries) children.push(join(path, entry.name));
    await Promise.all(children.map(visit));
  };
  await visit(dir);
  return changed;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
