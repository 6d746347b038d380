import { Readable } from "node:stream";
import { ValidationError } from "@omicslake/core";
import {
  WHERE_PREFIX,
  filterFromJson,
  filterFromQuery,
  type ExpressionProvider,
  type ExpressionService,
  type RawFilter,
  type SubsetFormat,
} from "@omicslake/expression";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { pageLinks } from "../http/page-links.js";
import { cursorParam, errorResponses, errorSchema } from "../schemas/common-schemas.js";
import {
  aggregatesSchema,
  byParam,
  cellTypeParam,
  correlationSchema,
  datasetDetailSchema,
  datasetParam,
  datasetSummarySchema,
  filtersBody,
  methodParam,
  queryValue,
  rowPageSchema,
  topCorrelationSchema,
  variabilitySchema,
} from "../schemas/expression-schemas.js";

const TAG = ["expression"];
const WHERE_DOC =
  "Cell metadata filters are query parameters `where.COLUMN=VALUE` (repeat for any of several values), `where.COLUMN.min=N` and `where.COLUMN.max=N` (inclusive). Any other unknown parameter is refused with 400.";

const limitQuery = z.coerce
  .number()
  .int()
  .min(1)
  .max(500)
  .optional()
  .describe("Page size (1–500, default 50)");
const errors = { ...errorResponses, 409: errorSchema, 503: errorSchema };

/**
 * Refuses query parameters a route does not know, naming the ones it does: a typo (`celltype=`) must not
 * silently widen a statistic to every cell. `where.` parameters are the filters and always allowed.
 */
function rejectUnknownParameters(query: Readonly<Record<string, unknown>>, allowed: readonly string[]): void {
  const unknown = Object.keys(query).filter((key) => !allowed.includes(key) && !key.startsWith(WHERE_PREFIX));
  if (unknown.length > 0)
    throw new ValidationError(`unknown query parameter "${unknown[0]}"`, {
      details: { parameter: unknown[0], allowed: [...allowed, `${WHERE_PREFIX}COLUMN`] },
      hint: `Allowed: ${allowed.join(", ")}, and filters ${WHERE_PREFIX}COLUMN=VALUE, ${WHERE_PREFIX}COLUMN.min=N, ${WHERE_PREFIX}COLUMN.max=N`,
    });
}

function hasWhere(query: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(query).some((key) => key.startsWith(WHERE_PREFIX));
}

/** A repeated or comma-separated list parameter (`genes=A,B` or `genes=A&genes=B`). */
function listParam(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (typeof value === "string" ? [value] : value).flatMap((v) => v.split(","));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

async function queryFilter(
  service: ExpressionService,
  dataset: string,
  query: Readonly<Record<string, unknown>>,
  kind: "cell" | "gene" = "cell",
): Promise<RawFilter | undefined> {
  if (!hasWhere(query)) return undefined;
  return filterFromQuery(query, await service.columns(dataset, kind));
}

const MEDIA_FORMATS: readonly [string, SubsetFormat][] = [
  ["application/vnd.apache.arrow.stream", "arrow"],
  ["text/csv", "csv"],
  ["application/json", "json"],
];

/** format= wins; else the first media type of Accept the route serves; else JSON (never 406). */
function subsetFormat(format: SubsetFormat | undefined, accept: string | undefined): SubsetFormat {
  if (format !== undefined) return format;
  for (const part of (accept ?? "").split(",")) {
    const type = part.split(";")[0]!.trim().toLowerCase();
    const hit = MEDIA_FORMATS.find(([media]) => media === type);
    if (hit !== undefined) return hit[1];
  }
  return "json";
}

/**
 * Sends a stream whose first chunk is already read: an error in the first query (an engine that is down)
 * still becomes an error response, not a cut-off body. A client that goes away aborts the query.
 */
async function sendStream(
  reply: FastifyReply,
  abort: AbortController,
  mediaType: string,
  body: AsyncIterable<string | Uint8Array>,
) {
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* rest(): AsyncGenerator<string | Uint8Array> {
    try {
      if (first.done !== true) yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  const stream = Readable.from(rest(), { objectMode: false });
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) abort.abort(new Error("the client closed the connection"));
  });
  return reply.type(mediaType).send(stream);
}

function abortOnClose(request: FastifyRequest): AbortController {
  const abort = new AbortController();
  request.raw.once("close", () => {
    if (request.raw.destroyed && !request.raw.complete) abort.abort();
  });
  return abort;
}

