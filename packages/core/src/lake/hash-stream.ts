import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";

/** The sha256 and size of everything a stream yields, read chunk by chunk (memory stays flat). */
export async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** The sha256 of a local file. */
export async function sha256File(path: string): Promise<string> {
  return (await hashStream(createReadStream(path))).sha256;
}
