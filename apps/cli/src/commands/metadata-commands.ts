import {
  consolidate,
  isServingEntityName,
  loadCuratedIntoServing,
  queryCurated,
  SERVING_ENTITY_NAMES,
  shrinkPolicy,
  snapshot,
  type ServingEntityName,
} from "@omicslake/metadata";
import type { Lake, LakeConfig } from "@omicslake/core";
import { defaultExpressionCacheDir, LakeStoreAccess } from "@omicslake/expression";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { withLake, type GlobalOptions } from "../context.js";
import { withLongCommand } from "../long-command.js";
import { humanBytes, table } from "../output/output.js";

export function registerMetadataCommands(program: Command): void {
  program
    .command("consolidate")
    .description(
      "deduplicate processed metadata into one curated Parquet per entity and register them in DuckLake",
    )
    .option(
      "--allow-shrink",
      "publish entities that lost more rows than [metadata] max_shrink allows, or became empty",
    )
    .action(async (options: { allowShrink?: boolean }, command: Command) => {
      await withLongCommand(command, async (lake, out, config, step) => {
        const result = await consolidate(lake, config, { ...options, ...step });
        out.data(result, () =>
          [
            `curated/${result.curated.name} (run ${result.run.id})${result.ducklakeSnapshot !== undefined ? `, DuckLake snapshot ${result.ducklakeSnapshot}` : ""}`,
            table(
              ["ENTITY", "ROWS", "INPUT ROWS", "KEY"],
              result.entities.map((e) => [e.entity, e.rows, e.inputRows, e.key]),
            ),
          ].join("\n"),
        );
      });
    });

  program
    .command("snapshot")
    .description(
      "build the single-file omicslake.duckdb from the curated entities (the previous one is archived)",
    )
    .action(async (_options: unknown, command: Command) => {
      await withLongCommand(command, async (lake, out, _config, step) => {
        const result = await snapshot(lake, step);
        out.data(result, () =>
          [
            `${result.object.key} (${humanBytes(result.object.size)}, run ${result.run.id})${result.archived ? `; previous archived as ${result.archived.key}` : ""}`,
            table(["TABLE", "ROWS"], Object.entries(result.rowCounts)),
          ].join("\n"),
        );
      });
    });

  program
    .command("load")
    .description("load curated entities into the serving tables (A/B swap: readers never wait or fail)")
    .argument("[entities...]", `entities to load (default all): ${SERVING_ENTITY_NAMES.join(", ")}`)
    .option(
      "--allow-shrink",
      "load entities that lost more rows than [metadata] max_shrink allows, or became empty",
    )
    .action(async (entities: string[], options: { allowShrink?: boolean }, command: Command) => {
      const unknown = entities.filter((e) => !isServingEntityName(e));
      if (unknown.length > 0)
        throw new UsageError(`unknown entity ${unknown.join(", ")}; use ${SERVING_ENTITY_NAMES.join(", ")}`);
      await withLongCommand(command, async (lake, out, config, step) => {
        const results = await loadCuratedIntoServing(
          lake,
          entities.length > 0 ? (entities as ServingEntityName[]) : undefined,
          shrinkPolicy(config, options),
          step,
        );
        out.data(results, () =>
          table(
            ["ENTITY", "ROWS", "TABLE", "SECONDS"],
            results.map((r) => [r.entity, r.rows, r.table, r.seconds.toFixed(2)]),
          ),
        );
      });
    });

  program
    .command("query")
    .description(
      "run SQL with DuckDB over the curated entity tables (sra_run, geo_series, pubmed_article, …) and the expression stores' tables (<dataset>_genes, _cells, _values, _group_stats)",
    )
    .argument("<sql>", "one SQL statement")
    .option("--limit <n>", "at most this many rows", "1000")
    .action(async (sql: string, options: { limit: string }, command: Command) => {
      const limit = Number(options.limit);
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw new UsageError(`--limit must be a positive integer, got "${options.limit}"`);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out, config) => {
        const result = await queryCurated(lake, sql, {
          limit,
          views: await expressionViews(lake, config),
        });
        out.data({ columns: result.columns, rows: result.rows, truncated: result.truncated }, () =>
          [
            table(
              result.columns,
              result.rows.map((row) =>
                row.map((v) =>
                  v === null || v === undefined
                    ? ""
                    : typeof v === "object"
                      ? JSON.stringify(v)
                      : String(v as string | number),
                ),
              ),
            ),
            `${result.rows.length} row(s)${result.truncated ? ` (limited to ${limit}; use --limit)` : ""}`,
          ].join("\n"),
        );
      });
    });
}

/**
 * The tables of every published expression store, as `query` views named `<dataset>_<table>` (the dataset's
 * name with anything but letters and digits turned into `_`): the current build's files, copied and verified
 * through the lake like every expression query's. A name two stores would share is left to the first.
 */
async function expressionViews(lake: Lake, config: LakeConfig): Promise<Record<string, string>> {
  const access = new LakeStoreAccess(lake, { cacheDir: defaultExpressionCacheDir(config.root) });
  const views: Record<string, string> = {};
  const tables = {
    genes: "genes",
    cells: "cells",
    values: "valuesByGene",
    group_stats: "groupStats",
  } as const;
  for (const manifest of await access.list()) {
    const build = await access.current(manifest.dataset);
    const prefix = manifest.dataset.replace(/[^A-Za-z0-9]+/g, "_");
    for (const [table, role] of Object.entries(tables)) {
      const file = build.files[role];
      if (file !== undefined) views[`${prefix}_${table}`] ??= file;
    }
  }
  return views;
}
