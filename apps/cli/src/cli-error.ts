/** A mistake in how the command was called: exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  readonly code = "usage";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
