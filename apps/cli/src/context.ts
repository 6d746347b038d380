import { loadConfig, type LakeConfig, type Lake } from "@omicslake/lake";
import { openLake } from "@omicslake/lake";
import { Output } from "./output/output.js";

/** Global options every command receives. */
export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
}

/** Loads the config a command runs against (the --config file or omicslake.toml found upwards). */
export function commandConfig(options: GlobalOptions): Promise<LakeConfig> {
  return loadConfig(options.config !== undefined ? { file: options.config } : {});
}

/** Runs `fn` with an open lake and always closes it, so the embedded database is flushed. */
export async function withLake<T>(options: GlobalOptions, fn: (lake: Lake, out: Output, config: LakeConfig) => Promise<T>): Promise<T> {
  const config = await commandConfig(options);
  const lake = await openLake(config);
  try {
    return await fn(lake, new Output(options.json === true), config);
  } finally {
    await lake.close();
  }
}
