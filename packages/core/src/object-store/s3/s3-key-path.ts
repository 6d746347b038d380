import { ValidationError } from "../../errors/omicslake-error.js";
import { validateObjectKey } from "../object-key.js";

// eslint-disable-next-line no-control-regex
const UNSAFE_PREFIX_CHARACTER = /[\\\u0000-\u001f\u007f]/;

export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return "";
  const segments = trimmed.split("/");
  if (
    segments.some((segment) => segment === "" || segment === "." || segment === "..") ||
    UNSAFE_PREFIX_CHARACTER.test(trimmed)
  ) {
    throw new ValidationError(`S3 prefix ${JSON.stringify(prefix)} is not a clean key prefix`, {
      details: { prefix },
      hint: 'Use "/"-separated names without empty, "." or ".." segments, backslashes or control characters',
    });
  }
  return `${trimmed}/`;
}

export function isValidKey(key: string): boolean {
  try {
    validateObjectKey(key);
    return true;
  } catch {
    return false;
  }
}

/** CopySource wants the key URL-encoded, with its "/" kept. */
export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}
