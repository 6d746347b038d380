import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { RunOwner } from "../catalog/catalog-types.js";
import { isPidAlive } from "../process/pid-alive.js";

/** Drawn once per process: a pid the system reuses for another process never matches it. */
const PROCESS_TOKEN = randomBytes(8).toString("hex");

/** This process as the owner of the runs (and temp files) it starts. */
export function currentRunOwner(): RunOwner {
  return { host: hostname(), pid: process.pid, token: PROCESS_TOKEN };
}

/**
 * Whether a process still lives: true, false, or undefined when nothing can be known from here
 * (another host). Signal 0 checks existence without touching the process; EPERM means it exists but
 * belongs to another user.
 */
export function isProcessAlive(host: string, pid: number): boolean | undefined {
  if (host !== hostname()) return undefined;
  return isPidAlive(pid);
}

/** Whether the owner of a run is provably gone (same host, pid not running) — never a guess about another host. */
export function isOwnerGone(owner: RunOwner): boolean {
  if (owner.token === PROCESS_TOKEN) return false;
  return isProcessAlive(owner.host, owner.pid) === false;
}
