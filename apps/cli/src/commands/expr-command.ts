import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Lake, LakeConfig } from "@omicslake/core";
import {
  buildConfiguredExpressionStore,
  filterFromArgs,
  openExpressionService,
  type CellSelection,
  type ExpressionService,
  type SubsetFormat,
  type SubsetShape,
} from "@omicslake/expression";
import type { Command } from "commander";
import { cancelOnSigint } from "../cancel-on-sigint.js";
import { UsageError } from "../cli-error.js";
import { cliIo } from "../cli-io.js";
import { withLake, type GlobalOptions } from "../context.js";
import { withLongCommand } from "../long-command.js";
import { table, type Output } from "../output/output.js";

interface SelectionOptions {
  cellType?: string[];
  by?: string;
  where?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function selectionOf(options: SelectionOptions): CellSelection {
  return {
    ...(options.cellType !== undefined && options.cellType.length > 0
      ? { cell_type: options.cellType.length === 1 ? options.cellType[0]! : options.cellType }
      : {}),
    ...(options.by !== undefined ? { by: options.by } : {}),
    ...(options.where !== undefined && options.where.length > 0
      ? { where: filterFromArgs(options.where) }
      : {}),
  };
}

function withSelection(command: Command): Command {
  return command
    .option(
      "--cell-type <type>",
      "only cells of this cell type (repeat for cells of any of several)",
      collect,
    )
    .option(
      "--by <column>",
      "the column cell types are values of (default: the dataset's, usually cell_type)",
    )
    .option(
      "--where <condition>",
      "a cell metadata condition: COLUMN=VALUE (repeat a column for any of several values), COLUMN>=N, COLUMN<=N",
      collect,
    );
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag} must be a whole number of 0 or more (0, 1, 2, …), got "${value}"`);
  return n;
}

function decimal(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${value}"`);
  return n;
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

function fixed(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return "-";
  return Number.isInteger(value) ? String(value) : value.toPrecision(digits);
}

/** Runs `fn` with the lake and an expression service over it, closing both. */
function withExpression<T>(
  command: Command,
  fn: (service: ExpressionService, out: Output, lake: Lake, config: LakeConfig) => Promise<T>,
): Promise<T> {
  return withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out, config) => {
    const service = await openExpressionService(lake, config);
    try {
      return await fn(service, out, lake, config);
    } finally {
      await service.close();
    }
  });
}

interface BuildOptions {
  matrix?: string;
  by?: string;
  genesOn?: string;
}

interface CorrOptions extends SelectionOptions {
  method?: string;
  top?: string;
  order?: string;
}

interface CvOptions extends SelectionOptions {
  limit?: string;
  minMean?: string;
  cursor?: string;
}

interface SubsetOptions extends SelectionOptions {
  genes?: string;
  cells?: string;
  format?: string;
  shape?: string;
  zeros?: boolean;
  output?: string;
}

