import { ValidationError } from "../../errors/omicslake-error.js";
import { validateObjectKey } from "../object-key.js";

/** The most keys one listing page returns. */
export const MAX_PAGE = 1000;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ValidationError(`list limit ${String(limit)} is not a positive integer`, {
      details: { limit },
      hint: `Pass 1 to ${MAX_PAGE}`,
    });
  }
  return Math.min(limit, MAX_PAGE);
}

export function encodePageToken(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

export function decodePageToken(token: string): string {
  const lastKey = Buffer.from(token, "base64url").toString("utf8");
  try {
    validateObjectKey(lastKey);
  } catch (error) {
    throw new ValidationError(`page token ${JSON.stringify(token)} was not issued by this store`, {
      details: { pageToken: token },
      hint: "Pass the nextPageToken of the previous page unchanged, or leave it out to start over",
      cause: error,
    });
  }
  return lastKey;
}
