import type { Stats } from "node:fs";

/**
 * The identity of a file as the kernel sees it: device, inode, size and modification and change times.
 * Replacing the file (a rename over it) changes the inode; writing into it changes size or the times.
 * ctime cannot be set back by a user-level tool, so a rewrite that restores mtime is still noticed.
 */
export function fileIdentity(stats: Pick<Stats, "dev" | "ino" | "size" | "mtimeMs" | "ctimeMs">): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/**
 * Which files were hashed whole and matched their recorded sha256, by object key, so that ranged reads
 * (a Parquet footer, then row groups) cost one full hash per file version instead of one per request.
 * Bounded, least recently used first out. An entry counts only while the file keeps the identity it had
 * when it was hashed, and only for the sha256 it was checked against.
 */
export class VerificationCache {
  readonly #entries = new Map<string, { identity: string; sha256: string }>();

  constructor(readonly maxEntries = 10_000) {}

  has(key: string, identity: string, sha256: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (entry.identity !== identity || entry.sha256 !== sha256) {
      this.#entries.delete(key);
      return false;
    }
    // Refresh its place: Map iteration order is insertion order, so the first entry is the least recent.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return true;
  }

  add(key: string, identity: string, sha256: string): void {
    this.#entries.delete(key);
    this.#entries.set(key, { identity, sha256 });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
