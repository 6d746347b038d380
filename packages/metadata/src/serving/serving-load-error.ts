import { OmicslakeError } from "@omicslake/core";

/** A curated entity file could not be loaded into the serving database; the previous data stays served. */
export class ServingLoadError extends OmicslakeError {
  constructor(
    message: string,
    options: {
      entity: string;
      file?: string;
      details?: Record<string, unknown>;
      hint?: string;
      cause?: unknown;
    },
  ) {
    const { entity, file, details, ...rest } = options;
    super("serving_load_failed", message, {
      ...rest,
      details: { entity, ...(file === undefined ? {} : { file }), ...details },
    });
  }
}
