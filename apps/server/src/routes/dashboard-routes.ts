import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { OmicslakeError } from "@omicslake/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import "../http/route-scope.js";
import { openDashboardFile } from "../http/dashboard-files.js";

/** Where the built dashboard is: Vite's output, `index.html` with its hashed files under `static/`. */
export interface DashboardOptions {
  readonly root: string;
}

/**
 * Sent with every dashboard response. The dashboard loads nothing from elsewhere and is never framed;
 * inline styles are allowed because the charting library sets them on the elements it draws.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

// Paths the dashboard never answers, whatever the client accepts: an unknown one stays the API's JSON 404.
const SERVER_PATHS = ["/v1", "/docs", "/openapi.json", "/health", "/metrics", "/static"];

function isServerPath(path: string): boolean {
  return SERVER_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === "string" && /\b(text\/html|application\/xhtml\+xml)\b/i.test(accept);
}

function notBuilt(): OmicslakeError {
  return new OmicslakeError("not_found", "the dashboard is not built", {
    details: { reason: "dashboard_not_built" },
    hint: "Run `npm run build` in the omicslake checkout (or point OMICSLAKE_WEB_DIR at a built dashboard folder), then reload; the API itself is served as usual under /v1",
  });
}

// Read on each request (it is small): a rebuilt dashboard is served without a restart.
async function sendIndex(options: DashboardOptions | undefined, reply: FastifyReply): Promise<FastifyReply> {
  if (options === undefined) throw notBuilt();
  let html: Buffer;
  try {
    html = await readFile(join(options.root, "index.html"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw notBuilt();
    throw error;
  }
  // Always revalidated: it names the hashed files of the current build.
  return reply
    .headers(DASHBOARD_HEADERS)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-cache")
    .send(html);
}

/**
 * The web dashboard's own routes: `index.html` at `/` and the build's hashed files under `/static/`.
 * Served by hand rather than with @fastify/static: two routes need only an open, a stat and a stream,
 * and keeping the path checks here (see openDashboardFile) keeps them next to the tests that try to
 * escape the folder. Hidden from the OpenAPI document: these are not API routes.
 */
export function dashboardRoutes(options: DashboardOptions | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onSend", async (_request, reply, payload) => {
      void reply.headers(DASHBOARD_HEADERS);
      return payload;
    });
    const hidden = { schema: { hide: true }, config: { scope: "public" as const } };

    app.get("/", hidden, async (_request, reply) => sendIndex(options, reply));

    app.get<{ Params: { "*": string } }>("/static/*", hidden, async (request, reply) => {
      const file =
        options === undefined
          ? undefined
          : await openDashboardFile(join(options.root, "static"), request.params["*"]);
      if (file === undefined) {
        throw new OmicslakeError("not_found", "no such file in the dashboard build", {
          details: { path: request.url.split("?")[0]!.slice(0, 200) },
          hint: "Only the files of the current build are served here; reload the page to get their names",
        });
      }
      // The names carry a hash of the content: a name never changes meaning, so it is cached for good.
      return reply
        .header("content-type", file.mediaType)
        .header("content-length", String(file.size))
        .header("cache-control", "public, max-age=31536000, immutable")
        .send(file.handle.createReadStream());
    });
  };
}

/**
 * The single-page-app fallback, for the not-found handler: a browser's GET or HEAD of a path the API
 * does not own gets `index.html`, so deep links (`/datasets/4?tab=files`) load the app, which routes
 * them itself. It runs only once the router found nothing, rather than as a catch-all route, so the
 * router's own answers for API paths (an over-long parameter's 414) stay as they are. True when it
 * answered.
 */
export function dashboardPageFallback(options: DashboardOptions | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const path = request.url.split("?")[0]!;
    if (isServerPath(path) || !acceptsHtml(request)) return false;
    await sendIndex(options, reply);
    return true;
  };
}
