import { ValidationError } from "../errors/omicslake-error.js";

const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** Dataset names become store key segments, so they are restricted to a safe alphabet. */
export function assertDatasetName(name: string, layer?: string): void {
  if (!DATASET_NAME.test(name)) {
    throw new ValidationError(`invalid dataset name ${JSON.stringify(name)}`, {
      details: { name },
      hint: "Use letters, digits, '_', '-' and '.', starting with a letter or digit (at most 200 characters)",
    });
  }
  if (layer !== undefined) assertNotBackupTree(layer, name);
}

/**
 * A dataset's objects live under `{layer}/{name}/`, and backups in the lake's own store live under
 * `archive/backups/`: a dataset `archive:backups` would share their keys, so a backup's retention would
 * delete its objects (pool objects no backup names) and an upload could replace a backup's bytes.
 */
export function assertNotBackupTree(layer: string, name: string): void {
  if (layer === "archive" && name === "backups") {
    throw new ValidationError('the dataset name "backups" is reserved in the archive layer', {
      details: { layer, name },
      hint: "archive/backups/ holds the lake's backups; choose another name for this dataset",
    });
  }
}

/**
 * Object names are relative paths inside a dataset (`matrix/barcodes.tsv.gz`). They must not climb
 * out of the dataset, so `..`, `.`, empty segments, absolute paths and backslashes are refused.
 */
export function assertObjectName(name: string): void {
  const segments = name.split("/");
  const bad =
    name.length === 0 ||
    name.length > 1024 ||
    name.includes("\\") ||
    name.includes("\0") ||
    segments.some((s) => s === "" || s === "." || s === "..");
  if (bad) {
    throw new ValidationError(`invalid object name ${JSON.stringify(name)}`, {
      details: { name },
      hint: "Use a relative path without '..', '.', empty segments or backslashes",
    });
  }
}
