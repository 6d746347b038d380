import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { OmicslakeError, redactSecrets, redactSecretsDeep } from "@omicslake/core";
import type { ErrorCode } from "@omicslake/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { statusForCode } from "./error-status.js";

/** The wire form of every error: `{error: {code, message, details}}`, details always holding the request id. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: Record<string, unknown>;
  };
}

/**
 * Codes the server answers with besides the project's own: Fastify's and Node's request errors, the
 * rate limiter's, and the one code every unexpected error gets.
 */
type RequestErrorCode =
  | "validation_error"
  | "bad_request"
  | "uri_too_long"
  | "rate_limited"
  | "headers_too_large"
  | "request_timeout"
  | "internal_error";

interface Classified {
  readonly status: number;
  readonly code: ErrorCode | RequestErrorCode;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/**
 * Fastify's own errors, by code: the status and the words we answer with. Fastify's messages are not
 * passed through, so the wire format stays ours whatever a framework upgrade changes.
 */
const FRAMEWORK_ERRORS: Readonly<
  Record<string, { status: number; code: Classified["code"]; message: string; hint?: string }>
> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "unsupported_media_type",
    message: "the request's Content-Type is not accepted by this route",
    hint: "Send JSON bodies as application/json and uploads as application/octet-stream",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: "payload_too_large",
    message: "the request body is larger than this route accepts",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: "bad_request",
    message: "the request body's size does not match its Content-Length",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: "bad_request", message: "the JSON body is empty" },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: "bad_request", message: "the body is not valid JSON" },
  FST_ERR_BAD_URL: {
    status: 400,
    code: "bad_request",
    message: "the URL is not valid (a bad percent-escape or a byte sequence that is not UTF-8)",
    hint: "Percent-encode the path as UTF-8",
  },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: "uri_too_long", message: "a path parameter is too long" },
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: {
    status: 400,
    code: "bad_request",
    message: "the request needs a Content-Type",
  },
};

/**
 * PostgreSQL SQLSTATEs that can only come from a value the client sent (class 22, data exceptions: a
 * NUL byte, an impossible date, a number out of range). The database's own words are not passed on.
 */
function isDataException(code: string): boolean {
  return /^22[0-9A-Z]{3}$/.test(code);
}

/**
 * Maps any thrown value to the status, code, message and details the client gets. Only the project's
 * own errors (OmicslakeError and its subclasses: ParseError, FormatError…) pass their message and
 * details through; Fastify's request errors get our words for them; anything else is a bug, answered
 * with a generic 500 whatever `code` it carries (an errno with a path, a SQLSTATE with a constraint name).
 */
export function classifyError(error: unknown): Classified {
  const err = error as Partial<FastifyError>;
  if (hasZodFastifySchemaValidationErrors(error)) {
    return {
      status: 400,
      code: "validation_error",
      message: error.message,
      details: {
        issues: error.validation.map((v) => ({
          where: error.validationContext,
          path: v.instancePath,
          message: v.message,
        })),
      },
    };
  }
  if (error instanceof OmicslakeError) {
    return {
      status: statusForCode(error.code),
      code: error.code,
      message: error.message,
      details: { ...error.details },
    };
  }
  // The rate limiter throws the object its errorResponseBuilder returned.
  if (err.statusCode === 429) {
    return {
      status: 429,
      code: "rate_limited",
      message: typeof err.message === "string" ? err.message : "rate limit exceeded",
      details: {},
    };
  }
  const code = typeof err.code === "string" ? err.code : undefined;
  const framework =
    code !== undefined && Object.hasOwn(FRAMEWORK_ERRORS, code) ? FRAMEWORK_ERRORS[code] : undefined;
  if (framework) {
    return {
      status: framework.status,
      code: framework.code,
      message: framework.message,
      details: framework.hint === undefined ? {} : { hint: framework.hint },
    };
  }
  if (code !== undefined && isDataException(code)) {
    return {
      status: 400,
      code: "invalid_input",
      message: "a value in the request cannot be stored or compared (an invalid character, date or number)",
      details: { hint: "Check the request's values: no NUL bytes, real calendar dates, numbers in range" },
    };
  }
  // Any other error that says it is the client's fault (Fastify's, a plugin's) keeps its status, not its words.
  if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) {
    const status = err.statusCode;
    return {
      status,
      code:
        status === 404
          ? "not_found"
          : status === 413
            ? "payload_too_large"
            : status === 415
              ? "unsupported_media_type"
              : "bad_request",
      message: status === 404 ? "not found" : "the request is not valid",
      details: {},
    };
  }
  return { status: 500, code: "internal_error", message: "Internal server error", details: {} };
}

/** The wire body of an error. Messages and details may quote an upstream URL or a connection string: their secrets never leave. */
export function errorBody(classified: Classified, requestId: string): ErrorBody {
  return {
    error: {
      code: classified.code,
      message: redactSecrets(classified.message),
      details: { ...redactSecretsDeep(classified.details), request_id: requestId },
    },
  };
}

/** What the log keeps of an unexpected error: its kind, message, stack and cause, with secrets redacted as in responses. */
function loggableError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redactSecrets(String(error)) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: redactSecrets(error.message),
    ...(typeof code === "string" ? { code } : {}),
    ...(error.stack !== undefined ? { stack: redactSecrets(error.stack) } : {}),
    ...(error.cause !== undefined && depth < 5 ? { cause: loggableError(error.cause, depth + 1) } : {}),
  };
}

/** Answers `error` in the API's error shape (logged with its stack when it is the server's fault). */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const classified = classifyError(error);
  // An unexpected error is logged with its stack (and cause) under the request id; the client only gets the id.
  if (classified.status >= 500)
    request.log.error({ err: loggableError(error), requestId: request.id }, "request failed");
  return reply.status(classified.status).send(errorBody(classified, request.id));
}

export interface ErrorHandlerOptions {
  /**
   * Asked first when no route matched (the dashboard's page for a browser's deep link); true when it
   * answered. What it throws is answered like any error.
   */
  readonly notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
}

/**
 * Every error leaves the server as `{error: {code, message, details}}` with the status its code maps
 * to and the request id, so a user can quote it in a bug report. Only the project's own errors pass
 * their message through; anything else (a driver's error with a SQLSTATE, an errno, a bug) is a
 * generic 500, or a generic 400 when it can only have come from the client's values.
 */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));

  app.setNotFoundHandler(async (request, reply) => {
    if (options.notFoundFallback && (await options.notFoundFallback(request, reply))) return reply;
    return reply.status(404).send({
      error: {
        code: "not_found",
        message: `no route ${request.method} ${request.url.split("?")[0]!.slice(0, 200)}`,
        details: { request_id: request.id, hint: "See /openapi.json or /docs for the routes" },
      },
    });
  });
}

/** Errors Fastify meets before routing (a bad percent-escape, an over-long parameter), in the same shape. */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.header("x-request-id", request.id);
  void sendError(error, request, reply);
}

/**
 * Errors Node's HTTP parser meets before Fastify sees a request (headers or URL over the size limit, a
 * malformed request line), in the same shape. There is no request yet, so the id is a fresh one.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, message]: [number, RequestErrorCode, string] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "headers_too_large", "the request line or headers are larger than the server accepts"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "request_timeout", "the request took too long to arrive"]
        : [400, "bad_request", "the request is not valid HTTP"];
  const requestId = randomUUID();
  const body = JSON.stringify(errorBody({ status, code, message, details: {} }, requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${code.replace(/_/g, " ")}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
