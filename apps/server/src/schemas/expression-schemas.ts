import { z } from "zod";
import { linksSchema, pageMetaSchema } from "./common-schemas.js";

/** A query value as Fastify hands it over: one string, or several when the parameter is repeated. */
export const queryValue = z.union([z.string().max(2000), z.array(z.string().max(2000)).max(10_000)]);

export const datasetParam = z.object({
  dataset: z
    .string()
    .min(1)
    .max(256)
    .describe("The expression dataset: the name of the processed matrix it was built from")
    .meta({ example: "demo-pbmc-counts" }),
});

export const methodParam = z.enum(["pearson", "spearman"]).default("pearson").describe("Correlation method");

export const cellTypeParam = z
  .union([z.string().max(500), z.array(z.string().max(500)).max(1000)])
  .optional()
  .describe("A value of the cell type column (`by`); repeat for cells of any of several");

export const byParam = z
  .string()
  .max(256)
  .optional()
  .describe("The column cell types are values of (default: the dataset's, usually `cell_type`)");

export const filtersBody = z
  .record(
    z.string().max(256),
    z.union([
      z.string().max(1000),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])).max(10_000),
      z.strictObject({
        in: z
          .array(z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
          .max(10_000)
          .optional(),
        min: z.union([z.number(), z.string().max(100)]).optional(),
        max: z.union([z.number(), z.string().max(100)]).optional(),
      }),
    ]),
  )
  .optional()
  .describe('Cell metadata conditions: `{Subject: "P1"}`, `{Subject: ["P1","P2"]}`, `{nCount: {min: 100}}`');

const geneNameSchema = z.object({
  gene: z.string(),
  gene_id: z.string().nullable(),
  symbol: z.string().nullable(),
  requested: z.string().optional(),
  same_symbol: z.array(z.string()).optional(),
});

const selectionEcho = {
  cells: z.object({ filter: z.record(z.string(), z.unknown()) }),
  by: z.string().optional(),
  cell_type: z.union([z.string(), z.array(z.string())]).optional(),
};

export const datasetSummarySchema = z
  .object({
    dataset: z.string(),
    build: z.number().int(),
    built_at: z.string(),
    source: z.object({ dataset: z.string(), matrix: z.string(), format: z.string() }),
    genes: z.number().int(),
    cells: z.number().int(),
    nonzeros: z.number().int(),
    value_type: z.string(),
    group_by: z.string().nullable(),
    groups: z.number().int(),
  })
  .meta({ id: "ExpressionDatasetSummary" });

const columnSchema = z.object({ name: z.string(), type: z.string() });

export const datasetDetailSchema = datasetSummarySchema
  .extend({
    groups: z.array(z.object({ value: z.string(), cells: z.number().int() })),
    cells_without_group: z.number().int(),
    gene_columns: z.array(columnSchema),
    cell_columns: z.array(columnSchema),
    duplicate_symbols: z.record(z.string(), z.array(z.string())),
  })
  .meta({ id: "ExpressionDataset" });

const rowSchema = z.record(z.string(), z.unknown());

export const rowPageSchema = z.object({ data: z.array(rowSchema), meta: pageMetaSchema, links: linksSchema });

export const correlationSchema = z
  .object({
    dataset: z.string(),
    build: z.number().int(),
    method: z.enum(["pearson", "spearman"]),
    gene_a: geneNameSchema,
    gene_b: geneNameSchema,
    r: z.number().nullable().describe("Null when undefined (see undefined_reason)"),
    n: z.number().int().describe("Cells the statistic is over, zeros included"),
    n_both_expressing: z.number().int(),
    mean_a: z.number(),
    mean_b: z.number(),
    undefined_reason: z.enum(["constant", "zero_mean", "too_few_cells"]).optional(),
    ...selectionEcho,
  })
  .meta({ id: "ExpressionCorrelation" });

export const topCorrelationSchema = z
  .object({
    dataset: z.string(),
    build: z.number().int(),
    gene: geneNameSchema,
    method: z.enum(["pearson", "spearman"]),
    order: z.enum(["r", "abs"]),
    n: z.number().int(),
    undefined_genes: z.number().int(),
    data: z.array(
      z.object({
        gene: z.string(),
        gene_id: z.string().nullable(),
        r: z.number(),
        n_both_expressing: z.number(),
      }),
    ),
    ...selectionEcho,
  })
  .meta({ id: "ExpressionTopCorrelation" });

export const variabilitySchema = z
  .object({
    dataset: z.string(),
    build: z.number().int(),
    data: z.array(
      z.object({
        gene: z.string(),
        gene_id: z.string().nullable(),
        cv: z.number().nullable().describe("Sample sd / mean; null when the mean is 0 (listed last)"),
        mean: z.number(),
        variance: z.number(),
        fraction: z.number(),
        n_expressing: z.number(),
        undefined_reason: z.enum(["constant", "zero_mean", "too_few_cells"]).optional(),
      }),
    ),
    meta: pageMetaSchema.extend({
      total: z.number().int(),
      n_cells: z.number().int(),
      min_mean: z.number(),
      group: z.union([z.string(), z.array(z.string())]).nullable(),
      by: z.string().nullable(),
      cells: z.object({ filter: z.record(z.string(), z.unknown()) }),
    }),
    links: linksSchema,
  })
  .meta({ id: "ExpressionVariability" });

export const aggregatesSchema = z
  .object({
    dataset: z.string(),
    build: z.number().int(),
    by: z.string(),
    cells: z.object({ filter: z.record(z.string(), z.unknown()) }),
    data: z.array(
      z.object({
        group: z.string().nullable(),
        gene: z.string(),
        gene_id: z.string().nullable(),
        n_cells: z.number(),
        mean: z.number(),
        fraction: z.number(),
        sum: z.number(),
        mean_expressing: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: "ExpressionAggregates" });
