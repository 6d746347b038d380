import { OmicslakeError } from "@omicslake/core/errors";

/** A mistake in how the command was called: exit code 2, like commander's own usage errors. */
export class UsageError extends OmicslakeError {
  constructor(message: string, options: { hint?: string } = {}) {
    super("usage", message, options);
  }
}
