/*
 * The error hierarchy alone, without the rest of the core (catalog, object stores, DuckDB, the AWS SDK):
 * what a parser or a CLI command that only reads files imports, so that its start-up does not load the lake.
 * The same modules as the package root's exports: `instanceof` holds across both.
 */
export * from "./omicslake-error.js";
export { ERROR_CODES, type ErrorCode } from "./error-codes.js";
export { composeErrorMessage, formatLocation, type ErrorLocation } from "./error-location.js";
export * from "./redact-secrets.js";
