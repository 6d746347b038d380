import type { Readable } from "node:stream";
import { IntegrityError, OmicslakeError, type Lake } from "@omicslake/lake";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { WRITE_SCOPE, type ApiKeyAuth } from "../http/api-key-auth.js";
import { datasetJson, datasetSchema, layerSchema, objectJson, objectSchema } from "../schemas/catalog-schemas.js";
import { errorSchema } from "../schemas/common-schemas.js";

const writeErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema } as const;
const security = [{ apiKey: [] }];
const idParam = z.object({ id: z.string().describe("Dataset id, name or `layer:name`") });

/** Writes to the catalog; every route needs an API key with the `write` scope. */
export function catalogWriteRoutes(lake: Lake, auth: ApiKeyAuth): FastifyPluginAsyncZod {
  return async (app) => {
    // Object uploads stream straight into the store: the body is handed over unparsed.
    app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));

    app.post(
      "/v1/catalog",
      {
        schema: {
          tags: ["catalog"],
          summary: "Create a dataset",
          security,
          body: z.object({
            name: z.string().meta({ example: "gse2034" }),
            layer: layerSchema.default("raw"),
            source: z.string().optional().meta({ example: "geo" }),
            external_id: z.string().optional().meta({ example: "GSE2034" }),
            description: z.string().optional(),
            metadata: z.record(z.string(), z.unknown()).optional(),
            tags: z.array(z.string()).optional(),
          }),
          response: { 201: datasetSchema, ...writeErrors },
        },
      },
      async (request, reply) => {
        await auth.requireScope(request, WRITE_SCOPE);
        const body = request.body;
        const dataset = await lake.createDataset({
          name: body.name,
          layer: body.layer,
          ...(body.source !== undefined ? { source: body.source } : {}),
          ...(body.external_id !== undefined ? { externalId: body.external_id } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
          ...(body.tags !== undefined ? { tags: body.tags } : {}),
        });
        return reply.status(201).send(datasetJson(dataset));
      },
    );

    app.patch(
      "/v1/catalog/:id",
      {
        schema: {
          tags: ["catalog"],
          summary: "Update a dataset's description, metadata or tags",
          security,
          params: idParam,
          body: z.object({
            description: z.string().nullable().optional(),
            metadata: z.record(z.string(), z.unknown()).optional(),
            tags: z.array(z.string()).optional(),
          }),
          response: { 200: datasetSchema, ...writeErrors },
        },
      },
      async (request) => {
        await auth.requireScope(request, WRITE_SCOPE);
        const dataset = await lake.dataset(request.params.id);
        const { description, metadata, tags } = request.body;
        const updated = await lake.catalog.updateDataset(dataset.id, {
          ...(description !== undefined ? { description } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
          ...(tags !== undefined ? { tags } : {}),
        });
        return datasetJson(updated);
      },
    );

    app.put(
      "/v1/catalog/:id/files/*",
      {
        bodyLimit: Number.MAX_SAFE_INTEGER,
        schema: {
          tags: ["catalog"],
          summary: "Upload an object (streamed; sha256 computed on the way in)",
          description:
            "Send the bytes with `Content-Type: application/octet-stream`. An `X-Checksum-Sha256` header makes the upload fail, leaving nothing, if the bytes differ. Raw objects cannot be replaced.",
          security,
          params: idParam.extend({ "*": z.string().describe("Object name inside the dataset") }),
          response: { 201: objectSchema, ...writeErrors },
        },
      },
      async (request, reply) => {
        await auth.requireScope(request, WRITE_SCOPE);
        const expected = request.headers["x-checksum-sha256"];
        const object = await lake
          .addObject(request.params.id, {
            name: request.params["*"],
            body: request.body as Readable,
            ...(typeof expected === "string" ? { expectedSha256: expected.toLowerCase() } : {}),
          })
          .catch((error: unknown) => {
            // Here a checksum mismatch means the client sent other bytes than it announced: its error, not ours.
            if (error instanceof IntegrityError) {
              throw new OmicslakeError("checksum_mismatch", error.message, {
                details: { ...error.details },
                hint: "Nothing was stored; check the file and its X-Checksum-Sha256 and upload again",
                cause: error,
              });
            }
            throw error;
          });
        return reply.status(201).send(objectJson(object));
      },
    );

    app.delete(
      "/v1/catalog/:id",
      {
        schema: {
          tags: ["catalog"],
          summary: "Delete a dataset and its objects (refused in raw)",
          security,
          params: idParam,
          response: { 204: z.null(), ...writeErrors },
        },
      },
      async (request, reply) => {
        await auth.requireScope(request, WRITE_SCOPE);
        await lake.deleteDataset(request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/v1/layers/promote",
      {
        schema: {
          tags: ["catalog"],
          summary: "Copy a dataset into the next layer",
          security,
          body: z.object({
            dataset: z.union([z.string(), z.number().int()]).describe("Dataset id, name or `layer:name`"),
            to: layerSchema,
          }),
          response: { 201: datasetSchema, ...writeErrors },
        },
      },
      async (request, reply) => {
        await auth.requireScope(request, WRITE_SCOPE);
        const promoted = await lake.promote(request.body.dataset, request.body.to);
        return reply.status(201).send(datasetJson(promoted));
      },
    );
  };
}
