import type {
  CatalogObject,
  CatalogStats,
  Dataset,
  Promotion,
  ProvenanceEdge,
  ProvenanceGraph,
  Run,
  SchemaVersion,
} from "@omicslake/core";
import { LAYERS } from "@omicslake/core";
import { z } from "zod";
import { linksSchema, pageMetaSchema } from "./common-schemas.js";

export const layerSchema = z.enum(LAYERS);

export const datasetSchema = z
  .object({
    id: z.number().int(),
    name: z.string().meta({ example: "gse2034" }),
    layer: layerSchema,
    source: z.string().meta({ example: "geo" }),
    external_id: z.string().nullable().meta({ example: "GSE2034" }),
    description: z.string().nullable(),
    metadata: z
      .record(z.string(), z.unknown())
      .meta({ example: { source: "geo", date: "2026-11-22", version: "1" } }),
    tags: z.array(z.string()),
    object_count: z.number().int(),
    total_bytes: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    links: z.object({ self: z.string(), files: z.string(), provenance: z.string(), versions: z.string() }),
  })
  .meta({ id: "Dataset" });

export const objectSchema = z
  .object({
    id: z.number().int(),
    dataset_id: z.number().int(),
    layer: layerSchema,
    key: z.string(),
    name: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    media_type: z.string().nullable(),
    created_at: z.string(),
    download_url: z.string(),
  })
  .meta({ id: "CatalogObject" });

export const datasetPageSchema = z.object({
  data: z.array(datasetSchema),
  meta: pageMetaSchema,
  links: linksSchema,
});
export const objectPageSchema = z.object({
  data: z.array(objectSchema),
  meta: pageMetaSchema,
  links: linksSchema,
});

const countsSchema = z.object({ datasets: z.number(), objects: z.number(), bytes: z.number() });
export const statsSchema = z
  .object({
    datasets: z.number(),
    objects: z.number(),
    bytes: z.number(),
    by_layer: z.array(countsSchema.extend({ layer: layerSchema })),
    by_source: z.array(countsSchema.extend({ source: z.string() })),
  })
  .meta({ id: "CatalogStats" });

export const edgeSchema = z
  .object({
    id: z.number().int(),
    output_dataset_id: z.number().int(),
    input_dataset_id: z.number().int().nullable(),
    action: z.enum(["collection", "conversion", "consolidation", "promotion", "manual", "external"]),
    run_id: z.number().int().nullable(),
    parameters: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .meta({ id: "ProvenanceEdge" });

/** A dataset in a provenance graph; a deleted one stays as a tombstone so lineage through it holds. */
export const provenanceNodeSchema = z
  .object({
    ...datasetSchema.shape,
    deleted: z.boolean().describe("True for a tombstone: the dataset was deleted, its lineage kept"),
    deleted_at: z.string().nullable(),
    deleted_by_run: z.number().int().nullable().describe("The run that deleted it"),
  })
  .meta({ id: "ProvenanceNode" });

export const graphSchema = z
  .object({ root: z.number().int(), nodes: z.array(provenanceNodeSchema), edges: z.array(edgeSchema) })
  .meta({ id: "ProvenanceGraph" });

/** Every run status; `cancelled` runs were stopped on purpose (Ctrl-C) and resume when run again. */
export const RUN_STATUSES = ["running", "succeeded", "failed", "abandoned", "cancelled"] as const;

/** The step's latest progress event: how far a running run is, or where a finished one stopped. */
export const progressEventSchema = z
  .object({
    step: z.string(),
    stage: z.string().optional(),
    unit: z.enum(["bytes", "records", "rows", "files", "objects", "units", "entities", "items"]),
    done: z.number(),
    total: z.number().optional(),
    item: z.string().optional(),
  })
  .meta({ id: "ProgressEvent" });

export const runSchema = z
  .object({
    id: z.number().int(),
    step: z.string(),
    status: z.enum(RUN_STATUSES),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    tool_versions: z.record(z.string(), z.string()),
    parameters: z.record(z.string(), z.unknown()),
    inputs: z.array(z.record(z.string(), z.unknown())),
    outputs: z.array(z.record(z.string(), z.unknown())),
    row_counts: z.record(z.string(), z.number()),
    log: z.string(),
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        details: z.record(z.string(), z.unknown()).optional(),
      })
      .nullable(),
    progress: progressEventSchema.nullable(),
    /** The asset-partition the run materialized; null for runs of other steps. */
    asset: z.object({ key: z.string(), partition: z.string().nullable() }).nullable(),
  })
  .meta({ id: "Run" });

export const runPageSchema = z.object({ data: z.array(runSchema), meta: pageMetaSchema, links: linksSchema });

export const schemaFieldSchema = z
  .object({
    name: z.string().meta({ example: "accession" }),
    type: z.string().meta({ example: "VARCHAR" }),
    nullable: z.boolean(),
  })
  .meta({ id: "SchemaField" });

export const schemaVersionSchema = z
  .object({
    id: z.number().int(),
    dataset_id: z.number().int(),
    table: z.string().meta({ example: "series" }),
    version: z.number().int().describe("1 for the table's first schema, one more for each change"),
    fields: z.array(schemaFieldSchema),
    diff: z
      .object({
        added: z.array(schemaFieldSchema),
        removed: z.array(schemaFieldSchema),
        retyped: z.array(
          z.object({
            name: z.string(),
            from: z.string(),
            to: z.string(),
            nullable_from: z.boolean(),
            nullable_to: z.boolean(),
          }),
        ),
      })
      .describe("What changed from the previous version of the table; empty for version 1"),
    run_id: z.number().int().nullable().describe("The run that recorded this version"),
    created_at: z.string(),
  })
  .meta({ id: "SchemaVersion" });

