import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CONFIG_FILE_NAME, configJsonSchema, STARTER_CONFIG } from "@omicslake/core";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import type { GlobalOptions } from "../context.js";
import { Output } from "../output/output.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("write a commented omicslake.toml and its JSON Schema (for editor completion)")
    .argument("[dir]", "directory to initialise", ".")
    .option("--force", "overwrite an existing omicslake.toml")
    .action(async (dir: string, options: { force?: boolean }, command: Command) => {
      const out = new Output(command.optsWithGlobals<GlobalOptions>().json === true);
      const target = resolve(dir);
      const file = join(target, CONFIG_FILE_NAME);
      if (existsSync(file) && !options.force) {
        throw new UsageError(`${file} already exists; pass --force to overwrite it`);
      }
      await mkdir(target, { recursive: true });
      // Owner-only: the config is where an NCBI api_key or S3 secret goes.
      await writeFile(file, STARTER_CONFIG, { mode: 0o600 });
      await writeFile(
        join(target, "omicslake.schema.json"),
        `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
      );
      out.data({ config: file, schema: join(target, "omicslake.schema.json") }, () =>
        [
          `Wrote ${file}`,
          `Wrote ${join(target, "omicslake.schema.json")}`,
          `Next: omicslake ingest (fetches the one GEO series the starter declares), then omicslake consolidate`,
        ].join("\n"),
      );
    });
}
