import type { FastifyRequest } from "fastify";

/** `links.self` and `links.next` of a list response: the request's own URL with the cursor swapped. */
export function pageLinks(
  request: FastifyRequest,
  nextCursor: string | null,
): { self: string; next: string | null } {
  const url = new URL(request.url, "http://local");
  const self = `${url.pathname}${url.search}`;
  if (nextCursor === null) return { self, next: null };
  url.searchParams.set("cursor", nextCursor);
  return { self, next: `${url.pathname}${url.search}` };
}
