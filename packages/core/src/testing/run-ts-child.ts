import { spawn } from "node:child_process";

/** How a TypeScript child process ended: the signal that killed it, if any, and what it printed. */
export interface ChildOutcome {
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
}

/**
 * Runs a TypeScript script in a fresh Node process (through tsx) to completion or to a signal; crash
 * and kill tests need a real process boundary. A non-zero exit without a signal rejects with the
 * child's stderr, named by `what`, so a broken child never passes for a killed one.
 */
export function runTsChild(script: string, args: readonly string[], what: string): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`${what} failed (${code}): ${stderr}`));
      else resolve({ signal, stdout });
    });
  });
}
