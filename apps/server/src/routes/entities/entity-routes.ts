import { LAKE_VERSION, type Lake } from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorResponses } from "../../schemas/common-schemas.js";
import { servingIndexSchema } from "../../schemas/entity-schemas.js";
import { biosamples } from "./biosample-routes.js";
import { bioprojectChildRoutes, bioprojects } from "./bioproject-routes.js";
import { registerChildRoute, registerEntityRoutes } from "./entity-route-kit.js";
import type { EntityChildRoute, EntityRouteSpec } from "./entity-route-kit.js";
import { geoChildRoutes, geoRoutes } from "./geo-routes.js";
import { pubmedArticles } from "./pubmed-routes.js";
import { sraChildRoutes, sraRoutes } from "./sra-routes.js";

export const ENTITY_ROUTE_SPECS: readonly EntityRouteSpec[] = [...sraRoutes, ...geoRoutes, biosamples, bioprojects, pubmedArticles];
export const ENTITY_CHILD_ROUTES: readonly EntityChildRoute[] = [...sraChildRoutes, ...geoChildRoutes, ...bioprojectChildRoutes];

interface LoadRow extends Record<string, unknown> {
  entity: string;
  rows: number | string;
  loaded_at: Date;
  source_sha256: string;
}

/** The entity API over the serving database (`/v1/sra/…`, `/v1/geo/…`, `/v1/biosamples`, `/v1/bioprojects`, `/v1/pubmed`) and its index `/v1`. */
export function entityRoutes(lake: Lake): FastifyPluginAsyncZod {
  return async (app) => {
    const db = lake.servingClient();
    for (const spec of ENTITY_ROUTE_SPECS) registerEntityRoutes(app, db, spec);
    for (const route of ENTITY_CHILD_ROUTES) registerChildRoute(app, db, route);

    app.get(
      "/v1",
      {
        schema: {
          tags: ["system"],
          summary: "The entity collections, with the row count and time of their last load",
          response: { 200: servingIndexSchema, ...errorResponses },
        },
      },
      async () => {
        let loads: LoadRow[] = [];
        try {
          loads = (
            await db.query<LoadRow>(
              `SELECT DISTINCT ON (entity) entity, rows, loaded_at, source_sha256 FROM serving_loads ORDER BY entity, id DESC`,
            )
          ).rows;
        } catch (error) {
          // No load has run yet, so the bookkeeping table does not exist: every entity is empty.
          if ((error as { code?: unknown }).code !== "42P01") throw error;
        }
        const byEntity = new Map(loads.map((row) => [row.entity, row]));
        return {
          version: LAKE_VERSION,
          entities: ENTITY_ROUTE_SPECS.map((spec) => {
            const load = byEntity.get(spec.entity);
            return {
              entity: spec.entity,
              path: spec.path,
              rows: load ? Number(load.rows) : 0,
              loaded_at: load ? new Date(load.loaded_at).toISOString() : null,
              source_sha256: load?.source_sha256 ?? null,
            };
          }),
        };
      },
    );
  };
}
