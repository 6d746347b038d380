import { ASSET_KEY_PATTERN, type AssetService } from "@omicslake/assets";
import { NotFoundError, ValidationError } from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { auditTarget } from "../http/api-audit.js";
import "../http/route-scope.js";
import {
  assetDetailJson,
  assetDetailSchema,
  assetStatusJson,
  assetStatusSchema,
  materializeBodySchema,
  plannedRequestJson,
  plannedRequestsSchema,
} from "../schemas/asset-schemas.js";
import { errorResponses, errorSchema } from "../schemas/common-schemas.js";

/** Longer than any key a configuration makes; a longer one is refused before it is looked up. */
const MAX_KEY_LENGTH = 256;
const MATERIALIZE_SUFFIX = "/materialize";

// Asset keys hold "/" (`data/geo/processed`), so they are the tail of the path rather than one parameter.
const keyParams = z.object({
  "*": z
    .string()
    .min(1)
    .max(MAX_KEY_LENGTH + MATERIALIZE_SUFFIX.length)
    .describe("The asset key, slashes included (`data/geo/processed`)"),
});

/**
 * The key a path names, refused as bad input when it could not be an asset key (`..`, upper case, an
 * empty segment, too long) and as not found when no asset has it, so neither reaches the service.
 */
function assetKeyOf(service: AssetService, text: string): string {
  if (text.length > MAX_KEY_LENGTH || !ASSET_KEY_PATTERN.test(text)) {
    throw new ValidationError(`"${text.slice(0, 80)}${text.length > 80 ? "…" : ""}" is not an asset key`, {
      details: { key: text.slice(0, MAX_KEY_LENGTH) },
      hint: 'Asset keys are lower-case segments of letters, digits, "_", "." and "-" joined by "/"; GET /v1/assets lists them',
    });
  }
  if (!service.graph.has(text)) {
    throw new NotFoundError("asset", text, { hint: "GET /v1/assets lists the assets" });
  }
  return text;
}

/**
 * The asset graph: every asset with its status, one asset with its partitions and recent
 * materializations, and a write route that starts materializations in the server's background and
 * answers with what it planned (`GET /v1/runs` and `GET /v1/assets/{key}` show how they end).
 */
export function assetRoutes(service: AssetService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/assets",
      {
        config: { scope: "read" },
        schema: {
          tags: ["assets"],
          summary: "Every asset with its partitions, automation, last materialization and staleness",
          response: { 200: z.object({ data: z.array(assetStatusSchema) }), ...errorResponses },
        },
      },
      async () => ({ data: (await service.list()).map(assetStatusJson) }),
    );

    app.get(
      "/v1/assets/*",
      {
        config: { scope: "read" },
        schema: {
          tags: ["assets"],
          summary:
            "One asset: its partitions' statuses, retry policy, downstream and recent materializations",
          params: keyParams,
          response: { 200: assetDetailSchema, ...errorResponses },
        },
      },
      async (request) => {
        const key = assetKeyOf(service, request.params["*"]);
        // The explanation is the automation evaluation's own, so the dashboard shows what the daemon would do.
        const [view, why] = await Promise.all([service.show(key), service.why(key)]);
        return { ...assetDetailJson(view), why };
      },
    );

    app.post(
      "/v1/assets/*",
      {
        config: { scope: "write" },
        schema: {
          tags: ["assets"],
          summary: "Materialize an asset (`POST /v1/assets/{key}/materialize`)",
          description:
            "Plans the asset-partitions to run (the given partitions or all; with `downstream`, every asset that depends on it too) and starts them in the background. 409 `asset_busy` when one is already running.",
          params: keyParams,
          body: materializeBodySchema,
          response: { 202: plannedRequestsSchema, 409: errorSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const path = request.params["*"];
        if (!path.endsWith(MATERIALIZE_SUFFIX)) {
          throw new NotFoundError("route", `POST ${request.url.slice(0, 120)}`, {
            hint: "Materialize an asset with POST /v1/assets/{key}/materialize",
          });
        }
        const key = assetKeyOf(service, path.slice(0, -MATERIALIZE_SUFFIX.length));
        const { partitions, downstream } = request.body ?? {};
        auditTarget(request, {
          details: { asset: key, partitions: partitions ?? [], downstream: downstream === true },
        });
        const requests = await service.submit({
          select: [key],
          origin: "api",
          ...(partitions !== undefined ? { partitions } : {}),
          ...(downstream !== undefined ? { downstream } : {}),
        });
        return reply.code(202).send({ data: { requests: requests.map(plannedRequestJson) } });
      },
    );
  };
}
