/**
 * Failure injection, for tests only: `OMICSLAKE_FAULT_KILL_AT=<point>[:<n>]` makes the process SIGKILL
 * itself the n-th time (default the first) it reaches the named point, as a crash, an OOM kill or a
 * power cut would stop it: no `finally`, no exit handler, no flush. The fault suite uses it to stop a
 * real CLI process at an exact step and then checks what a rerun finds.
 *
 * The variables are read once at start-up; when they are unset a point costs two comparisons. It is never
 * set in production, and nothing else in the project reads it.
 */
const target = parseTarget(process.env["OMICSLAKE_FAULT_KILL_AT"]);
/** `OMICSLAKE_FAULT_TRACE=1` prints every point reached to stderr, to find the points a command passes. */
const trace = process.env["OMICSLAKE_FAULT_TRACE"] === "1";
let reached = 0;

/**
 * Marks a named place where a crash would leave interesting state behind (a temp file half written,
 * an object stored but not yet recorded, a run started but not finished). Names are `<area>.<event>`,
 * e.g. `run.started`, `add.output`, `store.put.write`.
 */
export function faultPoint(name: string): void {
  if (trace) process.stderr.write(`fault point ${name}\n`);
  if (target === undefined || target.name !== name) return;
  reached++;
  if (reached >= target.n) process.kill(process.pid, "SIGKILL");
}

function parseTarget(spec: string | undefined): { name: string; n: number } | undefined {
  if (spec === undefined || spec === "") return undefined;
  const colon = spec.lastIndexOf(":");
  if (colon > 0 && /^\d+$/.test(spec.slice(colon + 1))) {
    return { name: spec.slice(0, colon), n: Math.max(1, Number(spec.slice(colon + 1))) };
  }
  return { name: spec, n: 1 };
}
