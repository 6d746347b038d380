import { Writable } from "node:stream";
import { runCli } from "../../src/run-cli.js";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A stream that keeps what is written to it, as text. */
class Collected extends Writable {
  text = "";
  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    done();
  }
}

/**
 * Runs the CLI in this process, as `omicslake <args>` run in `cwd` would: same parsing, commands, exit
 * code and output, without starting node, loading the modules again and reopening the engines each time.
 * The configuration sees this process's environment without DATABASE_URL (the embedded default),
 * plus `env`.
 */
export async function runInProcess(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  const stdout = new Collected();
  const stderr = new Collected();
  const configEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete configEnv["DATABASE_URL"];
  const code = await runCli(args, { cwd, env: configEnv, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
