import { randomUUID } from "node:crypto";
import fastifySwagger from "@fastify/swagger";
import fastifyRateLimit from "@fastify/rate-limit";
import scalarApiReference from "@scalar/fastify-api-reference";
import type { AssetService } from "@omicslake/assets";
import { LAKE_VERSION, type Lake } from "@omicslake/core";
import type { ExpressionProvider } from "@omicslake/expression";
import Fastify, { type FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Writable } from "node:stream";
import { installApiAudit } from "./http/api-audit.js";
import { ApiKeyAuth, installAccessControl, type ApiKeyAuthOptions } from "./http/api-key-auth.js";
import {
  clientErrorHandler,
  frameworkErrorHandler,
  installErrorHandler,
  sendError,
} from "./http/error-handler.js";
import { rejectHostileInput } from "./http/hostile-input.js";
import { documentScopes, markRoutesPublic, requireRouteScopes } from "./http/route-scope.js";
import { ObjectDownloader } from "./http/object-download.js";
import { DEFAULT_JSON_BODY_LIMIT, DEFAULT_MAX_OBJECT_BYTES, discardUnreadBody } from "./http/upload-guard.js";
import { backupRoutes, type BackupRouteOptions } from "./routes/backup-routes.js";
import { accessRoutes } from "./routes/access-routes.js";
import { assetRoutes } from "./routes/asset-routes.js";
import { catalogWriteRoutes } from "./routes/catalog-write-routes.js";
import { catalogRoutes } from "./routes/catalog-routes.js";
import { dashboardPageFallback, dashboardRoutes, type DashboardOptions } from "./routes/dashboard-routes.js";
import { entityRoutes } from "./routes/entities/entity-routes.js";
import { expressionRoutes } from "./routes/expression-routes.js";
import { lineageRoutes } from "./routes/lineage-routes.js";
import { linksRoutes } from "./routes/links-routes.js";
import { meRoutes } from "./routes/me-routes.js";
import { promotionRoutes } from "./routes/promotion-routes.js";
import { provenanceRoutes } from "./routes/provenance-routes.js";
import { publishedRoutes } from "./routes/published-routes.js";
import { systemRoutes } from "./routes/system-routes.js";