export const promotionSchema = z
  .object({
    id: z.number().int().describe("The provenance edge that records the promotion"),
    dataset_id: z.number().int().describe("The dataset the promotion created"),
    dataset_name: z.string().meta({ example: "gse2034" }),
    input_dataset_id: z.number().int().nullable().describe("The dataset it was copied from"),
    from_layer: layerSchema.nullable(),
    to_layer: layerSchema,
    run_id: z.number().int().nullable(),
    created_at: z.string(),
    parameters: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "Promotion" });

export const promotionPageSchema = z.object({
  data: z.array(promotionSchema),
  meta: pageMetaSchema,
  links: linksSchema,
});

// ---- mapping from library objects to the wire format ------------------------------------------

export function datasetJson(d: Dataset): z.infer<typeof datasetSchema> {
  return {
    id: d.id,
    name: d.name,
    layer: d.layer,
    source: d.source,
    external_id: d.externalId,
    description: d.description,
    metadata: { ...d.metadata },
    tags: [...d.tags],
    object_count: d.objectCount,
    total_bytes: d.totalBytes,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    links: {
      self: `/v1/catalog/${d.id}`,
      files: `/v1/catalog/${d.id}/files`,
      provenance: `/v1/provenance/${d.id}`,
      versions: `/v1/catalog/${d.id}/versions`,
    },
  };
}

export function objectJson(o: CatalogObject): z.infer<typeof objectSchema> {
  return {
    id: o.id,
    dataset_id: o.datasetId,
    layer: o.layer,
    key: o.key,
    name: o.name,
    size: o.size,
    sha256: o.sha256,
    media_type: o.mediaType,
    created_at: o.createdAt.toISOString(),
    download_url: `/v1/catalog/${o.datasetId}/files/${o.name.split("/").map(encodeURIComponent).join("/")}`,
  };
}

export function statsJson(s: CatalogStats): z.infer<typeof statsSchema> {
  return {
    datasets: s.datasets,
    objects: s.objects,
    bytes: s.bytes,
    by_layer: s.byLayer.map((l) => ({
      layer: l.layer,
      datasets: l.datasets,
      objects: l.objects,
      bytes: l.bytes,
    })),
    by_source: s.bySource.map((l) => ({
      source: l.source,
      datasets: l.datasets,
      objects: l.objects,
      bytes: l.bytes,
    })),
  };
}

export function edgeJson(e: ProvenanceEdge): z.infer<typeof edgeSchema> {
  return {
    id: e.id,
    output_dataset_id: e.outputDatasetId,
    input_dataset_id: e.inputDatasetId,
    action: e.action,
    run_id: e.runId,
    parameters: { ...e.parameters },
    created_at: e.createdAt.toISOString(),
  };
}

export function graphJson(g: ProvenanceGraph): z.infer<typeof graphSchema> {
  return {
    root: g.root,
    nodes: g.nodes.map((n) => ({
      ...datasetJson(n),
      deleted: n.deleted,
      deleted_at: n.deletedAt ? n.deletedAt.toISOString() : null,
      deleted_by_run: n.deletedByRunId,
    })),
    edges: g.edges.map(edgeJson),
  };
}

export function runJson(r: Run): z.infer<typeof runSchema> {
  return {
    id: r.id,
    step: r.step,
    status: r.status,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt ? r.finishedAt.toISOString() : null,
    tool_versions: { ...r.toolVersions },
    parameters: { ...r.parameters },
    inputs: r.inputs.map((i) => ({ ...i })),
    outputs: r.outputs.map((o) => ({ ...o })),
    row_counts: { ...r.rowCounts },
    log: r.log,
    error: r.error ? { ...r.error } : null,
    progress: r.progress ? { ...r.progress } : null,
    asset: r.asset ? { ...r.asset } : null,
  };
}

export function schemaVersionJson(v: SchemaVersion): z.infer<typeof schemaVersionSchema> {
  const fields = (list: SchemaVersion["fields"]): z.infer<typeof schemaFieldSchema>[] =>
    list.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable }));
  return {
    id: v.id,
    dataset_id: v.datasetId,
    table: v.tableName,
    version: v.version,
    fields: fields(v.fields),
    diff: {
      added: fields(v.diff.added),
      removed: fields(v.diff.removed),
      retyped: v.diff.retyped.map((r) => ({
        name: r.name,
        from: r.from,
        to: r.to,
        nullable_from: r.nullableFrom,
        nullable_to: r.nullableTo,
      })),
    },
    run_id: v.runId,
    created_at: v.createdAt.toISOString(),
  };
}

export function promotionJson(p: Promotion): z.infer<typeof promotionSchema> {
  return {
    id: p.id,
    dataset_id: p.datasetId,
    dataset_name: p.datasetName,
    input_dataset_id: p.inputDatasetId,
    from_layer: p.fromLayer,
    to_layer: p.toLayer,
    run_id: p.runId,
    created_at: p.createdAt.toISOString(),
    parameters: { ...p.parameters },
  };
}
