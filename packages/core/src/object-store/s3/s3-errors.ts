import { ConflictError } from "../../errors/omicslake-error.js";
import { rawImmutableError } from "../object-body.js";
import type { WriteLayer } from "./s3-staging.js";

// How the store reads the errors of the AWS SDK: SDK v3 errors carry the S3 error code as `name` (or `Code`
// from some compatible servers) and the HTTP status in `$metadata`; servers differ in which they fill.

interface S3ErrorLike {
  readonly name?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

export function s3ErrorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, Code } = error as S3ErrorLike;
  return Code ?? name;
}

export function s3Status(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  return (error as S3ErrorLike).$metadata?.httpStatusCode;
}

export function isNotFound(error: unknown): boolean {
  const name = s3ErrorName(error);
  return name === "NotFound" || name === "NoSuchKey" || s3Status(error) === 404;
}

/** Maps the server's refusals of a write to the lake's errors. */
export function translateWriteError(key: string, layer: WriteLayer, error: unknown): unknown {
  const name = s3ErrorName(error);
  const status = s3Status(error);
  if (
    layer === "raw" &&
    (name === "PreconditionFailed" ||
      status === 412 ||
      name === "ConditionalRequestConflict" ||
      status === 409)
  ) {
    return rawImmutableError(key, "overwrite", error);
  }
  if (name === "PreconditionFailed" || status === 412) {
    return new ConflictError(
      `object ${JSON.stringify(key)} was not written: its source changed during the copy`,
      {
        details: { key },
        hint: "Retry the copy",
        cause: error,
      },
    );
  }
  return error;
}
