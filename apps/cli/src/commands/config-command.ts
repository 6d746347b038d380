import { configJsonSchema } from "@omicslake/core";
import type { Command } from "commander";
import { cliIo } from "../cli-io.js";
import { commandConfig, type GlobalOptions } from "../context.js";
import { Output, table } from "../output/output.js";

export function registerConfig(program: Command): void {
  const config = program.command("config").description("check and describe the configuration");
  config
    .command("check")
    .description("validate omicslake.toml (and environment overrides) and list what it declares")
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const out = new Output(globals.json === true);
      const resolved = await commandConfig(globals);
      const datasets = Object.entries(resolved.datasets).map(([name, d]) => ({
        name,
        source: d.source,
        role: d.role,
      }));
      out.data(
        {
          file: resolved.file,
          root: resolved.root,
          storage: resolved.storage.url,
          database: resolved.database.url ? "postgres" : resolved.database.pgliteDir,
          sources: Object.keys(resolved.sources),
          roles: Object.keys(resolved.roles),
          processing: Object.keys(resolved.processing),
          datasets,
        },
        () =>
          [
            `${resolved.file ?? "(defaults)"} is valid`,
            `root:     ${resolved.root}`,
            `storage:  ${resolved.storage.url}`,
            `database: ${resolved.database.url ? "PostgreSQL" : `PGlite ${resolved.database.pgliteDir}`}`,
            `sources:  ${Object.keys(resolved.sources).join(", ") || "-"}`,
            `roles:    ${Object.keys(resolved.roles).join(", ") || "-"}`,
            datasets.length
              ? table(
                  ["DATASET", "SOURCE", "ROLE"],
                  datasets.map((d) => [d.name, d.source, d.role]),
                )
              : "no datasets",
          ].join("\n"),
      );
    });
  config
    .command("schema")
    .description("print the JSON Schema of omicslake.toml")
    .action(() => {
      cliIo().stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
