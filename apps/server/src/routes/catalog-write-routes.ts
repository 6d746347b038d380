import type { Readable } from "node:stream";
import { IntegrityError, OmicslakeError, type Lake } from "@omicslake/core";
import type { FastifyPluginAsyncZod, ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { auditTarget } from "../http/api-audit.js";
import { limitedBody, uploadHeaderGuard } from "../http/upload-guard.js";
import {
  datasetJson,
  datasetSchema,
  layerSchema,
  objectJson,
  objectSchema,
} from "../schemas/catalog-schemas.js";
import { errorSchema } from "../schemas/common-schemas.js";

const writeErrors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  413: errorSchema,
  415: errorSchema,
  422: errorSchema,
} as const;
const idParam = z.object({ id: z.string().max(256).describe("Dataset id, name or `layer:name`") });

// Bounds on what a dataset may carry, so a request cannot make the catalog store megabytes of tags.
const source = z.string().min(1).max(100);
const externalId = z.string().min(1).max(200);
const description = z.string().max(100_000);
const metadata = z.record(z.string().max(200), z.unknown());
const tags = z.array(z.string().min(1).max(100)).max(100);

export interface CatalogWriteLimits {
  /** The largest object an upload may store, in bytes. */
  readonly maxObjectBytes: number;
}

/**
 * Writes to the catalog; every route has the `write` scope, which the server's access hook checks in
 * onRequest, before any body is read.
 */
export function catalogWriteRoutes(lake: Lake, limits: CatalogWriteLimits): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/catalog",
      {
        config: { scope: "write" },
        schema: {
          tags: ["catalog"],
          summary: "Create a dataset",
          body: z.object({
            name: z.string().max(200).meta({ example: "gse2034" }),
            layer: layerSchema.default("raw"),
            source: source.optional().meta({ example: "geo" }),
            external_id: externalId.optional().meta({ example: "GSE2034" }),
            description: description.optional(),
            metadata: metadata.optional(),
            tags: tags.optional(),
          }),
          response: { 201: datasetSchema, ...writeErrors },
        },
      },
      async (request, reply) => {
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
        auditTarget(request, { dataset: `${dataset.layer}:${dataset.name}` });
        return reply.status(201).send(datasetJson(dataset));
      },
    );

    app.patch(
      "/v1/catalog/:id",
      {
        config: { scope: "write" },
        schema: {
          tags: ["catalog"],
          summary: "Update a dataset's description, metadata or tags",
          params: idParam,
          body: z.object({
            description: description.nullable().optional(),
            metadata: metadata.optional(),
            tags: tags.optional(),
          }),
          response: { 200: datasetSchema, ...writeErrors },
        },
      },
      async (request) => {
        const dataset = await lake.dataset(request.params.id);
        auditTarget(request, { dataset: `${dataset.layer}:${dataset.name}` });
        const { description, metadata, tags } = request.body;
        const updated = await lake.catalog.updateDataset(dataset.id, {
          ...(description !== undefined ? { description } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
          ...(tags !== undefined ? { tags } : {}),
        });
        return datasetJson(updated);
      },
    );

    // Uploads live in a scope of their own, where every content type parser is replaced by one that hands
    // the body over unread: the bytes stream into the store, and the onRequest guard has already refused
    // any content type but octet-stream, so nothing is ever buffered or parsed as text or JSON.
    await app.register(async (scope) => {
      const uploads = scope.withTypeProvider<ZodTypeProvider>();
      uploads.removeAllContentTypeParsers();
      uploads.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
      uploads.put(
        "/v1/catalog/:id/files/*",
        {
          config: { scope: "write" },
          onRequest: uploadHeaderGuard(limits.maxObjectBytes),
          schema: {
            tags: ["catalog"],
            summary: "Upload an object (streamed; sha256 computed on the way in)",
            description:
              "Send the bytes with `Content-Type: application/octet-stream` (or none). An `X-Checksum-Sha256` header makes the upload fail, leaving nothing, if the bytes differ. Objects larger than the server's maximum object size are refused with 413, leaving nothing. Raw objects cannot be replaced.",
            params: idParam.extend({
              "*": z.string().min(1).max(1024).describe("Object name inside the dataset"),
            }),
            response: { 201: objectSchema, ...writeErrors },
          },
        },
        async (request, reply) => {
          const expected = request.headers["x-checksum-sha256"];
          // Resolved first so the audit entry names the dataset as `layer:name` whether the client sent
          // its id or its name: an auditor filtering on the name must find the uploads too.
          const dataset = await lake.dataset(request.params.id);
          auditTarget(request, { dataset: `${dataset.layer}:${dataset.name}` });
          const object = await lake
            .addObject(dataset.id, {
              name: request.params["*"],
              body: limitedBody(request.body as Readable, limits.maxObjectBytes),
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
          auditTarget(request, { objects: [object.name] });
          return reply.status(201).send(objectJson(object));
        },
      );
    });

    app.delete(
      "/v1/catalog/:id",
      {
        config: { scope: "write" },
        schema: {
          tags: ["catalog"],
          summary: "Delete a dataset and its objects (refused in raw)",
          params: idParam,
          response: { 204: z.null(), ...writeErrors },
        },
      },
      async (request, reply) => {
        const dataset = await lake.dataset(request.params.id);
        auditTarget(request, { dataset: `${dataset.layer}:${dataset.name}` });
        await lake.deleteDataset(dataset.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/v1/layers/promote",
      {
        config: { scope: "write" },
        schema: {
          tags: ["catalog"],
          summary: "Copy a dataset into the next layer",
          body: z.object({
            dataset: z
              .union([z.string().min(1).max(256), z.number().int().positive().max(2_147_483_647)])
              .describe("Dataset id, name or `layer:name`"),
            to: layerSchema,
          }),
          response: { 201: datasetSchema, ...writeErrors },
        },
      },
      async (request, reply) => {
        auditTarget(request, { dataset: String(request.body.dataset) });
        const source = await lake.dataset(request.body.dataset);
        auditTarget(request, { dataset: `${source.layer}:${source.name}` });
        const promoted = await lake.promote(source.id, request.body.to);
        auditTarget(request, { details: { promoted_to: `${promoted.layer}:${promoted.name}` } });
        return reply.status(201).send(datasetJson(promoted));
      },
    );
  };
}
