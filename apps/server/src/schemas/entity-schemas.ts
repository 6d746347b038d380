import { z } from "zod";
import { linksSchema } from "./common-schemas.js";

/**
 * An entity record as the parsers emit it (fields in docs/record-schemas.md); optional fields are
 * absent, never null. Only `kind` and `accession` are fixed here so the schema holds for every release
 * of the record schemas.
 */
export function recordSchema(kind: string, example: Record<string, unknown>): z.ZodType {
  return z
    .looseObject({
      kind: z.literal(kind),
      accession: z.string().describe("The entity's primary accession"),
    })
    .describe(`A \`${kind}\` record; its fields are listed in docs/record-schemas.md`)
    .meta({ example: { kind, ...example } });
}

export function entityPageSchema(record: z.ZodType): z.ZodType {
  return z.object({
    data: z.array(record),
    meta: z.object({
      count: z.number().int().describe("Records in this page"),
      next_cursor: z
        .string()
        .nullable()
        .describe("Pass as `cursor` to get the next page; null on the last page"),
    }),
    links: linksSchema,
  });
}

export const MAX_BATCH_ACCESSIONS = 1000;

export function batchBodySchema(example: readonly string[]): z.ZodType<{ accessions: string[] }> {
  return z.object({
    accessions: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(MAX_BATCH_ACCESSIONS)
      .describe(`1 to ${MAX_BATCH_ACCESSIONS} accessions`)
      .meta({ example: [...example] }),
  });
}

export function batchResponseSchema(record: z.ZodType): z.ZodType {
  return z.object({
    data: z.array(record).describe("The records found, in accession order"),
    meta: z.object({
      count: z.number().int(),
      missing: z.array(z.string()).describe("Requested accessions with no record"),
    }),
  });
}

export const servingIndexSchema = z
  .object({
    version: z.string(),
    entities: z.array(
      z.object({
        entity: z.string().meta({ example: "sra_run" }),
        path: z.string().meta({ example: "/v1/sra/runs" }),
        rows: z.number().int().describe("Records served (0 before the first load)"),
        loaded_at: z
          .string()
          .nullable()
          .describe("When the served data was loaded; null if never")
          .meta({ example: "2026-11-22T03:00:00.000Z" }),
        source_sha256: z
          .string()
          .nullable()
          .describe("sha256 of the curated Parquet file it was loaded from"),
      }),
    ),
  })
  .meta({ id: "ServingIndex" });
