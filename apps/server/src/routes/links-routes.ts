import type { Lake } from "@omicslake/core";
import {
  ACCESSION_TYPE_NAMES,
  AccessionLinksError,
  DEFAULT_LINK_DEPTH,
  DEFAULT_MAX_LINKED,
  MAX_LINK_BATCH,
  MAX_LINK_DEPTH,
  ServingLinkReader,
  normalizeAccession,
  resolveLinks,
} from "@omicslake/metadata";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponses } from "../schemas/common-schemas.js";

const typeList = ACCESSION_TYPE_NAMES.join(", ");

const depthParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_LINK_DEPTH)
  .default(DEFAULT_LINK_DEPTH)
  .describe(`Links walked from each accession (1–${MAX_LINK_DEPTH})`);

const typeParam = z
  .string()
  .max(200)
  .optional()
  .describe(
    `Only related accessions of these types, comma-separated (${typeList}); every type is walked through`,
  )
  .meta({ example: "srr,gsm" });

const toParam = z
  .string()
  .max(20)
  .optional()
  .describe(
    `Conversion: for each accession only the nearest related accessions of this type (${typeList}), as pysradb's gse-to-srr does`,
  )
  .meta({ example: "srr" });

const linkedSchema = z.object({
  accession: z.string().meta({ example: "SRR11217925" }),
  type: z.string().meta({ example: "srr" }),
  depth: z.number().int().describe("Links walked (1 = directly linked)"),
  relation: z.string().describe("The relation of the last link of the path").meta({ example: "srx_srr" }),
  source: z
    .string()
    .describe("The curated field(s) that link was read from, comma-separated")
    .meta({ example: "sra_run.experimentAccession" }),
  path: z.array(z.string()).readonly().describe("From the accession asked for to this one"),
});

const accessionLinksSchema = z.object({
  accession: z
    .string()
    .describe("The accession asked for, as stored (upper-case)")
    .meta({ example: "GSE146256" }),
  type: z.string().meta({ example: "gse" }),
  links: z.array(linkedSchema).readonly(),
});

const oneResponse = z.object({
  data: accessionLinksSchema,
  meta: z.object({ count: z.number().int(), depth: z.number().int() }),
});

const batchResponse = z.object({
  data: z
    .array(accessionLinksSchema)
    .readonly()
    .describe("One entry per accession found, in the order asked"),
  meta: z.object({
    count: z.number().int().describe("Accessions found"),
    missing: z.array(z.string()).readonly().describe("Accessions asked for that no link mentions"),
    depth: z.number().int(),
  }),
});

/** `type=srr,gsm` as a list; an empty `type=` filters nothing, as if it were left out. */
function typesOf(param: string | undefined): string[] | undefined {
  const types = (param ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  return types.length > 0 ? types : undefined;
}

/** `/v1/links`: every accession related to one or many accessions, from the served `accession_links`. */
export function linksRoutes(lake: Lake): FastifyPluginAsyncZod {
  return async (app) => {
    const reader = new ServingLinkReader(lake.servingClient());

    app.get(
      "/v1/links/:accession",
      {
        config: { scope: "read" },
        schema: {
          tags: ["links"],
          summary: "Every accession related to one accession",
          description: `Walks the accession links (GSE↔GSM↔GPL, GSM↔SRX/SRS, SRP↔SRX↔SRR↔SRS, BioSample, BioProject, PubMed) up to \`depth\` links, shortest path first. 404 when no link mentions the accession; 400 \`result_too_large\` beyond ${DEFAULT_MAX_LINKED} related accessions.`,
          params: z.object({
            accession: z.string().min(1).max(100).meta({ example: "GSE146256" }),
          }),
          querystring: z.object({ depth: depthParam, type: typeParam, to: toParam }),
          response: { 200: oneResponse, ...errorResponses, 503: errorResponses[500] },
        },
      },
      async (request) => {
        const { depth, type, to } = request.query;
        const types = typesOf(type);
        const { found } = await resolveLinks(reader, [request.params.accession], {
          depth,
          ...(types ? { types } : {}),
          ...(to !== undefined ? { to } : {}),
        });
        const [links] = found;
        if (links === undefined) {
          throw new AccessionLinksError(
            "not_found",
            `no link mentions ${JSON.stringify(normalizeAccession(request.params.accession))}`,
            {
              details: { id: request.params.accession },
              hint: "Check the accession; the links cover the entities consolidated into this lake",
            },
          );
        }
        return { data: links, meta: { count: links.links.length, depth } };
      },
    );

    app.post(
      "/v1/links",
      {
        config: { scope: "read" },
        schema: {
          tags: ["links"],
          summary: `Related accessions of up to ${MAX_LINK_BATCH} accessions at once (with \`to\`: a gse-to-srr style conversion)`,
          querystring: z.object({ depth: depthParam, type: typeParam, to: toParam }),
          body: z.object({
            accessions: z
              .array(z.string().min(1).max(100))
              .min(1)
              .max(MAX_LINK_BATCH)
              .describe(`1 to ${MAX_LINK_BATCH} accessions`)
              .meta({ example: ["GSE146256", "SRR11217925"] }),
          }),
          response: { 200: batchResponse, ...errorResponses, 503: errorResponses[500] },
        },
      },
      async (request) => {
        const { depth, type, to } = request.query;
        const types = typesOf(type);
        const { found, missing } = await resolveLinks(reader, request.body.accessions, {
          depth,
          ...(types ? { types } : {}),
          ...(to !== undefined ? { to } : {}),
        });
        return { data: found, meta: { count: found.length, missing, depth } };
      },
    );
  };
}
