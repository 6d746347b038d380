import { ValidationError } from "@omicslake/core";
import type { FastifyRequest } from "fastify";

/** Deeper JSON than this is refused: no metadata needs it, and the catalog's JSON functions recurse. */
export const MAX_JSON_DEPTH = 64;

type Where = "params" | "querystring" | "body";

/**
 * Finds the first place in a parsed value that the catalog cannot take: a string (or key) with a NUL
 * character (PostgreSQL text and jsonb refuse it) or nesting deeper than MAX_JSON_DEPTH. Iterative, so a
 * hostile document cannot overflow the stack here either.
 */
export function findHostileValue(value: unknown): { path: string; reason: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === "string") {
      if (item.value.includes("\0")) return { path: item.path, reason: "contains a NUL character" };
      continue;
    }
    if (typeof item.value !== "object" || item.value === null) continue;
    if (item.depth >= MAX_JSON_DEPTH)
      return { path: item.path, reason: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
    const entries = Array.isArray(item.value)
      ? item.value.map((v, i) => [String(i), v] as const)
      : Object.entries(item.value);
    for (const [key, child] of entries) {
      if (key.includes("\0"))
        return {
          path: `${item.path}/${key.replace(/\0/g, "\\0")}`,
          reason: "has a key with a NUL character",
        };
      stack.push({ value: child, path: `${item.path}/${key}`, depth: item.depth + 1 });
    }
  }
  return undefined;
}

/**
 * A preValidation hook: refuses, as a 400, any request whose path parameters, query or JSON body hold a
 * value the catalog would choke on, so such input never reaches the database (where it used to become a
 * 500 carrying the driver's message). Streamed upload bodies are not objects and are not looked at.
 */
export async function rejectHostileInput(request: FastifyRequest): Promise<void> {
  const parts: [Where, unknown][] = [
    ["params", request.params],
    ["querystring", request.query],
    [
      "body",
      typeof request.body === "object" &&
      request.body !== null &&
      typeof (request.body as { pipe?: unknown }).pipe !== "function"
        ? request.body
        : undefined,
    ],
  ];
  for (const [where, value] of parts) {
    const found = findHostileValue(value);
    if (found) {
      throw new ValidationError(`the request's ${where} value at "${found.path || "/"}" ${found.reason}`, {
        details: { where, path: found.path },
        hint: "Remove NUL characters and flatten deeply nested JSON",
      });
    }
  }
}
