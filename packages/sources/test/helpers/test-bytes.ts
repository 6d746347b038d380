import { createHash } from "node:crypto";

/** The sha256 of some bytes, hex, as the catalog records it. */
export const sha = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/** Deterministic incompressible bytes: a sha256 chain from a seed. */
export function pseudoRandomBytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

/** Everything a stream yields, as one buffer. */
export async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
