/**
 * The one table from error codes to HTTP statuses. Codes come from OmicslakeError subclasses,
 * parser errors and Fastify's own errors; anything unknown is a 500 (a bug, logged with its stack).
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  not_found: 404,
  invalid_input: 400,
  invalid_cursor: 400,
  config_error: 400,
  validation_error: 400,
  bad_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  uri_too_long: 414,
  range_not_satisfiable: 416,
  unauthorized: 401,
  forbidden: 403,
  raw_immutable: 403,
  layer_skip: 422,
  checksum_mismatch: 422,
  already_promoted: 409,
  object_exists: 409,
  conflict: 409,
  rate_limited: 429,
  integrity_error: 500,
  database_in_use: 503,
  database_unavailable: 503,
  fetch_failed: 502,
  not_loaded: 503,
};

export function statusForCode(code: string): number {
  return Object.hasOwn(STATUS_BY_CODE, code) ? STATUS_BY_CODE[code]! : 500;
}
