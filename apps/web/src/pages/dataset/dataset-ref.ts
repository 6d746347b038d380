import { pathOf } from "../../router/router.js";

/** The forms the API accepts for a dataset: an id, a name, or `layer:name` (names are `[A-Za-z0-9_.-]`). */
const DATASET_REF = /^(?:[a-z]+:)?[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/**
 * The API path of a dataset named in a URL (`/datasets/:id`, `?dataset=`), or null when the reference cannot
 * name one. The reference comes from a link anyone can craft: `..%2F..%2Fv1%2Fkeys` would otherwise become
 * `/v1/catalog/../../v1/keys`, which the browser resolves to another route and fetches with the user's key.
 */
export function datasetApiPath(ref: string): string | null {
  return DATASET_REF.test(ref) ? pathOf("v1", "catalog", ref) : null;
}

/** Why a reference was refused, for the page that shows it. */
export function invalidRefMessage(ref: string): string {
  return `“${ref}” is not a dataset id, name or layer:name, so no dataset was looked up.`;
}
