import { findPublishedFile } from "@omicslake/metadata";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PUBLISHED_KEY_PREFIX, type ObjectDownloader } from "../http/object-download.js";
import { errorResponses, errorSchema } from "../schemas/common-schemas.js";

/**
 * The lake's own published tree (what `omicslake publish` wrote to `<root>/published/`), served the way
 * a static server with Range support would, so DuckDB's httpfs can ATTACH `…/v1/published/omicslake.duckdb`
 * and read the Parquet by ranges. Only files the manifest lists are reachable, and each is served with
 * the manifest's sha256 as its checksum: a file that does not match is never sent as a success.
 */
export function publishedRoutes(publishedDir: string, downloader: ObjectDownloader): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/published/*",
      {
        config: { scope: "read" },
        schema: {
          tags: ["published"],
          summary: "A file of the lake's published tree",
          description:
            "`manifest.json` lists every published file with its size and sha256. Each file is verified against the manifest before the last byte of a 200 is sent (a mismatch cuts the response short); `Range` (one range: 206, or 416) is served from a file verified whole; the sha256 is the ETag (`If-None-Match` → 304, `If-Range`).",
          params: z.object({
            "*": z
              .string()
              .min(1)
              .max(1024)
              .describe("Path inside the published tree, e.g. omicslake.duckdb"),
          }),
          response: {
            200: z.unknown().describe("The file's bytes"),
            206: z.unknown().describe("The requested range of the file's bytes"),
            304: z.null().describe("The client's copy (If-None-Match) is current"),
            ...errorResponses,
            416: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const file = await findPublishedFile(publishedDir, request.params["*"]);
        const etag = `"${file.sha256}"`;
        if (file.content !== undefined) {
          // The manifest changes with every publish: sent as read, never cached without asking again.
          if (request.headers["if-none-match"] === etag) return reply.status(304).header("etag", etag).send();
          return reply
            .header("content-type", file.mediaType)
            .header("etag", etag)
            .header("cache-control", "no-cache")
            .header("x-checksum-sha256", file.sha256)
            .send(file.content);
        }
        return downloader.sendFile(
          request,
          reply,
          {
            key: `${PUBLISHED_KEY_PREFIX}${file.path}`,
            name: file.path,
            sha256: file.sha256,
            size: file.size,
            mediaType: file.mediaType,
          },
          file.file,
        );
      },
    );
  };
}
