import {
  ConfigError,
  configJsonSchema,
  registeredSourceKinds,
  sourceKindSpec,
  type LakeConfig,
} from "@omicslake/core";
import type { Command } from "commander";
import { cliIo } from "../cli-io.js";
import { commandConfig, type GlobalOptions } from "../context.js";
import { Output, table } from "../output/output.js";

/**
 * Refuses what the asset graph would refuse (an `[asset."KEY"]` naming no asset, a condition that does not
 * parse), all problems at once and each naming its key, the way the config loader reports its own.
 */
async function checkAssets(config: LakeConfig): Promise<void> {
  // Loaded here only: the graph's flows bring the metadata and source packages, which `config schema` needs not.
  const { checkAssetConfig } = await import("@omicslake/assets");
  const [first, ...rest] = checkAssetConfig(config);
  if (first === undefined) return;
  if (rest.length === 0) throw first;
  const more = rest.map((problem) => `  - ${problem.message}`).join("\n");
  throw new ConfigError(`${first.message}\n${rest.length} more problem(s):\n${more}`, {}, {});
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description("check and describe the configuration");
  config
    .command("check")
    .description("validate omicslake.toml (and environment overrides) and list what it declares")
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const out = new Output(globals.json === true);
      const resolved = await commandConfig(globals);
      await checkAssets(resolved);
      const datasets = Object.values(resolved.dataModel).map((d) => ({
        name: d.name,
        source: d.source,
        kind: d.kind,
        role: d.role,
        directory: d.directory,
        layout: d.layout,
        processing: d.processing,
        steps: d.steps.map((step) => `${step.section}.${step.name}`),
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
                  ["DATASET", "SOURCE", "KIND", "ROLE", "LAYOUT", "PROCESSING"],
                  datasets.map((d) => [
                    d.name,
                    d.source,
                    d.kind,
                    d.role,
                    d.layout,
                    d.processing.join(", ") || "-",
                  ]),
                )
              : "no datasets",
          ].join("\n"),
      );
    });
  config
    .command("kinds")
    .description("list the source kinds, with the keys, layouts and steps each one takes")
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const out = new Output(globals.json === true);
      await import("@omicslake/sources"); // registers the kinds beyond the public-metadata feeds
      const kinds = registeredSourceKinds().map((name) => {
        const spec = sourceKindSpec(name)!;
        return {
          kind: spec.kind,
          aliases: spec.aliases ?? [],
          description: spec.description,
          path: spec.path,
          url: spec.url,
          layouts: spec.layouts,
          steps: spec.steps,
          source_keys: Object.fromEntries(Object.entries(spec.sourceKeys).map(([k, v]) => [k, v.meaning])),
          data_keys: Object.fromEntries(Object.entries(spec.dataKeys).map(([k, v]) => [k, v.meaning])),
          options: Object.fromEntries(Object.entries(spec.options ?? {}).map(([k, v]) => [k, v.meaning])),
        };
      });
      out.data(kinds, () =>
        kinds
          .map((k) =>
            [
              `${k.kind}${k.aliases.length ? ` (also ${k.aliases.join(", ")})` : ""}: ${k.description}`,
              `  path ${k.path}, url ${k.url}; layouts ${k.layouts.join(", ")}; steps ${k.steps.join(", ")}`,
              ...Object.entries(k.source_keys).map(([key, meaning]) => `  [source] ${key}: ${meaning}`),
              ...Object.entries(k.data_keys).map(([key, meaning]) => `  [data] ${key}: ${meaning}`),
              ...Object.entries(k.options).map(([key, meaning]) => `  options.${key}: ${meaning}`),
            ].join("\n"),
          )
          .join("\n\n"),
      );
    });
  config
    .command("schema")
    .description("print the JSON Schema of omicslake.toml")
    .action(() => {
      cliIo().stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
