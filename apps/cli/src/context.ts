import type { LakeConfig, Lake } from "@omicslake/core";
import { loadLakeConfig } from "./load-lake-config.js";
import { openLake } from "@omicslake/core";
import { cliIo } from "./cli-io.js";
import { recordCommandAudit } from "./command-audit.js";
import { Output } from "./output/output.js";
import { writeStderrLine } from "./output/terminal-text.js";

/** Global options every command receives. */
export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

/** Loads the config a command runs against (the --config file or omicslake.toml found upwards). */
export function commandConfig(options: GlobalOptions): Promise<LakeConfig> {
  const { cwd, env } = cliIo();
  return loadLakeConfig({ cwd, env, ...(options.config !== undefined ? { file: options.config } : {}) });
}

/**
 * Runs `fn` with an open lake and always closes it, so the embedded database is flushed. For a command
 * that writes (see `writes` in the command table) it records the audit entry of the outcome first.
 */
export async function withLake<T>(
  options: GlobalOptions,
  fn: (lake: Lake, out: Output, config: LakeConfig) => Promise<T>,
): Promise<T> {
  const config = await commandConfig(options);
  const out = new Output(options.json === true);
  // Notices (permissions tightened) go to stderr even with --json: they are not data.
  const lake = await openLake(config, { onNotice: writeStderrLine });
  try {
    const result = await fn(lake, out, config);
    await recordCommandAudit(lake, undefined);
    return result;
  } catch (error) {
    await recordCommandAudit(lake, error);
    throw error;
  } finally {
    await lake.close();
  }
}
