/**
 * Whether a process with this pid runs on this host. Signal 0 checks existence without touching the
 * process; EPERM means it exists but belongs to another user, so it still counts as alive.
 * A pid names a process only on its own host: callers that record a host check it first.
 */
export function isPidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