export interface ServerOptions {
  readonly lake: Lake;
  /** Requests per minute per client IP; 0 disables. */
  readonly rateLimit?: number;
  readonly logger?: boolean;
  /** The least severe level the log keeps when `logger` is on (default "info": every request). */
  readonly logLevel?: "info" | "warn" | "error";
  readonly trustProxy?: boolean;
  readonly publicUrl?: string;
  /** The largest object an upload may store, in bytes (default 64 GiB); larger uploads get 413 and store nothing. */
  readonly maxObjectBytes?: number;
  /** The largest JSON request body, in bytes (default 1 MiB). */
  readonly jsonBodyLimit?: number;
  /** Where the request log goes when `logger` is on (default stdout); tests read it. */
  readonly logStream?: Writable;
  /** The lake's own published tree (`<root>/published/`), served at /v1/published/…; left out, no such route. */
  readonly publishedDir?: string;
  /** API-key verification settings (the cache lifetime, capped at one second, and the clock). */
  readonly apiKeys?: ApiKeyAuthOptions;
  /** Where `POST /v1/backups` writes and its retention (default: the lake's own store, no pruning). */
  readonly backup?: BackupRouteOptions;
  /** When false, every read route needs an API key too (`[server] public_reads`; default true). */
  readonly publicReads?: boolean;
  /**
   * The expression engine and stores behind /v1/expression (opened on first use, closed with the server);
   * left out, the server has no expression routes.
   */
  readonly expression?: ExpressionProvider;
  /**
   * The asset graph behind /v1/assets (the caller opens and closes it, as it does the lake); left out,
   * the server has no asset routes.
   */
  readonly assets?: AssetService;
  /**
   * The built web dashboard (Vite's output folder), served at `/` with its files under `/static/`; left
   * out, or a folder without `index.html`, `/` answers 404 saying the dashboard is not built.
   */
  readonly web?: DashboardOptions;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Builds the REST API over a lake; the caller listens (`app.listen`) and closes the lake. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const pageFallback = dashboardPageFallback(options.web);
  const app = Fastify({
    logger: options.logger
      ? { level: options.logLevel ?? "info", ...(options.logStream ? { stream: options.logStream } : {}) }
      : false,
    trustProxy: options.trustProxy ?? false,
    // Honour a caller's request id so one id follows a request through proxies and logs.
    genReqId: (req) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Long enough for a 1,024-byte object name percent-encoded; longer parameters get 414 in the error shape.
    routerOptions: { maxParamLength: 4096 },
    bodyLimit: options.jsonBodyLimit ?? DEFAULT_JSON_BODY_LIMIT,
    // Errors met before routing or by Node's HTTP parser leave in the project's error shape too.
    frameworkErrors: (error, request, reply) => {
      // A browser path the server cannot decode (`/assets/%`) still gets the dashboard, whose router shows
      // its not-found page; API paths and non-browser clients keep the JSON 400.
      if (error.code !== "FST_ERR_BAD_URL" || options.web === undefined) {
        frameworkErrorHandler(error, request, reply);
        return;
      }
      // Fastify skips the onRequest hooks here, so the request id is set by hand, as frameworkErrorHandler does.
      void reply.header("x-request-id", request.id);
      pageFallback(request, reply).then(
        (sent) => {
          if (!sent) frameworkErrorHandler(error, request, reply);
        },
        // The page failed (not built, unreadable): that error, as a deep link would have got it.
        (failure: unknown) => void sendError(failure, request, reply),
      );
    },
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, { notFoundFallback: pageFallback });
  // Before any route is registered: every route must declare who may call it, or the server does not start.
  requireRouteScopes(app);
  const publicReads = options.publicReads ?? true;
  const auth = new ApiKeyAuth(options.lake, options.apiKeys);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "omicslake_" });
  const duration = new Histogram({
    name: "omicslake_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const integrityFailures = new Counter({
    name: "omicslake_integrity_failures_total",
    help: "Stored objects found not to match the catalog (missing, wrong size, wrong sha256) while serving them",
    labelNames: ["failure"] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: "omicslake_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  app.addHook("onRequest", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status: String(reply.statusCode),
    };
    duration.observe(labels, reply.elapsedTime / 1000);
    requests.inc(labels);
  });
  const auditFailures = new Counter({
    name: "omicslake_audit_failures_total",
    help: "Audit log entries that could not be written (each is logged with its request id)",
    registers: [registry],
  });
  const audit = installApiAudit(app, options.lake, { onFailure: () => auditFailures.inc() });
  app.decorate("auditSettled", () => audit.settled());
  app.addHook("onResponse", discardUnreadBody);
  app.addHook("preValidation", rejectHostileInput);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "omicslake API",
        version: LAKE_VERSION,
        description:
          "Catalog, provenance and data of an omicslake data lake. Lists use keyset pagination: pass `meta.next_cursor` back as `cursor`. Errors are `{error: {code, message, details}}`.",
      },
      ...(options.publicUrl ? { servers: [{ url: options.publicUrl }] } : {}),
      components: {
        securitySchemes: {
          apiKey: {
            type: "http",
            scheme: "bearer",
            description: 'An omicslake API key ("omicslake keys create")',
          },
        },
      },
      tags: [
        {
          name: "catalog",
          description: "Datasets, objects and downloads; writes need an API key with the write scope",
        },
        { name: "provenance", description: "Lineage, provenance graphs and runs" },
        {
          name: "links",
          description:
            "Accession links: every GEO, SRA, BioSample, BioProject and PubMed accession related to one",
        },
        {
          name: "assets",
          description:
            "The asset graph: every asset's partitions, automation, last materialization and staleness; materializing one needs the write scope",
        },
        { name: "system", description: "Health and metrics" },
        { name: "published", description: "The lake's published tree (omicslake publish), with Range" },
        { name: "access", description: "API keys and the audit log (admin keys only)" },
        {
          name: "expression",
          description:
            "Expression analytics: genes, cells, subsets, correlation, variability, aggregates (zeros included)",
        },
      ],
    },
    transform: documentScopes(jsonSchemaTransform, publicReads),
    transformObject: jsonSchemaTransformObject,
  });

  // The access check goes on every route after the rate limiter's hook (see installAccessControl).
  await installAccessControl(app, auth, { publicReads }, async () => {
    if ((options.rateLimit ?? 600) > 0) {
      await app.register(fastifyRateLimit, {
        max: options.rateLimit ?? 600,
        timeWindow: "1 minute",
        errorResponseBuilder: (_request, context) => ({
          statusCode: 429,
          code: "rate_limited",
          message: `rate limit of ${context.max} requests per ${context.after === "" ? "minute" : "window"} exceeded; retry in ${context.after}`,
        }),
      });
    }
  });

  app.get(
    "/openapi.json",
    { schema: { hide: true }, config: { rateLimit: false, scope: "public" } },
    async () => app.swagger(),
  );
  // The docs plugin's pages and assets cannot declare a scope themselves: its context marks them public.
  await app.register(async (docs) => {
    markRoutesPublic(docs);
    await docs.register(scalarApiReference, {
      routePrefix: "/docs",
      configuration: { url: "/openapi.json" },
    });
  });

  await app.register(systemRoutes(options.lake, registry));
  const downloader = new ObjectDownloader(options.lake, {
    onIntegrityFailure: (failure) => integrityFailures.inc({ failure }),
  });
  await app.register(catalogRoutes(options.lake, downloader));
  await app.register(provenanceRoutes(options.lake));
  await app.register(lineageRoutes(options.lake));
  await app.register(
    catalogWriteRoutes(options.lake, { maxObjectBytes: options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES }),
  );
  await app.register(entityRoutes(options.lake));
  await app.register(linksRoutes(options.lake));
  if (options.publishedDir !== undefined)
    await app.register(publishedRoutes(options.publishedDir, downloader));
  await app.register(backupRoutes(options.lake, options.backup));
  await app.register(accessRoutes(options.lake, auth));
  await app.register(meRoutes(auth, publicReads));
  await app.register(promotionRoutes(options.lake));
  if (options.expression !== undefined) await app.register(expressionRoutes(options.expression));
  if (options.assets !== undefined) await app.register(assetRoutes(options.assets));
  await app.register(dashboardRoutes(options.web));
  return app;
}
