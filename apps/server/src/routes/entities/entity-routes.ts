import { LAKE_VERSION, type Lake } from "@omicslake/core";
import { ENTITY_CHILD_ROUTES, ENTITY_ROUTE_SPECS, servingStatus } from "@omicslake/metadata";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorResponses } from "../../schemas/common-schemas.js";
import { servingIndexSchema } from "../../schemas/entity-schemas.js";
import { registerChildRoute, registerEntityRoutes } from "./entity-route-kit.js";

// The routes, filters and links come from the entity definitions; these names stay for the route's users.
export { ENTITY_CHILD_ROUTES, ENTITY_ROUTE_SPECS };

/** The entity API over the serving database (`/v1/sra/…`, `/v1/geo/…`, `/v1/biosamples`, `/v1/bioprojects`, `/v1/pubmed`) and its index `/v1`. */
export function entityRoutes(lake: Lake): FastifyPluginAsyncZod {
  return async (app) => {
    const db = lake.servingClient();
    for (const spec of ENTITY_ROUTE_SPECS) registerEntityRoutes(app, db, spec);
    for (const route of ENTITY_CHILD_ROUTES) registerChildRoute(app, db, route);

    app.get(
      "/v1",
      {
        config: { scope: "read" },
        schema: {
          tags: ["system"],
          summary: "The entity collections, with the row count and time of their last load",
          response: { 200: servingIndexSchema, ...errorResponses },
        },
      },
      async () => {
        const byEntity = new Map((await servingStatus(db)).map((status) => [status.entity, status]));
        return {
          version: LAKE_VERSION,
          entities: ENTITY_ROUTE_SPECS.map((spec) => {
            const load = byEntity.get(spec.entity);
            return {
              entity: spec.entity,
              path: spec.path,
              rows: load?.rows ?? 0,
              loaded_at: load?.loadedAt ? new Date(load.loadedAt).toISOString() : null,
              source_sha256: load?.sourceSha256 ?? null,
            };
          }),
        };
      },
    );
  };
}
