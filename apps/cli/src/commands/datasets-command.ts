import {
  NotFoundError,
  type Dataset,
  type Lake,
  type LakeConfig,
  type ResolvedDataset,
} from "@omicslake/core";
import { kindContext, sourceKind } from "@omicslake/sources";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { commandConfig, withLake, type GlobalOptions } from "../context.js";
import { Output, table } from "../output/output.js";

interface LsOptions {
  role?: string;
  source?: string;
}

/** A configured dataset as `datasets ls|show` print it: the model, and where it stands in the lake. */
function describeDataset(model: ResolvedDataset, raw: Dataset | undefined) {
  return {
    name: model.name,
    source: model.source,
    kind: model.kind,
    role: model.role,
    directory: model.directory,
    layout: model.layout,
    processing: model.processing,
    steps: model.steps.map((step) =>
      step.kind === "builtin"
        ? { section: step.section, name: step.name, step: step.step }
        : {
            section: step.section,
            name: step.name,
            command: step.command,
            inputs: step.inputs.map((input) =>
              input.kind === "item" ? "item" : `${input.name}@${input.section}`,
            ),
            ...(step.output !== undefined ? { output: step.output } : {}),
            threads: step.threads,
          },
    ),
    raw: raw === undefined ? null : { id: raw.id, objects: raw.objectCount, bytes: raw.totalBytes },
  };
}

async function rawDataset(lake: Lake, name: string): Promise<Dataset | undefined> {
  try {
    return await lake.dataset(`raw:${name}`);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function modelOf(config: LakeConfig, name: string): ResolvedDataset {
  const model = config.dataModel[name];
  if (!model) {
    throw new UsageError(`no dataset "${name}" in ${config.file ?? "the configuration"}`, {
      hint: `Configured datasets: ${Object.keys(config.dataModel).join(", ") || "(none): declare one as [data.NAME]"}`,
    });
  }
  return model;
}

export function registerDatasets(program: Command): void {
  const datasets = program
    .command("datasets")
    .description("the datasets omicslake.toml declares ([data.NAME]), with their items");

  datasets
    .command("ls")
    .description("list configured datasets: source, kind, role, layout, processing, and what raw holds")
    .option("--role <role>", "only datasets of this role")
    .option("--source <source>", "only datasets of this source ([source.NAME])")
    .action(async (options: LsOptions, command: Command) => {
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out, config) => {
        for (const [flag, value, declared] of [
          ["--role", options.role, config.roles],
          ["--source", options.source, config.sources],
        ] as const) {
          if (value !== undefined && !(value in declared)) {
            throw new UsageError(`${flag} ${value}: no such ${flag.slice(2)} in the configuration`, {
              hint: `Declared: ${Object.keys(declared).join(", ") || "(none)"}`,
            });
          }
        }
        const selected = Object.values(config.dataModel).filter(
          (d) =>
            (options.role === undefined || d.role === options.role) &&
            (options.source === undefined || d.source === options.source),
        );
        const rows: ReturnType<typeof describeDataset>[] = [];
        for (const model of selected) rows.push(describeDataset(model, await rawDataset(lake, model.name)));
        out.data({ data: rows }, () =>
          rows.length === 0
            ? "no datasets"
            : table(
                ["DATASET", "SOURCE", "KIND", "ROLE", "LAYOUT", "PROCESSING", "RAW OBJECTS"],
                rows.map((d) => [
                  d.name,
                  d.source,
                  d.kind,
                  d.role,
                  d.layout,
                  d.processing.join(", ") || "-",
                  d.raw === null ? "-" : d.raw.objects,
                ]),
              ),
        );
      });
    });

  datasets
    .command("show")
    .description("one configured dataset and its items (files, pairs, species, accession, subdir)")
    .argument("<name>", "the [data.NAME] to show")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out, config) => {
        const model = modelOf(config, name);
        const listing = await sourceKind(model.kind).items(kindContext(config, name, { lake }));
        const shown = { ...describeDataset(model, await rawDataset(lake, name)), ...listing };
        out.data(shown, () =>
          [
            `${model.name}: ${model.kind} source "${model.source}", role ${model.role}, layout ${model.layout}, directory ${model.directory}`,
            `processing: ${model.steps.map((s) => `${s.section}.${s.name}`).join(" → ") || "-"}`,
            listing.items.length === 0
              ? "no items"
              : table(
                  ["ITEM", "SPECIES", "ACCESSION", "PAIRED", "FILES", "SUBDIR"],
                  listing.items.map((item) => [
                    item.key,
                    item.species ?? "",
                    item.accession ?? item.individual ?? "",
                    item.paired ? "yes" : "no",
                    item.files.map((f) => f.name.split("/").pop()).join(" "),
                    item.subdir,
                  ]),
                ),
            ...listing.problems.map((p) => `problem: ${p.name}: ${p.message}`),
          ].join("\n"),
        );
      });
    });
}

export function registerRoles(program: Command): void {
  program
    .command("roles")
    .description("the roles omicslake.toml declares, with their processing and datasets")
    .command("ls")
    .description("list roles: description, default processing, datasets")
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const config = await commandConfig(globals);
      const out = new Output(globals.json === true);
      const roles = Object.entries(config.roles).map(([name, role]) => ({
        name,
        description: role.description ?? null,
        run:
          role.run ??
          role.processing ??
          Object.entries(config.processing)
            .filter(([, p]) => p.role === name)
            .map(([section]) => section),
        datasets: Object.values(config.dataModel)
          .filter((d) => d.role === name)
          .map((d) => d.name),
      }));
      out.data({ data: roles }, () =>
        roles.length === 0
          ? "no roles"
          : table(
              ["ROLE", "PROCESSING", "DATASETS", "DESCRIPTION"],
              roles.map((r) => [
                r.name,
                r.run.join(", ") || "-",
                r.datasets.join(", ") || "-",
                r.description ?? "",
              ]),
            ),
      );
    });
}
