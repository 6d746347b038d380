import type { Lake } from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { pageLinks } from "../http/page-links.js";
import {
  RUN_STATUSES,
  graphJson,
  graphSchema,
  runJson,
  runPageSchema,
  runSchema,
} from "../schemas/catalog-schemas.js";
import { cursorParam, errorResponses, limitParam } from "../schemas/common-schemas.js";

const idParam = z.object({
  id: z.string().max(256).describe("Dataset id, name or `layer:name`").meta({ example: "1" }),
});

/** Provenance (lineage and full graph) and the run records behind it. */
export function provenanceRoutes(lake: Lake): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/provenance/:id",
      {
        config: { scope: "read" },
        schema: {
          tags: ["provenance"],
          summary: "Lineage: the ancestors of a dataset",
          params: idParam,
          response: { 200: graphSchema, ...errorResponses },
        },
      },
      async (request) => graphJson(await lake.lineage(request.params.id)),
    );

    app.get(
      "/v1/provenance/:id/graph",
      {
        config: { scope: "read" },
        schema: {
          tags: ["provenance"],
          summary: "Ancestors and descendants of a dataset",
          params: idParam,
          response: { 200: graphSchema, ...errorResponses },
        },
      },
      async (request) => graphJson(await lake.provenanceGraph(request.params.id)),
    );

    app.get(
      "/v1/runs",
      {
        config: { scope: "read" },
        schema: {
          tags: ["provenance"],
          summary: "Runs, newest first",
          querystring: z.object({
            step: z.string().max(100).optional(),
            status: z.enum(RUN_STATUSES).optional(),
            asset: z
              .string()
              .max(300)
              .optional()
              .describe("Only runs that materialized this asset key")
              .meta({ example: "geo/processed" }),
            partition: z
              .string()
              .max(300)
              .optional()
              .describe("Only runs that materialized this partition")
              .meta({ example: "2024-05" }),
            dataset: z.coerce
              .number()
              .int()
              .positive()
              .max(2_147_483_647)
              .optional()
              .describe(
                "Only runs that wrote this dataset: created it, versioned it, fed a lineage edge into it or deleted it",
              ),
            limit: limitParam,
            cursor: cursorParam,
          }),
          response: { 200: runPageSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { limit, cursor, step, status, asset, partition, dataset } = request.query;
        const page = await lake.catalog.listRuns({
          limit,
          ...(cursor !== undefined ? { cursor } : {}),
          ...(step !== undefined ? { step } : {}),
          ...(status !== undefined ? { status } : {}),
          ...(asset !== undefined ? { asset } : {}),
          ...(partition !== undefined ? { partition } : {}),
          ...(dataset !== undefined ? { dataset } : {}),
        });
        return {
          data: page.items.map(runJson),
          meta: { count: page.items.length, next_cursor: page.nextCursor },
          links: pageLinks(request, page.nextCursor),
        };
      },
    );

    app.get(
      "/v1/runs/:id",
      {
        config: { scope: "read" },
        schema: {
          tags: ["provenance"],
          summary: "One run",
          params: z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) }),
          response: { 200: runSchema, ...errorResponses },
        },
      },
      async (request) => runJson(await lake.catalog.getRun(request.params.id)),
    );
  };
}
