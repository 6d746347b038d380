import type { DatasetVersion, Lake } from "@omicslake/core";
import { externalStepFromRecord, externalStepRecordSchema } from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { auditTarget } from "../http/api-audit.js";
import { pageLinks } from "../http/page-links.js";
import { edgeJson, edgeSchema, runJson, runSchema } from "../schemas/catalog-schemas.js";
import {
  cursorParam,
  errorSchema,
  limitParam,
  linksSchema,
  pageMetaSchema,
} from "../schemas/common-schemas.js";

const security = [{ apiKey: [] }];

const externalRunSchema = z
  .object({
    run: runSchema,
    edges: z.array(edgeSchema),
    replayed: z.boolean().describe("True when this record had been made before and nothing new was written"),
  })
  .meta({ id: "ExternalRun" });

const versionSchema = z
  .object({
    dataset_id: z.number().int(),
    version: z.number().int(),
    run_id: z.number().int().nullable(),
    object_count: z.number().int(),
    total_bytes: z.number().int(),
    changes: z.object({
      created: z.boolean(),
      added: z.number().int(),
      replaced: z.number().int(),
      removed: z.number().int(),
      schema: z.array(z.string()).describe("Tables whose schema changed"),
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "DatasetVersion" });

const writeErrors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  409: errorSchema,
  422: errorSchema,
  429: errorSchema,
  500: errorSchema,
} as const;

/** Provenance recorded by tools outside the lake, and the versions of a dataset. */
export function lineageRoutes(lake: Lake): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/provenance",
      {
        config: { scope: "write" },
        schema: {
          tags: ["provenance"],
          summary: "Record a step run outside the lake (FastQC, nf-core) as a run with lineage edges",
          description:
            "Every input and output must exist (422 `missing_datasets` lists those that do not). A retry " +
            "with the same `Idempotency-Key` header or `external_id` returns the first run (200, " +
            "`replayed: true`); the same key with a different record is refused (409).",
          security,
          headers: z.object({
            "idempotency-key": z.string().min(1).max(256).optional(),
          }),
          body: externalStepRecordSchema,
          response: { 200: externalRunSchema, 201: externalRunSchema, ...writeErrors },
        },
      },
      async (request, reply) => {
        const idempotencyKey = request.headers["idempotency-key"];
        const result = await lake.recordExternalStep(
          externalStepFromRecord(request.body),
          idempotencyKey !== undefined ? { idempotencyKey } : {},
        );
        // From the run, not its edges: a step with no inputs has outputs but no edges.
        const outputs = [
          ...new Set([
            ...result.run.outputs.flatMap((io) => (io.datasetId === undefined ? [] : [io.datasetId])),
            ...result.edges.map((edge) => edge.outputDatasetId),
          ]),
        ];
        // Named as `layer:name`, as the other write routes name theirs, so one audit filter finds them all;
        // an output deleted since keeps its id rather than failing a step that was recorded.
        const output =
          outputs.length === 1
            ? await lake.dataset(outputs[0]!).then(
                (dataset) => `${dataset.layer}:${dataset.name}`,
                () => outputs[0]!,
              )
            : null;
        auditTarget(request, {
          dataset: output,
          details: { run: result.run.id, outputs, replayed: result.replayed },
        });
        return reply.status(result.replayed ? 200 : 201).send({
          run: runJson(result.run),
          edges: result.edges.map(edgeJson),
          replayed: result.replayed,
        });
      },
    );

    app.get(
      "/v1/catalog/:id/versions",
      {
        config: { scope: "read" },
        schema: {
          tags: ["catalog"],
          summary: "A dataset's versions, newest first",
          params: z.object({ id: z.string().max(256).describe("Dataset id, name or `layer:name`") }),
          querystring: z.object({ limit: limitParam, cursor: cursorParam }),
          response: {
            200: z.object({ data: z.array(versionSchema), meta: pageMetaSchema, links: linksSchema }),
            400: errorSchema,
            404: errorSchema,
            429: errorSchema,
            500: errorSchema,
          },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const page = await lake.datasetVersions(request.params.id, {
          limit,
          ...(cursor !== undefined ? { cursor } : {}),
        });
        return {
          data: page.items.map(versionJson),
          meta: { count: page.items.length, next_cursor: page.nextCursor },
          links: pageLinks(request, page.nextCursor),
        };
      },
    );
  };
}

function versionJson(v: DatasetVersion): z.infer<typeof versionSchema> {
  return {
    dataset_id: v.datasetId,
    version: v.version,
    run_id: v.runId,
    object_count: v.objectCount,
    total_bytes: v.totalBytes,
    changes: { ...v.changes, schema: [...v.changes.schema] },
    created_at: v.createdAt.toISOString(),
    updated_at: v.updatedAt.toISOString(),
  };
}
