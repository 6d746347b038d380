import type { SqlClient } from "@omicslake/core";
import {
  getEntityRecord,
  getEntityRecords,
  listChildRecords,
  listEntityRecords,
  type EntityChildRoute,
  type EntityFilter,
  type EntityListQuery,
  type EntityRouteSpec,
  type RawPage,
} from "@omicslake/metadata";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { pageLinks } from "../../http/page-links.js";
import { cursorParam, errorResponses, limitParam } from "../../schemas/common-schemas.js";
import {
  batchBodySchema,
  batchResponseSchema,
  entityPageSchema,
  recordSchema,
} from "../../schemas/entity-schemas.js";

type FastifyApp = Parameters<FastifyPluginAsyncZod>[0];

const JSON_TYPE = "application/json; charset=utf-8";
const PAGE_HEAD = Buffer.from('{"data":[');

const filterSchema = (filter: EntityFilter): z.ZodType => {
  let schema: z.ZodType;
  switch (filter.kind) {
    case "int":
    case "int_in_array":
    case "int_from":
    case "int_to":
      // A bigint count (bases, spots) takes any whole number JSON carries exactly; other columns are integers.
      schema = z.coerce
        .number()
        .int()
        .min(0)
        .max(filter.columnType === "bigint" ? Number.MAX_SAFE_INTEGER : 2_147_483_647);
      break;
    case "date_from":
    case "date_to":
      schema = z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD")
        .refine(isCalendarDate, "a date that exists (YYYY-MM-DD)");
      break;
    default:
      schema = z.string().min(1).max(200);
  }
  return schema.optional().describe(filter.description).meta({ example: filter.example });
};

/** 2023-02-28 is a date; 2023-02-30 and 2023-13-01 are not (the database would refuse them with a 500). */
export function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.split("-").map(Number) as [number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  // setUTCFullYear, not Date.UTC, which would read years below 100 as 19xx.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function listQuerySchema(spec: EntityRouteSpec, withFilters: boolean): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  if (withFilters) for (const filter of spec.filters) shape[filter.param] = filterSchema(filter);
  shape["q"] = z
    .string()
    .max(500)
    .optional()
    .describe(
      'Full-text search (web-search syntax: words, "quoted phrases", `or`, `-excluded`) over titles, abstracts and descriptions',
    )
    .meta({ example: "liver" });
  shape["limit"] = limitParam;
  shape["cursor"] = cursorParam;
  return z.object(shape);
}

function sendPage(request: FastifyRequest, reply: FastifyReply, page: RawPage): FastifyReply {
  const links = pageLinks(request, page.nextCursor);
  const tail = `],"meta":{"count":${page.count},"next_cursor":${JSON.stringify(page.nextCursor)}},"links":${JSON.stringify(links)}}`;
  return reply.type(JSON_TYPE).send(Buffer.concat([PAGE_HEAD, ...page.records, Buffer.from(tail)]));
}

/** The validated querystring as a list query: everything but `q`, `limit` and `cursor` is a filter value. */
function queryOf(raw: unknown): EntityListQuery {
  const { q, limit, cursor, ...filters } = raw as { q?: string; limit: number; cursor?: string } & Record<
    string,
    unknown
  >;
  return { filters, limit, ...(q === undefined ? {} : { q }), ...(cursor === undefined ? {} : { cursor }) };
}

/**
 * Registers an entity's routes: the filtered list, lookup by accession and batch lookup. The handlers
 * send the JSON the database produced as a string, so Fastify skips serialisation on these hot paths;
 * the zod schemas still document the responses in OpenAPI.
 */
export function registerEntityRoutes(app: FastifyApp, db: SqlClient, spec: EntityRouteSpec): void {
  const record = recordSchema(spec.entity, spec.example);
  const accessionParam = z.object({
    accession: z
      .string()
      .min(1)
      .max(100)
      .describe(`${spec.noun} accession`)
      .meta({ example: spec.exampleAccessions[0] }),
  });

  app.get(
    spec.path,
    {
      config: { scope: "read" },
      schema: {
        tags: [spec.tag],
        summary: `List ${spec.plural}`,
        description: `${spec.plural} in accession order, filtered by any combination of the parameters (all must hold), with keyset pagination.`,
        querystring: listQuerySchema(spec, true),
        response: { 200: entityPageSchema(record), ...errorResponses, 503: errorResponses[500] },
      },
    },
    async (request, reply) =>
      sendPage(request, reply, await listEntityRecords(db, spec.entity, queryOf(request.query))),
  );

  app.get(
    `${spec.path}/:accession`,
    {
      config: { scope: "read" },
      schema: {
        tags: [spec.tag],
        summary: `One ${spec.noun} by accession`,
        params: accessionParam,
        response: { 200: record, ...errorResponses, 503: errorResponses[500] },
      },
    },
    async (request, reply) =>
      reply.type(JSON_TYPE).send(await getEntityRecord(db, spec.entity, request.params.accession)),
  );

  app.post(
    `${spec.path}/batch`,
    {
      config: { scope: "read" },
      schema: {
        tags: [spec.tag],
        summary: `Look up to 1,000 ${spec.plural} at once`,
        body: batchBodySchema(spec.exampleAccessions),
        response: { 200: batchResponseSchema(record), ...errorResponses, 503: errorResponses[500] },
      },
    },
    async (request, reply) =>
      reply.type(JSON_TYPE).send(await getEntityRecords(db, spec.entity, request.body.accessions)),
  );
}

/** Registers `GET {parent}/{accession}/{segment}`: the parent's children, 404 when the parent does not exist. */
export function registerChildRoute(app: FastifyApp, db: SqlClient, route: EntityChildRoute): void {
  const { parent, child } = route;
  const record = recordSchema(child.entity, child.example);
  app.get(
    `${parent.path}/:accession/${route.segment}`,
    {
      config: { scope: "read" },
      schema: {
        tags: [parent.tag],
        summary: `The ${child.plural} of a ${parent.noun}`,
        params: z.object({
          accession: z
            .string()
            .min(1)
            .max(100)
            .describe(`${parent.noun} accession`)
            .meta({ example: parent.exampleAccessions[0] }),
        }),
        querystring: listQuerySchema(child, false),
        response: { 200: entityPageSchema(record), ...errorResponses, 503: errorResponses[500] },
      },
    },
    async (request, reply) =>
      sendPage(
        request,
        reply,
        await listChildRecords(db, route, request.params.accession, queryOf(request.query)),
      ),
  );
}
