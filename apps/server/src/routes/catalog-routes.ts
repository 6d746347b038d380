import type { Lake } from "@omicslake/lake";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { pageLinks } from "../http/page-links.js";
import {
  datasetJson,
  datasetPageSchema,
  datasetSchema,
  layerSchema,
  objectJson,
  objectPageSchema,
  statsJson,
  statsSchema,
} from "../schemas/catalog-schemas.js";
import { cursorParam, errorResponses, limitParam } from "../schemas/common-schemas.js";

const datasetIdParam = z.object({
  id: z.string().describe("Numeric dataset id, a name, or `layer:name` (e.g. `processed:gse2034`)").meta({ example: "1" }),
});

/** Read routes over the catalog: search, stats, one dataset, its files and their bytes. */
export function catalogRoutes(lake: Lake): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/catalog",
      {
        schema: {
          tags: ["catalog"],
          summary: "Search datasets",
          description: "Keyset-paginated list of datasets, filtered by layer, source, tags and free text.",
          querystring: z.object({
            layer: layerSchema.optional(),
            source: z.string().optional().meta({ example: "geo" }),
            tag: z.union([z.string(), z.array(z.string())]).optional().describe("Repeat to require several tags"),
            q: z.string().max(200).optional().describe("Free text over name, external id, description and metadata"),
            external_id: z.string().optional().meta({ example: "GSE2034" }),
            limit: limitParam,
            cursor: cursorParam,
          }),
          response: { 200: datasetPageSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { tag, external_id, ...rest } = request.query;
        const tags = tag === undefined ? undefined : Array.isArray(tag) ? tag : [tag];
        const page = await lake.search({
          ...rest,
          ...(tags ? { tags } : {}),
          ...(external_id !== undefined ? { externalId: external_id } : {}),
        });
        return {
          data: page.items.map(datasetJson),
          meta: { count: page.items.length, next_cursor: page.nextCursor },
          links: pageLinks(request, page.nextCursor),
        };
      },
    );

    app.get(
      "/v1/catalog/stats",
      {
        schema: {
          tags: ["catalog"],
          summary: "Datasets, objects and bytes per layer and per source",
          response: { 200: statsSchema, ...errorResponses },
        },
      },
      async () => statsJson(await lake.stats()),
    );

    app.get(
      "/v1/catalog/:id",
      {
        schema: {
          tags: ["catalog"],
          summary: "One dataset",
          params: datasetIdParam,
          response: { 200: datasetSchema, ...errorResponses },
        },
      },
      async (request) => datasetJson(await lake.dataset(request.params.id)),
    );

    app.get(
      "/v1/catalog/:id/files",
      {
        schema: {
          tags: ["catalog"],
          summary: "The objects of a dataset",
          params: datasetIdParam,
          querystring: z.object({ limit: limitParam, cursor: cursorParam }),
          response: { 200: objectPageSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = await lake.listObjects(request.params.id, {
          limit: request.query.limit,
          ...(request.query.cursor !== undefined ? { cursor: request.query.cursor } : {}),
        });
        return {
          data: page.items.map(objectJson),
          meta: { count: page.items.length, next_cursor: page.nextCursor },
          links: pageLinks(request, page.nextCursor),
        };
      },
    );

    app.get(
      "/v1/catalog/:id/files/*",
      {
        schema: {
          tags: ["catalog"],
          summary: "Download one object",
          description:
            "On S3 storage, a redirect to a presigned URL; on the filesystem, the bytes streamed and verified against the recorded sha256.",
          params: datasetIdParam.extend({ "*": z.string().describe("Object name inside the dataset") }),
          response: {
            200: z.unknown().describe("The object's bytes"),
            302: z.null().describe("Redirect to a presigned URL"),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const dataset = await lake.dataset(request.params.id);
        const object = await lake.catalog.getObject(dataset.id, request.params["*"]);
        const filename = object.name.split("/").pop() ?? object.name;
        const link = await lake.store.downloadLink(object.key, { filename, expiresInSeconds: 900 });
        if (link.kind === "url") return reply.redirect(link.url, 302);
        const stream = await lake.readObject(object);
        return reply
          .header("content-type", object.mediaType ?? "application/octet-stream")
          .header("content-length", String(object.size))
          .header("etag", `"${object.sha256}"`)
          .header("x-checksum-sha256", object.sha256)
          .header("content-disposition", `attachment; filename="${filename.replace(/["\\]/g, "_")}"`)
          .send(stream);
      },
    );
  };
}
