import { FormatError } from "./format-error.js";

/** The error for input no converter takes: what it is, and what to do instead. */
export function unsupported(file: string, what: string, hint: string): FormatError {
  return new FormatError("unsupported_format", `cannot convert ${what}`, { file, hint });
}
