import type { Lake } from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { pageLinks } from "../http/page-links.js";
import { promotionJson, promotionPageSchema } from "../schemas/catalog-schemas.js";
import { cursorParam, errorResponses, limitParam } from "../schemas/common-schemas.js";

/** The lake's promotions (raw → processed → curated → archive), read from their provenance edges. */
export function promotionRoutes(lake: Lake): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/layers/promotions",
      {
        config: { scope: "read" },
        schema: {
          tags: ["catalog"],
          summary: "Promotions, newest first",
          description:
            "Every promotion of a dataset into the next layer (`POST /v1/layers/promote`, `omicslake promote`), with the promoted dataset's name, the layers it went from and to, and the run that copied it. `dataset` keeps the promotions into or out of one dataset.",
          querystring: z.object({
            dataset: z
              .string()
              .min(1)
              .max(256)
              .optional()
              .describe("Dataset id, name or `layer:name`")
              .meta({ example: "processed:gse2034" }),
            limit: limitParam,
            cursor: cursorParam,
          }),
          response: { 200: promotionPageSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { dataset, limit, cursor } = request.query;
        const datasetId = dataset === undefined ? undefined : (await lake.dataset(dataset)).id;
        const page = await lake.catalog.listPromotions({
          limit,
          ...(datasetId !== undefined ? { datasetId } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        });
        return {
          data: page.items.map(promotionJson),
          meta: { count: page.items.length, next_cursor: page.nextCursor },
          links: pageLinks(request, page.nextCursor),
        };
      },
    );
  };
}
