import type { Lake } from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ObjectDownloader } from "../http/object-download.js";
import { pageLinks } from "../http/page-links.js";
import {
  datasetJson,
  datasetPageSchema,
  datasetSchema,
  layerSchema,
  objectJson,
  objectPageSchema,
  schemaVersionJson,
  schemaVersionSchema,
  statsJson,
  statsSchema,
} from "../schemas/catalog-schemas.js";
import { cursorParam, errorResponses, errorSchema, limitParam } from "../schemas/common-schemas.js";

const datasetIdParam = z.object({
  id: z
    .string()
    .max(256)
    .describe("Numeric dataset id, a name, or `layer:name` (e.g. `processed:gse2034`)")
    .meta({ example: "1" }),
});

/** Read routes over the catalog: search, stats, one dataset, its files and their bytes. */
export function catalogRoutes(lake: Lake, downloader: ObjectDownloader): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/catalog",
      {
        config: { scope: "read" },
        schema: {
          tags: ["catalog"],
          summary: "Search datasets",
          description: "Keyset-paginated list of datasets, filtered by layer, source, tags and free text.",
          querystring: z.object({
            layer: layerSchema.optional(),
            source: z.string().max(100).optional().meta({ example: "geo" }),
            tag: z
              .union([z.string().max(100), z.array(z.string().max(100)).max(20)])
              .optional()
              .describe("Repeat to require several tags"),
            q: z
              .string()
              .max(200)
              .optional()
              .describe("Free text over name, external id, description and metadata"),
            external_id: z.string().max(200).optional().meta({ example: "GSE2034" }),
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
        config: { scope: "read" },
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
        config: { scope: "read" },
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
        config: { scope: "read" },
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
      "/v1/catalog/:id/schemas",
      {
        config: { scope: "read" },
        schema: {
          tags: ["catalog"],
          summary: "The schema versions of a dataset's tables",
          description:
            "Every recorded version of each table's fields, by table then version, each with what changed from the version before it (added, removed and retyped fields). A new version is recorded only when a table's fields change.",
          params: datasetIdParam,
          querystring: z.object({
            table: z.string().min(1).max(512).optional().describe("Only this table's versions"),
          }),
          response: { 200: z.object({ data: z.array(schemaVersionSchema) }), ...errorResponses },
        },
      },
      async (request) => {
        const dataset = await lake.dataset(request.params.id);
        const versions = await lake.catalog.listSchemaVersions(dataset.id, request.query.table);
        return { data: versions.map(schemaVersionJson) };
      },
    );

    app.get(
      "/v1/catalog/:id/files/*",
      {
        config: { scope: "read" },
        schema: {
          tags: ["catalog"],
          summary: "Download one object",
          description:
            "On S3 storage, a redirect to a presigned URL. On the filesystem, the bytes, verified against the recorded sha256 before the last of them is sent (a mismatch cuts the response short); `Range` (one range: 206, or 416) is served from a file verified whole, and the sha256 is the ETag (`If-None-Match` → 304, `If-Range`).",
          params: datasetIdParam.extend({
            "*": z.string().min(1).max(1024).describe("Object name inside the dataset"),
          }),
          response: {
            200: z.unknown().describe("The object's bytes"),
            206: z.unknown().describe("The requested range of the object's bytes"),
            302: z.null().describe("Redirect to a presigned URL"),
            304: z.null().describe("The client's copy (If-None-Match) is current"),
            ...errorResponses,
            416: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const dataset = await lake.dataset(request.params.id);
        const object = await lake.catalog.getObject(dataset.id, request.params["*"]);
        if (lake.store.kind !== "fs") {
          const filename = object.name.split("/").pop() ?? object.name;
          const link = await lake.store.downloadLink(object.key, { filename, expiresInSeconds: 900 });
          if (link.kind === "url") return reply.redirect(link.url, 302);
        }
        return downloader.send(request, reply, object);
      },
    );
  };
}
