import { OmicslakeError } from "@omicslake/core";

/** An upstream request failed for good: every retry was used, or the answer cannot be retried (404, 403). */
export class UpstreamError extends OmicslakeError {
  constructor(
    message: string,
    options: { details: Record<string, unknown>; hint?: string; cause?: unknown },
  ) {
    super("upstream_failed", message, options);
  }
}

/** A downloaded file does not have the checksum its upstream published for it. */
export class UpstreamChecksumError extends OmicslakeError {
  constructor(file: string, url: string, expected: string, actual: string) {
    super("upstream_checksum_mismatch", `${file}: MD5 is ${actual}, upstream published ${expected}`, {
      details: { file, url, expected, actual },
      hint: "The partial download was discarded; rerun the ingest to fetch it again, or report a broken upstream file",
    });
  }
}

/** A listing, search answer or MD5 file from upstream could not be understood. */
export class UpstreamListingError extends OmicslakeError {
  constructor(
    message: string,
    options: { details: Record<string, unknown>; hint?: string; cause?: unknown },
  ) {
    super("upstream_listing_invalid", message, options);
  }
}

/** A source or dataset configuration an adapter cannot work with. */
export class SourceConfigError extends OmicslakeError {
  constructor(message: string, options: { details: Record<string, unknown>; hint: string; cause?: unknown }) {
    super("invalid_source_config", message, options);
  }
}
