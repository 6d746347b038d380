import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { statusForCode } from "./error-status.js";

interface CodedError {
  code?: unknown;
  details?: unknown;
  statusCode?: unknown;
}

/**
 * Every error leaves the server as `{error: {code, message, details}}` with the status its code
 * maps to, and the request id, so a user can quote it in a bug report.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status: number;
    let code: string;
    let details: Record<string, unknown> = {};
    const coded = error as FastifyError & CodedError;

    if (hasZodFastifySchemaValidationErrors(error)) {
      status = 400;
      code = "validation_error";
      details = {
        issues: error.validation.map((v) => ({
          where: error.validationContext,
          path: v.instancePath,
          message: v.message,
        })),
      };
    } else if (coded.statusCode === 429) {
      status = 429;
      code = "rate_limited";
    } else if (typeof coded.code === "string" && !coded.code.startsWith("FST_")) {
      code = coded.code;
      status = statusForCode(code);
      if (typeof coded.details === "object" && coded.details !== null) details = coded.details as Record<string, unknown>;
    } else if (typeof coded.statusCode === "number" && coded.statusCode >= 400 && coded.statusCode < 500) {
      status = coded.statusCode;
      code = status === 404 ? "not_found" : status === 415 ? "unsupported_media_type" : "bad_request";
    } else {
      status = 500;
      code = "internal_error";
    }

    if (status >= 500) request.log.error({ err: error }, "request failed");
    const message = status === 500 && code === "internal_error" ? "Internal server error" : error.message;
    return reply.status(status).send({ error: { code, message, details: { ...details, request_id: request.id } } });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: "not_found",
        message: `no route ${request.method} ${request.url.split("?")[0]}`,
        details: { request_id: request.id, hint: "See /openapi.json or /docs for the routes" },
      },
    }),
  );
}
