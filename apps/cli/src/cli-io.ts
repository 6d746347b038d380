import { AsyncLocalStorage } from "node:async_hooks";
import type { Writable } from "node:stream";

/** Where one CLI run reads its settings from and writes its output to. */
export interface CliIo {
  /** Command results (tables, JSON, NDJSON). */
  readonly stdout: Writable & { readonly isTTY?: boolean };
  /** Errors, notices and progress. */
  readonly stderr: Writable & { readonly isTTY?: boolean };
  /** The directory omicslake.toml is searched upwards from. */
  readonly cwd: string;
  /** The environment the configuration's overrides (DATABASE_URL, OMICSLAKE__…) are read from. */
  readonly env: NodeJS.ProcessEnv;
}

const current = new AsyncLocalStorage<CliIo>();

/** The process's own streams, directory and environment: what a CLI run uses unless told otherwise. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}

/**
 * The io of the CLI run this code is part of. Commands write through it rather than to `process.stdout`
 * so that `runCli` can run them inside another program (the tests) and capture what they print.
 */
export function cliIo(): CliIo {
  return current.getStore() ?? processIo();
}

/** Runs `fn` with `io` as what `cliIo()` answers, for everything `fn` starts, however asynchronous. */
export function withCliIo<T>(io: CliIo, fn: () => T): T {
  return current.run(io, fn);
}
