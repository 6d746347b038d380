import { ValidationError } from "../errors/omicslake-error.js";
import type { DatasetMetadata } from "./catalog-types.js";

/** The day of `now` in UTC as YYYY-MM-DD. */
export function isoDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Metadata with `source`, `date` and `version` always present: values given are checked and kept,
 * missing ones come from `defaults`. A numeric version (`2`) is stored as the string "2".
 */
export function completeMetadata(
  metadata: Record<string, unknown> | undefined,
  defaults: { source: string; date: string; version: string },
  context: Record<string, unknown>,
): DatasetMetadata {
  if (
    metadata !== undefined &&
    (metadata === null || typeof metadata !== "object" || Array.isArray(metadata))
  ) {
    throw new ValidationError("dataset metadata must be a JSON object", {
      details: { ...context, metadata },
    });
  }
  const given = metadata ?? {};
  const source = given["source"] ?? defaults.source;
  if (typeof source !== "string" || source.length === 0) {
    throw new ValidationError(
      `dataset metadata "source" must be a non-empty string, got ${JSON.stringify(source)}`,
      {
        details: { ...context, key: "source" },
      },
    );
  }
  const date = given["date"] ?? defaults.date;
  if (typeof date !== "string" || !isValidDay(date)) {
    throw new ValidationError(
      `dataset metadata "date" must be a date written YYYY-MM-DD, got ${JSON.stringify(date)}`,
      {
        details: { ...context, key: "date" },
        hint: 'Write the date like "2024-03-31"',
      },
    );
  }
  const rawVersion = given["version"] ?? defaults.version;
  const version =
    typeof rawVersion === "number" && Number.isFinite(rawVersion) ? String(rawVersion) : rawVersion;
  if (typeof version !== "string" || version.length === 0) {
    throw new ValidationError(
      `dataset metadata "version" must be a non-empty string, got ${JSON.stringify(rawVersion)}`,
      {
        details: { ...context, key: "version" },
      },
    );
  }
  return { ...given, source, date, version };
}

function isValidDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}
