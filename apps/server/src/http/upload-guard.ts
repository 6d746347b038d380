import type { Readable } from "node:stream";
import { OmicslakeError, ValidationError } from "@omicslake/core";
import type { FastifyRequest, onRequestAsyncHookHandler, onResponseAsyncHookHandler } from "fastify";

/** Default largest object an upload may store: 64 GiB. */
export const DEFAULT_MAX_OBJECT_BYTES = 64 * 1024 ** 3;
/** Default largest JSON body: 1 MiB is plenty for a dataset's metadata or a batch of accessions. */
export const DEFAULT_JSON_BODY_LIMIT = 1024 * 1024;
/**
 * After an early answer (401, 413, 415, …) the rest of the body is read and dropped so the connection
 * can carry the next request; past this many bytes the connection is closed instead, so a client cannot
 * make the server read gigabytes it already refused.
 */
export const DISCARD_LIMIT_BYTES = 4 * 1024 * 1024;

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** An upload's bytes are opaque: the media type recorded for the object comes from its name. */
export const UPLOAD_MEDIA_TYPE = "application/octet-stream";

export class PayloadTooLargeError extends OmicslakeError {
  constructor(limit: number, seen: number | undefined) {
    super(
      "payload_too_large",
      `the upload is larger than the server's maximum object size of ${limit} bytes`,
      {
        details: { max_object_bytes: limit, ...(seen === undefined ? {} : { bytes: seen }) },
        hint: "Nothing was stored; raise [server] max_object_bytes or split the file",
      },
    );
  }
}

export class UnsupportedMediaTypeError extends OmicslakeError {
  constructor(contentType: string) {
    super(
      "unsupported_media_type",
      `uploads are sent as ${UPLOAD_MEDIA_TYPE}, not ${JSON.stringify(contentType.slice(0, 100))}`,
      {
        details: { content_type: contentType.slice(0, 100) },
        hint: `Send the bytes with "Content-Type: ${UPLOAD_MEDIA_TYPE}" (curl --data-binary @file -H "Content-Type: ${UPLOAD_MEDIA_TYPE}", or curl -T file); the media type is taken from the object's name`,
      },
    );
  }
}

/**
 * The upload route's checks that need no body, run as an onRequest hook (after authentication) so a
 * refused upload is never read: the content type, the announced size against the maximum, and the
 * form of `X-Checksum-Sha256`.
 */
export function uploadHeaderGuard(maxObjectBytes: number): onRequestAsyncHookHandler {
  return async (request) => {
    const type = request.headers["content-type"];
    // No Content-Type is what `curl -T` sends: bytes, like octet-stream.
    if (type !== undefined && type.split(";")[0]!.trim().toLowerCase() !== UPLOAD_MEDIA_TYPE)
      throw new UnsupportedMediaTypeError(type);
    const checksum = request.headers["x-checksum-sha256"];
    if (checksum !== undefined && (typeof checksum !== "string" || !SHA256_HEX.test(checksum))) {
      throw new ValidationError(
        "X-Checksum-Sha256 must be 64 hexadecimal digits (the sha256 of the bytes sent)",
        {
          details: { header: "x-checksum-sha256", value: String(checksum).slice(0, 100) },
          hint: "Send the hex sha256 of the file (sha256sum FILE), or leave the header out",
        },
      );
    }
    const length = request.headers["content-length"];
    if (length !== undefined && Number(length) > maxObjectBytes)
      throw new PayloadTooLargeError(maxObjectBytes, Number(length));
  };
}

/**
 * The request body as an async iterable that fails once more than `maxBytes` arrived, so a chunked
 * upload without a Content-Length is cut off too and the store's put discards what it had written. The
 * request itself is not destroyed on the way out, so the error can still be answered on it.
 */
export async function* limitedBody(raw: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of raw.iterator({ destroyOnReturn: false })) {
    const buffer = chunk as Buffer;
    seen += buffer.length;
    if (seen > maxBytes) throw new PayloadTooLargeError(maxBytes, seen);
    yield buffer;
  }
}

/**
 * An onResponse hook: when a request was answered before its body was read (refused by a check, or an
 * error mid-upload), drop the rest of the body so the connection stays usable, but close the connection
 * after DISCARD_LIMIT_BYTES rather than read an unbounded refused body.
 */
export const discardUnreadBody: onResponseAsyncHookHandler = async (request: FastifyRequest) => {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return;
  let discarded = 0;
  raw.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) raw.destroy();
  });
  raw.resume();
};
