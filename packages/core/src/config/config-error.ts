import { OmicslakeError } from "../errors/omicslake-error.js";

/** A problem in omicslake.toml or its environment overrides, located by file, section, key and line. */
export class ConfigError extends OmicslakeError {
  /** The problem without its location, so that it can be placed again (see load-config's env overrides). */
  readonly reason: string;

  constructor(
    message: string,
    location: {
      file?: string;
      variable?: string;
      section?: string;
      key?: string;
      line?: number;
      column?: number;
    },
    options: { hint?: string; cause?: unknown } = {},
  ) {
    const where = [
      location.variable !== undefined ? `environment variable ${location.variable}` : location.file,
      location.line !== undefined ? `line ${location.line}` : undefined,
      location.section !== undefined ? `[${location.section}]` : undefined,
      location.key !== undefined ? `key "${location.key}"` : undefined,
    ]
      .filter((x) => x !== undefined)
      .join(", ");
    super("config_error", where ? `${where}: ${message}` : message, { details: { ...location }, ...options });
    this.reason = message;
  }
}
