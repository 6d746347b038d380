/**
 * Base class of every user-facing error in omicslake. A stable `code` lets the CLI pick an exit code
 * and the server pick an HTTP status; `details` carries the offending input (file, key, line, byte
 * offset) so a user can find the place; `hint` says what to do about it. Bugs stay plain `Error`.
 */
export class OmicslakeError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly hint: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {},
  ) {
    super(options.hint ? `${message}. ${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }
}

/** Thrown when the caller asked for something that does not exist (dataset, object, run). */
export class NotFoundError extends OmicslakeError {
  constructor(what: string, id: string | number, options: { hint?: string; cause?: unknown } = {}) {
    super("not_found", `${what} ${JSON.stringify(id)} does not exist`, { ...options, details: { what, id } });
  }
}

/** Thrown when input fails validation (a bad key, a bad argument, an unknown layer). */
export class ValidationError extends OmicslakeError {
  constructor(message: string, options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super("invalid_input", message, options);
  }
}

/** Thrown when an operation would break a lake rule: overwriting or deleting raw, skipping a layer. */
export class PolicyError extends OmicslakeError {
  constructor(
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/** Thrown when a stored object does not match its recorded size or checksum. */
export class IntegrityError extends OmicslakeError {
  constructor(message: string, options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super("integrity_error", message, options);
  }
}

/** Thrown when a write collides with an existing row or object (duplicate name, existing key). */
export class ConflictError extends OmicslakeError {
  constructor(message: string, options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super("conflict", message, options);
  }
}
