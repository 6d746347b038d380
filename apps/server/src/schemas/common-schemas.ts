import { z } from "zod";

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: "not_found" }),
      message: z.string().meta({ example: 'dataset "gse2034" does not exist' }),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: "Error" });

export const pageMetaSchema = z.object({
  count: z.number().int().describe("Items in this page"),
  next_cursor: z.string().nullable().describe("Pass as `cursor` to get the next page; null on the last page"),
});

export const linksSchema = z.object({
  self: z.string(),
  next: z.string().nullable(),
});

export const limitParam = z.coerce.number().int().min(1).max(500).default(50).describe("Page size (1–500)");

export const cursorParam = z.string().max(2000).optional().describe("Opaque cursor from `meta.next_cursor`");

export const errorResponses = {
  400: errorSchema,
  404: errorSchema,
  429: errorSchema,
  500: errorSchema,
} as const;
