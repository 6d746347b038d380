import { LAKE_VERSION, type Lake } from "@omicslake/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Registry } from "prom-client";
import { z } from "zod";
import { LakeMetrics } from "../http/lake-metrics.js";

/** Liveness with the engines in use, and Prometheus metrics. */
export function systemRoutes(lake: Lake, registry: Registry): FastifyPluginAsyncZod {
  const lakeMetrics = new LakeMetrics(registry);
  return async (app) => {
    app.get(
      "/health",
      {
        config: { rateLimit: false, scope: "public" },
        schema: {
          tags: ["system"],
          summary: "Liveness and the engines behind this server",
          response: {
            200: z.object({
              status: z.literal("ok"),
              version: z.string(),
              catalog: z.string(),
              storage: z.string(),
              uptime_seconds: z.number(),
            }),
            503: z.object({ status: z.literal("unavailable"), error: z.string() }),
          },
        },
      },
      async (_request, reply) => {
        try {
          await lake.catalog.ping();
        } catch (error) {
          return reply
            .status(503)
            .send({ status: "unavailable", error: error instanceof Error ? error.message : String(error) });
        }
        return {
          status: "ok" as const,
          version: LAKE_VERSION,
          catalog: lake.catalog.engine,
          storage: lake.store.kind,
          uptime_seconds: Math.round(process.uptime()),
        };
      },
    );

    app.get(
      "/metrics",
      {
        // Read, not public: the lake's gauges (objects and bytes per layer, runs) describe its data, so a
        // private lake keeps them private; Prometheus sends a read key as a bearer token.
        config: { rateLimit: false, scope: "read" },
        schema: {
          tags: ["system"],
          summary: "Prometheus metrics",
          description:
            "Process and HTTP metrics, checksum failures on read, and lake gauges read from the catalog at scrape time: objects and bytes per layer, runs by status, failed ingest runs, seconds since each entity's last serving load and since the last good backup.",
          hide: false,
        },
      },
      async (request, reply) => {
        // A catalog that cannot answer must not take the process and HTTP metrics down with it: the lake
        // gauges are left out of this scrape (absent, not zero) and the reason goes to the log.
        await lakeMetrics.update(lake).catch((error: unknown) => {
          lakeMetrics.clear();
          request.log.warn({ err: error }, "lake gauges unavailable for this scrape");
        });
        return reply.header("content-type", registry.contentType).send(await registry.metrics());
      },
    );
  };
}
