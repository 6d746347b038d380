import { OmicslakeError } from "../errors/omicslake-error.js";

/** Where a setting came from: a line of omicslake.toml, or an environment variable overriding it. */
export interface ConfigLocation {
  readonly file?: string;
  readonly variable?: string;
  readonly section?: string;
  readonly key?: string;
  readonly line?: number;
  readonly column?: number;
}

/** A problem in omicslake.toml or its environment overrides, located by file, section, key and line. */
export class ConfigError extends OmicslakeError {
  constructor(message: string, location: ConfigLocation, options: { hint?: string; cause?: unknown } = {}) {
    const { variable, file, ...rest } = location;
    // A value set by an environment variable is that variable's: it takes the file's place in the message.
    const source = variable !== undefined ? `environment variable ${variable}` : file;
    super("config_error", message, {
      ...options,
      location: { ...(source !== undefined ? { file: source } : {}), ...rest },
      details: { ...location },
    });
  }
}