export function registerExpr(program: Command): void {
  const expr = program
    .command("expr")
    .description(
      "expression analytics on converted matrices: build a store, then genes, correlation, variability, subsets",
    );

  expr
    .command("build")
    .description(
      "build (or rebuild, as a new version) the expression store of a processed matrix dataset: genes, cells with every metadata column, nonzeros laid out for one-gene and one-cell-type scans",
    )
    .argument("<name>", "the processed dataset holding the converted matrix")
    .option(
      "--matrix <matrix>",
      "which matrix: X, a layer name, or raw.X (default: the previous build's, else X)",
    )
    .option(
      "--by <column>",
      "the cell type column queries group by (default: the previous build's, else cell_type)",
    )
    .option("--genes-on <axis>", "for a matrix without gene/cell tables: genes on rows or columns")
    .action(async (name: string, options: BuildOptions, command: Command) => {
      if (options.genesOn !== undefined && options.genesOn !== "rows" && options.genesOn !== "columns")
        throw new UsageError(`--genes-on must be rows or columns, got "${options.genesOn}"`);
      await withLongCommand(command, async (lake, out, config, step) => {
        const result = await buildConfiguredExpressionStore(lake, config, name, {
          ...(options.matrix !== undefined ? { matrix: options.matrix } : {}),
          ...(options.by !== undefined ? { by: options.by } : {}),
          ...(options.genesOn !== undefined ? { genesOn: options.genesOn as "rows" | "columns" } : {}),
          ...step,
        });
        const m = result.manifest;
        out.data(result, () =>
          [
            `built ${m.dataset} build ${m.build}: ${m.counts.genes} genes × ${m.counts.cells} cells, ${m.counts.nonzeros} nonzeros (${m.source.format} ${m.source.matrix})`,
            m.groupBy === null
              ? "no cell type column: give --by COLUMN to group cells"
              : `cell types (${m.groupBy}): ${m.groups.map((g) => `${g.value} (${g.cells})`).join(", ")}`,
          ].join("\n"),
        );
      });
    });

  expr
    .command("ls")
    .description("list expression datasets with their current build")
    .action(async (_options: unknown, command: Command) => {
      await withExpression(command, async (service, out) => {
        const result = await service.list();
        out.data(result, () =>
          result.data.length === 0
            ? "no expression datasets: build one with omicslake expr build NAME"
            : table(
                ["DATASET", "BUILD", "GENES", "CELLS", "NONZEROS", "GROUP BY", "GROUPS", "BUILT"],
                result.data.map((d) => [
                  d.dataset,
                  d.build,
                  d.genes,
                  d.cells,
                  d.nonzeros,
                  d.group_by ?? "-",
                  d.groups,
                  d.built_at,
                ]),
              ),
        );
      });
    });

  expr
    .command("show")
    .description("one expression dataset: counts, cell types, columns, repeated symbols")
    .argument("<name>", "the expression dataset")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withExpression(command, async (service, out) => {
        const m = await service.manifest(name);
        out.data(m, () =>
          [
            `${m.dataset} build ${m.build}: ${m.genes} genes × ${m.cells} cells, ${m.nonzeros} nonzeros`,
            `cell columns: ${m.cell_columns.map((c) => `${c.name} (${c.type})`).join(", ")}`,
            m.group_by === null
              ? "no cell type column"
              : table(
                  [`${m.group_by.toUpperCase()}`, "CELLS"],
                  m.groups.map((g) => [g.value, g.cells]),
                ),
            ...Object.entries(m.duplicate_symbols).map(
              ([s, names]) => `repeated symbol ${s}: ${names.join(", ")}`,
            ),
          ].join("\n"),
        );
      });
    });

  expr
    .command("genes")
    .description("list genes with their all-cell statistics (search with --q)")
    .argument("<name>", "the expression dataset")
    .option("--q <text>", "substring of gene name, id or symbol (any case)")
    .option("--limit <n>", "genes per page (1-500, default 50)")
    .option("--cursor <cursor>", "the next page (meta.next_cursor of the previous one)")
    .action(
      async (name: string, options: { q?: string; limit?: string; cursor?: string }, command: Command) => {
        await withExpression(command, async (service, out) => {
          const limit = wholeNumber("--limit", options.limit);
          const page = await service.genes(name, {
            ...(options.q !== undefined ? { q: options.q } : {}),
            ...(limit !== undefined ? { limit } : {}),
            ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
          });
          out.data(page, () =>
            [
              table(
                ["GENE", "ID", "SYMBOL", "EXPRESSING", "MEAN"],
                page.data.map((g) => [g.gene, g.gene_id, g.symbol, g.n_expressing, fixed(g.mean)]),
              ),
              ...(page.meta.next_cursor !== null ? [`more: --cursor ${page.meta.next_cursor}`] : []),
            ].join("\n"),
          );
        });
      },
    );

  withSelection(
    expr
      .command("corr")
      .description(
        "correlation of two genes over cells (zeros included), or with --top K the genes most correlated with one",
      )
      .argument("<name>", "the expression dataset")
      .argument("<gene_a>", "a gene by name, id or symbol")
      .argument("[gene_b]", "the other gene (leave out with --top)")
      .option("--method <method>", "pearson (default) or spearman")
      .option("--top <k>", "list the k genes most correlated with gene_a (1-1000)")
      .option("--order <order>", "with --top: r (most positive first, default) or abs (largest |r|)"),
  ).action(
    async (
      name: string,
      geneA: string,
      geneB: string | undefined,
      options: CorrOptions,
      command: Command,
    ) => {
      if (options.method !== undefined && options.method !== "pearson" && options.method !== "spearman")
        throw new UsageError(`--method must be pearson or spearman, got "${options.method}"`);
      if (options.order !== undefined && options.order !== "r" && options.order !== "abs")
        throw new UsageError(`--order must be r or abs, got "${options.order}"`);
      const top = wholeNumber("--top", options.top);
      if ((top === undefined) === (geneB === undefined))
        throw new UsageError("give two genes, or one gene with --top K");
      await withExpression(command, async (service, out) => {
        const method = (options.method ?? "pearson") as "pearson" | "spearman";
        const selection = selectionOf(options);
        if (top !== undefined) {
          const result = await service.topCorrelated(name, {
            gene: geneA,
            top,
            method,
            ...(options.order !== undefined ? { order: options.order as "r" | "abs" } : {}),
            ...selection,
          });
          out.data(result, () =>
            [
              `${method} with ${result.gene.gene} over ${result.n} cells${result.undefined_genes > 0 ? ` (${result.undefined_genes} constant genes left out)` : ""}`,
              table(
                ["GENE", "ID", "R", "BOTH EXPRESSING"],
                result.data.map((row) => [row.gene, row.gene_id, fixed(row.r, 6), row.n_both_expressing]),
              ),
            ].join("\n"),
          );
          return;
        }
        const result = await service.correlation(name, {
          gene_a: geneA,
          gene_b: geneB!,
          method,
          ...selection,
        });
        out.data(result, () =>
          [
            `${method} r(${result.gene_a.gene}, ${result.gene_b.gene}) = ${fixed(result.r, 6)}${result.undefined_reason !== undefined ? ` (undefined: ${result.undefined_reason})` : ""}`,
            `n = ${result.n} cells, ${result.n_both_expressing} expressing both`,
            ...[result.gene_a, result.gene_b]
              .filter((g) => g.same_symbol !== undefined)
              .map((g) => `note: symbol ${g.symbol} is repeated: ${g.same_symbol!.join(", ")}`),
          ].join("\n"),
        );
      });
    },
  );

  withSelection(
    expr
      .command("cv")
      .description(
        "genes ranked by coefficient of variation (sample sd / mean, zeros included) within a cell type, with mean, variance and fraction expressing",
      )
      .argument("<name>", "the expression dataset")
      .option("--limit <n>", "genes to list (1-500, default 50)")
      .option("--min-mean <m>", "leave out genes whose mean is below m")
      .option("--cursor <cursor>", "the next page (meta.next_cursor of the previous one)"),
  ).action(async (name: string, options: CvOptions, command: Command) => {
    const limit = wholeNumber("--limit", options.limit);
    const minMean = decimal("--min-mean", options.minMean);
    await withExpression(command, async (service, out) => {
      const result = await service.variability(name, {
        ...selectionOf(options),
        ...(limit !== undefined ? { limit } : {}),
        ...(minMean !== undefined ? { min_mean: minMean } : {}),
        ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
      });
      out.data(result, () =>
        [
          `${result.meta.total} genes over ${result.meta.n_cells} cells${result.meta.group !== null ? ` of ${String(result.meta.group)}` : ""}`,
          table(
            ["GENE", "CV", "MEAN", "VARIANCE", "FRACTION", "EXPRESSING"],
            result.data.map((row) => [
              row.gene,
              fixed(row.cv),
              fixed(row.mean),
              fixed(row.variance),
              fixed(row.fraction),
              row.n_expressing,
            ]),
          ),
          ...(result.meta.next_cursor !== null ? [`more: --cursor ${result.meta.next_cursor}`] : []),
        ].join("\n"),
      );
    });
  });

  withSelection(
    expr
      .command("agg")
      .description("mean and fraction expressing per gene per cell type (zeros included), with sums")
      .argument("<name>", "the expression dataset")
      .requiredOption("--genes <genes>", "genes by name, id or symbol, comma-separated"),
  ).action(async (name: string, options: SelectionOptions & { genes: string }, command: Command) => {
    await withExpression(command, async (service, out) => {
      const result = await service.aggregates(name, { genes: list(options.genes), ...selectionOf(options) });
      out.data(result, () =>
        table(
          [result.by.toUpperCase(), "GENE", "CELLS", "MEAN", "FRACTION", "SUM"],
          result.data.map((row) => [
            row.group ?? "(none)",
            row.gene,
            row.n_cells,
            fixed(row.mean),
            fixed(row.fraction),
            fixed(row.sum),
          ]),
        ),
      );
    });
  });

  withSelection(
    expr
      .command("subset")
      .description("write genes × cells as CSV, JSON or an Arrow stream (long or wide), streamed")
      .argument("<name>", "the expression dataset")
      .requiredOption("--genes <genes>", "genes by name, id or symbol, comma-separated")
      .option("--cells <cells>", "cells by name, comma-separated (instead of --cell-type and --where)")
      .option("--format <format>", "csv (default), json or arrow")
      .option(
        "--shape <shape>",
        "long (gene,cell,value; default) or wide (a row per cell, a column per gene)",
      )
      .option("--zeros", "long shape: list zeros too")
      .option("-o, --output <file>", "write to this file instead of stdout"),
  ).action(async (name: string, options: SubsetOptions, command: Command) => {
    const format = (options.format ?? "csv") as SubsetFormat;
    if (!["csv", "json", "arrow"].includes(format))
      throw new UsageError(`--format must be csv, json or arrow, got "${options.format}"`);
    const shape = (options.shape ?? "long") as SubsetShape;
    if (shape !== "long" && shape !== "wide")
      throw new UsageError(`--shape must be long or wide, got "${options.shape}"`);
    const stdout = cliIo().stdout;
    if (format === "arrow" && options.output === undefined && (stdout as { isTTY?: boolean }).isTTY === true)
      throw new UsageError("an Arrow stream is binary: write it to a file with -o FILE or pipe it");
    await cancelOnSigint((signal) =>
      withExpression(command, async (service) => {
        const stream = await service.subset(
          name,
          {
            genes: list(options.genes),
            ...(options.cells !== undefined ? { cells: list(options.cells) } : {}),
            ...selectionOf(options),
            layout: { format, shape, zeros: options.zeros === true },
          },
          signal,
        );
        const sink = options.output === undefined ? stdout : createWriteStream(options.output);
        for await (const chunk of stream.body) {
          if (!sink.write(chunk)) await once(sink, "drain");
        }
        if (sink !== stdout) {
          const file = sink as ReturnType<typeof createWriteStream>;
          file.end();
          await once(file, "finish");
        }
      }),
    );
  });
}