/** The expression analytics API: datasets, genes, cells, subsets and statistics with implicit zeros. */
export function expressionRoutes(provider: ExpressionProvider): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onClose", async () => {
      await provider.close();
    });

    app.get(
      "/v1/expression",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "Expression datasets",
          description: "Every built expression dataset with its current build's counts.",
          response: { 200: z.object({ data: z.array(datasetSummarySchema) }), ...errors },
        },
      },
      async () => (await provider.service()).list(),
    );

    app.get(
      "/v1/expression/:dataset",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "One expression dataset",
          description:
            "Counts, cell types (groups) with their sizes, gene and cell columns, and repeated symbols.",
          params: datasetParam,
          response: { 200: datasetDetailSchema, ...errors },
        },
      },
      async (request) => (await provider.service()).manifest(request.params.dataset),
    );

    const genesAllowed = ["q", "limit", "cursor"];
    app.get(
      "/v1/expression/:dataset/genes",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "Genes, with all-cell statistics",
          description: `Keyset-paginated genes. q matches gene, gene_id or symbol (substring, any case). Gene column filters use where.COLUMN like cell filters. ${WHERE_DOC}`,
          params: datasetParam,
          querystring: z
            .object({
              q: z.string().max(200).optional(),
              limit: limitQuery,
              cursor: cursorParam,
            })
            .catchall(queryValue),
          response: { 200: rowPageSchema, ...errors },
        },
      },
      async (request) => {
        rejectUnknownParameters(request.query, genesAllowed);
        const service = await provider.service();
        const { dataset } = request.params;
        const where = await queryFilter(service, dataset, request.query, "gene");
        const page = await service.genes(dataset, {
          ...(request.query.q !== undefined ? { q: request.query.q } : {}),
          ...(request.query.limit !== undefined ? { limit: request.query.limit } : {}),
          ...(request.query.cursor !== undefined ? { cursor: request.query.cursor } : {}),
          ...(where !== undefined ? { where } : {}),
        });
        return { ...page, links: pageLinks(request, page.meta.next_cursor) };
      },
    );

    app.get(
      "/v1/expression/:dataset/genes/:gene",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "One gene",
          description:
            "By unique name (LYZ.1), id or symbol (a repeated symbol gives its first name and lists the others in same_symbol), any case. An unknown gene is 404 with close matches.",
          params: datasetParam.extend({ gene: z.string().min(1).max(256) }),
          response: { 200: z.record(z.string(), z.unknown()), ...errors },
        },
      },
      async (request) => (await provider.service()).gene(request.params.dataset, request.params.gene),
    );

    const cellsAllowed = ["cell_type", "by", "limit", "cursor"];
    app.get(
      "/v1/expression/:dataset/cells",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "Cells with their metadata",
          description: `Keyset-paginated cells in cell order. ${WHERE_DOC}`,
          params: datasetParam,
          querystring: z
            .object({ cell_type: cellTypeParam, by: byParam, limit: limitQuery, cursor: cursorParam })
            .catchall(queryValue),
          response: { 200: rowPageSchema, ...errors },
        },
      },
      async (request) => {
        rejectUnknownParameters(request.query, cellsAllowed);
        const service = await provider.service();
        const { dataset } = request.params;
        const where = await queryFilter(service, dataset, request.query);
        const { cell_type, by, limit, cursor } = request.query;
        const page = await service.cells(dataset, {
          ...(where !== undefined ? { where } : {}),
          ...(cell_type !== undefined ? { cell_type } : {}),
          ...(by !== undefined ? { by } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        });
        return { ...page, links: pageLinks(request, page.meta.next_cursor) };
      },
    );

    const matrixAllowed = ["genes", "cells", "cell_type", "by", "format", "shape", "zeros"];
    app.get(
      "/v1/expression/:dataset/matrix",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "A genes × cells subset, streamed",
          description: `genes (comma-separated or repeated) × cells (by name with cells=, or by cell_type and filters; all cells when none). format json|csv|arrow (or Accept: application/json, text/csv, application/vnd.apache.arrow.stream); shape long (gene, cell, value; nonzeros unless zeros=true) or wide (wide JSON: {genes, cells, values[gene][cell]}; wide CSV: a row per cell, a column per gene; zeros included). Arrow is long only. A subset above the server's max_result_values is refused with 400 before anything is sent. ${WHERE_DOC}`,
          params: datasetParam,
          querystring: z
            .object({
              genes: queryValue.describe("Genes by name, id or symbol: A,B or repeated"),
              cells: queryValue.optional().describe("Cells by name: c1,c2 or repeated"),
              cell_type: cellTypeParam,
              by: byParam,
              format: z.enum(["json", "csv", "arrow"]).optional(),
              shape: z.enum(["long", "wide"]).default("long"),
              zeros: z.enum(["true", "false"]).default("false").describe("Long shape: list zeros too"),
            })
            .catchall(queryValue),
          response: {
            200: z.unknown().describe("The subset in the chosen format"),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        rejectUnknownParameters(request.query, matrixAllowed);
        const service = await provider.service();
        const { dataset } = request.params;
        const where = await queryFilter(service, dataset, request.query);
        const q = request.query;
        const genes = listParam(q.genes) ?? [];
        const cells = listParam(q.cells);
        const abort = abortOnClose(request);
        const stream = await service.subset(
          dataset,
          {
            genes,
            ...(cells !== undefined ? { cells } : {}),
            ...(where !== undefined ? { where } : {}),
            ...(q.cell_type !== undefined ? { cell_type: q.cell_type } : {}),
            ...(q.by !== undefined ? { by: q.by } : {}),
            layout: {
              format: subsetFormat(q.format, request.headers.accept),
              shape: q.shape,
              zeros: q.zeros === "true",
            },
          },
          abort.signal,
        );
        return sendStream(reply, abort, stream.mediaType, stream.body);
      },
    );

    const correlationAllowed = ["gene_a", "gene_b", "gene", "top", "order", "method", "cell_type", "by"];
    const correlationResponse = z.union([correlationSchema, topCorrelationSchema]);
    const correlationDoc =
      "Pearson or Spearman correlation over the selected cells, zeros included: of two genes (gene_a, gene_b), or of one gene with every other (gene and top: the top k, at most 1000, by r or by |r| with order=abs). Cells: cell_type (or several: any of them), by, and filters.";
    app.get(
      "/v1/expression/:dataset/correlation",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "Correlation of two genes, or one gene's top correlated genes",
          description: `${correlationDoc} ${WHERE_DOC}`,
          params: datasetParam,
          querystring: z
            .object({
              gene_a: z.string().max(256).optional(),
              gene_b: z.string().max(256).optional(),
              gene: z.string().max(256).optional(),
              top: z.coerce.number().int().min(1).max(1000).optional(),
              order: z.enum(["r", "abs"]).optional(),
              method: methodParam,
              cell_type: cellTypeParam,
              by: byParam,
            })
            .catchall(queryValue),
          response: { 200: correlationResponse, ...errors },
        },
      },
      async (request) => {
        rejectUnknownParameters(request.query, correlationAllowed);
        const service = await provider.service();
        const { dataset } = request.params;
        const where = await queryFilter(service, dataset, request.query);
        return correlate(service, dataset, { ...request.query, ...(where !== undefined ? { where } : {}) });
      },
    );

    app.post(
      "/v1/expression/:dataset/correlation",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "Correlation (request body)",
          description: `${correlationDoc} The body also takes cell_types: [...] (cells of any of those types) and filters: {COLUMN: value | [values] | {min, max}}.`,
          params: datasetParam,
          body: z.strictObject({
            gene_a: z.string().max(256).optional(),
            gene_b: z.string().max(256).optional(),
            gene: z.string().max(256).optional(),
            top: z.number().int().min(1).max(1000).optional(),
            order: z.enum(["r", "abs"]).optional(),
            method: methodParam,
            cell_type: z.string().max(500).optional(),
            cell_types: z.array(z.string().max(500)).min(1).max(1000).optional(),
            by: byParam,
            filters: filtersBody,
          }),
          response: { 200: correlationResponse, ...errors },
        },
      },
      async (request) => {
        const { cell_types, cell_type, filters, ...rest } = request.body;
        if (cell_types !== undefined && cell_type !== undefined)
          throw new ValidationError("give cell_type or cell_types, not both");
        const types = cell_types ?? cell_type;
        return correlate(await provider.service(), request.params.dataset, {
          ...rest,
          ...(types !== undefined ? { cell_type: types } : {}),
          ...(filters !== undefined ? { where: filterFromJson(filters) } : {}),
        });
      },
    );

    const variabilityAllowed = ["cell_type", "by", "min_mean", "limit", "cursor"];
    const variabilityDoc =
      "Genes ranked by coefficient of variation (sample sd / mean, zeros included) over the selected cells, most variable first, with mean, variance, fraction expressing; genes with mean 0 (cv null) come last. min_mean leaves out genes with a lower mean. Keyset-paginated.";
    app.get(
      "/v1/expression/:dataset/variability",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "Most variable genes within a cell type",
          description: `${variabilityDoc} ${WHERE_DOC}`,
          params: datasetParam,
          querystring: z
            .object({
              cell_type: cellTypeParam,
              by: byParam,
              min_mean: z.coerce.number().min(0).max(Number.MAX_VALUE).optional(),
              limit: limitQuery,
              cursor: cursorParam,
            })
            .catchall(queryValue),
          response: { 200: variabilitySchema, ...errors },
        },
      },
      async (request) => {
        rejectUnknownParameters(request.query, variabilityAllowed);
        const service = await provider.service();
        const { dataset } = request.params;
        const where = await queryFilter(service, dataset, request.query);
        const { cell_type, by, min_mean, limit, cursor } = request.query;
        const result = await service.variability(dataset, {
          ...(where !== undefined ? { where } : {}),
          ...(cell_type !== undefined ? { cell_type } : {}),
          ...(by !== undefined ? { by } : {}),
          ...(min_mean !== undefined ? { min_mean } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        });
        return { ...result, links: pageLinks(request, result.meta.next_cursor) };
      },
    );

    app.post(
      "/v1/expression/:dataset/variability",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "Most variable genes (request body)",
          description: `${variabilityDoc} The body is {cell_type, limit, by?, min_mean?, cursor?, filters?}.`,
          params: datasetParam,
          body: z.strictObject({
            cell_type: z
              .union([z.string().max(500), z.array(z.string().max(500)).min(1).max(1000)])
              .optional(),
            by: byParam,
            min_mean: z.number().min(0).optional(),
            limit: z.number().int().min(1).max(500).optional(),
            cursor: cursorParam,
            filters: filtersBody,
          }),
          response: { 200: variabilitySchema, ...errors },
        },
      },
      async (request) => {
        const { filters, ...rest } = request.body;
        const result = await (
          await provider.service()
        ).variability(request.params.dataset, {
          ...rest,
          ...(filters !== undefined ? { where: filterFromJson(filters) } : {}),
        });
        return { ...result, links: { self: request.url, next: null } };
      },
    );

    const aggregatesAllowed = ["genes", "cell_type", "by"];
    app.get(
      "/v1/expression/:dataset/aggregates",
      {
        config: { scope: "read" },
        schema: {
          tags: TAG,
          summary: "Mean and fraction expressing per gene per cell type",
          description: `For each gene and each value of by (default: the dataset's cell type column): cells, mean (zeros included), fraction expressing, sum (pseudobulk) and mean over expressing cells. ${WHERE_DOC}`,
          params: datasetParam,
          querystring: z
            .object({
              genes: queryValue.describe("Genes by name, id or symbol: A,B or repeated"),
              cell_type: cellTypeParam,
              by: byParam,
            })
            .catchall(queryValue),
          response: { 200: aggregatesSchema, ...errors },
        },
      },
      async (request) => {
        rejectUnknownParameters(request.query, aggregatesAllowed);
        const service = await provider.service();
        const { dataset } = request.params;
        const where = await queryFilter(service, dataset, request.query);
        const { cell_type, by } = request.query;
        return service.aggregates(dataset, {
          genes: listParam(request.query.genes) ?? [],
          ...(where !== undefined ? { where } : {}),
          ...(cell_type !== undefined ? { cell_type } : {}),
          ...(by !== undefined ? { by } : {}),
        });
      },
    );
  };
}

