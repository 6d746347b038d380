import type { ErrorCode } from "./error-codes.js";
import { composeErrorMessage } from "./error-location.js";
import type { ErrorLocation } from "./error-location.js";

/** What every user-facing error may carry besides its code and message. */
export interface OmicslakeErrorOptions {
  /** Where in the user's input the problem is; written at the front of the message. */
  readonly location?: ErrorLocation;
  /** The values involved (ids, sizes, URLs), for clients and run records; the location is merged in. */
  readonly details?: Record<string, unknown>;
  /** What the user can do about it; written at the end of the message. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * Base class of every user-facing error in omicslake. A stable `code` lets the CLI pick an exit code
 * and the server pick an HTTP status; `location` names the place in the input (file, line, byte
 * offset, key, record); `hint` says what to do about it; `details` carries the values involved. The
 * message always reads `<location>: <what>. <hint>`. Bugs stay plain `Error`.
 */
export class OmicslakeError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation | undefined;
  readonly details: Readonly<Record<string, unknown>>;
  readonly hint: string | undefined;
  /** The message without location and hint, so that it can be placed again (another file, another variable). */
  readonly reason: string;

  constructor(code: ErrorCode, message: string, options: OmicslakeErrorOptions = {}) {
    super(composeErrorMessage(message, options.location, options.hint), { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location;
    this.details = { ...options.location, ...options.details };
    this.hint = options.hint;
    this.reason = message;
  }
}

type SubclassOptions = Omit<OmicslakeErrorOptions, "location">;

/** Thrown when the caller asked for something that does not exist (dataset, object, run). */
export class NotFoundError extends OmicslakeError {
  constructor(what: string, id: string | number, options: { hint?: string; cause?: unknown } = {}) {
    super("not_found", `${what} ${JSON.stringify(id)} does not exist`, { ...options, details: { what, id } });
  }
}

/** Thrown when input fails validation (a bad key, a bad argument, an unknown layer). */
export class ValidationError extends OmicslakeError {
  constructor(message: string, options: OmicslakeErrorOptions = {}) {
    super("invalid_input", message, options);
  }
}

/** Thrown when an operation would break a lake rule: overwriting or deleting raw, skipping a layer. */
export class PolicyError extends OmicslakeError {
  constructor(code: ErrorCode, message: string, options: SubclassOptions = {}) {
    super(code, message, options);
  }
}

/** Thrown when a stored object does not match its recorded size or checksum. */
export class IntegrityError extends OmicslakeError {
  constructor(message: string, options: SubclassOptions = {}) {
    super("integrity_error", message, options);
  }
}

/** Thrown when a write collides with an existing row or object (duplicate name, existing key). */
export class ConflictError extends OmicslakeError {
  constructor(message: string, options: SubclassOptions = {}) {
    super("conflict", message, options);
  }
}
