import { z } from "zod";

const errorObjectSchema = z.object({ code: z.string(), message: z.string() });

export const assetStatusSchema = z
  .object({
    key: z.string().meta({ example: "data/geo/processed" }),
    description: z.string(),
    group: z.string().describe("The flow or configured dataset the asset belongs to"),
    tags: z.array(z.string()),
    deps: z.array(z.string()).describe("Keys of the assets it reads"),
    partitions: z
      .object({
        kind: z.enum(["static", "time", "dynamic"]),
        name: z.string(),
        count: z.number().int(),
        materialized: z.number().int(),
        latest: z.string().nullable(),
      })
      .nullable()
      .describe("Null for an unpartitioned asset"),
    automation: z.string().describe("The automation condition as configured"),
    last_materialization: z
      .object({
        id: z.number().int(),
        partition: z.string().nullable(),
        status: z.string(),
        data_version: z.string().nullable(),
        started_at: z.string(),
        finished_at: z.string().nullable(),
        run_id: z.number().int().nullable(),
      })
      .nullable(),
    status: z.enum(["materialized", "partial", "missing", "running", "failed"]),
    stale: z.boolean().describe("An upstream has a newer data version than the one its materialization read"),
    stale_reasons: z.array(z.string()),
  })
  .meta({ id: "Asset" });

const partitionStatusSchema = z.object({
  partition: z.string().nullable(),
  status: z.enum(["materialized", "missing", "running", "failed"]),
  data_version: z.string().nullable(),
  materialization_id: z.number().int().nullable(),
  finished_at: z.string().nullable(),
  stale: z.boolean(),
});

export const materializationSchema = z
  .object({
    id: z.number().int(),
    key: z.string(),
    partition: z.string().nullable(),
    status: z.enum(["running", "succeeded", "failed", "skipped", "cancelled"]),
    run_id: z.number().int().nullable().describe("The run with this attempt's log (`GET /v1/runs/{id}`)"),
    data_version: z.string().nullable(),
    inputs: z.array(
      z.object({
        key: z.string(),
        partition: z.string().nullable(),
        data_version: z.string(),
        materialization_id: z.number().int(),
      }),
    ),
    outputs: z.array(z.record(z.string(), z.unknown())),
    metadata: z.record(z.string(), z.unknown()),
    attempt: z.number().int(),
    origin: z.enum(["cli", "api", "automation"]),
    reason: z.string(),
    request_id: z.string(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    error: errorObjectSchema.nullable(),
  })
  .meta({ id: "AssetMaterialization" });

export const assetDetailSchema = assetStatusSchema
  .extend({
    downstream: z.array(z.string()),
    retry: z.object({ max_retries: z.number().int(), delay_ms: z.number(), backoff: z.string() }),
    partition_statuses: z.array(partitionStatusSchema),
    recent: z.array(materializationSchema).describe("The latest materialization attempts, newest first"),
    why: z
      .string()
      .describe(
        "In words, why the asset will or will not run at the next automation evaluation (what `omicslake assets why` prints)",
      ),
  })
  .meta({ id: "AssetDetail" });

export const materializeBodySchema = z
  .strictObject({
    partitions: z
      .array(z.string().min(1).max(200))
      // An empty list would otherwise read as "left out" and run every partition: a client that
      // computed nothing to run must not start the whole asset.
      .min(1)
      .max(1000)
      .optional()
      .describe("Partition keys to run (at least one); every partition when left out"),
    downstream: z.boolean().optional().describe("Also run every asset downstream of this one"),
  })
  // A POST without a body (no content type) arrives as null: it asks for every partition.
  .nullish();

export const plannedRequestsSchema = z
  .object({
    data: z.object({
      requests: z.array(z.object({ key: z.string(), partition: z.string().nullable(), reason: z.string() })),
    }),
  })
  .meta({ id: "PlannedMaterializations" });

// The mapping from library objects to these shapes is the assets package's (asset-wire.ts), shared with the
// CLI's --json output; the schemas above describe it for OpenAPI and serialization.
export {
  assetDetailWire as assetDetailJson,
  assetStatusWire as assetStatusJson,
  materializationWire as materializationJson,
  plannedRequestWire as plannedRequestJson,
} from "@omicslake/assets";