interface CorrelationInput {
  gene_a?: string | undefined;
  gene_b?: string | undefined;
  gene?: string | undefined;
  top?: number | undefined;
  order?: "r" | "abs" | undefined;
  method: "pearson" | "spearman";
  cell_type?: string | readonly string[] | undefined;
  by?: string | undefined;
  where?: RawFilter;
}

/** A pair (gene_a and gene_b) or one gene's top k (gene and top), never a mix of the two. */
function correlate(service: ExpressionService, dataset: string, input: CorrelationInput) {
  const { gene_a, gene_b, gene, top, order, method, cell_type, by, where } = input;
  const selection = {
    ...(cell_type !== undefined ? { cell_type } : {}),
    ...(by !== undefined ? { by } : {}),
    ...(where !== undefined ? { where } : {}),
  };
  if (gene_a !== undefined && gene_b !== undefined && gene === undefined && top === undefined)
    return service.correlation(dataset, { gene_a, gene_b, method, ...selection });
  if (gene !== undefined && top !== undefined && gene_a === undefined && gene_b === undefined)
    return service.topCorrelated(dataset, {
      gene,
      top,
      method,
      ...(order !== undefined ? { order } : {}),
      ...selection,
    });
  throw new ValidationError("give gene_a and gene_b (a pair), or gene and top (the top correlated genes)", {
    details: { gene_a: gene_a ?? null, gene_b: gene_b ?? null, gene: gene ?? null, top: top ?? null },
  });
}
