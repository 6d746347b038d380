// S3's limits and the store's own conventions that every part of the S3 store writes by.

export const MIB = 1024 * 1024;
/** S3's smallest allowed part (every part but the last). */
export const S3_MIN_PART_BYTES = 5 * MIB;
/** S3's largest single PUT or CopyObject. */
export const S3_MAX_SINGLE_COPY_BYTES = 5 * 1024 * MIB;
/** S3's most parts in one multipart upload. */
export const S3_MAX_PARTS = 10_000;
/** The user-metadata (and, for multipart uploads, tag) name under which the store records sha256. */
export const SHA256_FIELD = "sha256";

/** The object-lock fields of a write into raw when the store applies retention; empty otherwise. */
export interface LockParameters {
  ObjectLockMode?: "GOVERNANCE" | "COMPLIANCE";
  ObjectLockRetainUntilDate?: Date;
}

/**
 * The part size for the next part: the configured size, or larger when the expected size would need more
 * than 10,000 parts. A stream of unknown size doubles its part size every 1,000 parts, so it can reach
 * S3's limits without a size up front while ordinary inputs keep small parts.
 */
export function partSizeFor(
  configured: number,
  expectedSize: number | undefined,
  partsSoFar: number,
): number {
  if (expectedSize !== undefined) {
    return Math.max(configured, Math.ceil(expectedSize / (S3_MAX_PARTS - 1) / MIB) * MIB);
  }
  return configured * 2 ** Math.floor(partsSoFar / 1000);
}
